"""The reference case system's records and rules: applications with their history, claims, decisions,
payments and each household's history, in the stand-in's own SQLite file.

One set of rules for both of its faces, the API (server.py) and the screens (pages.py), so that the two
case-system adapters meet the same system: a decision id is recorded once and paid once, another
decision for a decided application is refused, a person is paid at most once a month. A refusal is a
`Refused` with the HTTP status and detail the API answers with; the pages show it on screen.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from robots.contract import validator
from robots.contract.validate import (
    PERIOD,
    PERSONNUMMER,
    application_problems,
    first_float,
)
from robots.privacy import mask
from robots.rules.people import normalize
from robots.rules.periods import add_months, months_between, previous_month

MAX_AMOUNT = 10_000_000  # kronor; anything larger is garbage, and must not overflow the ledger's integers
PNR_PATTERN = f"^{PERSONNUMMER.pattern}$"
PERIOD_PATTERN = f"^{PERIOD.pattern}$"
JOBBSTIMULANS_YEARS_MONTHS = 24  # jobbstimulans applies for two years from the month it began (SoL 12 kap. 8 §)
SCHEMA_VERSION = 2  # PRAGMA user_version: 0 the first households table (jobbstimulans months), 1 before content_hash

# received_at is when the case system received the application: the official time the service level
# counts from (the applicant's own submitted_at is kept in the application, untrusted).
SCHEMA = """
CREATE TABLE IF NOT EXISTS applications (
    seq INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    idempotency_key TEXT UNIQUE,
    household TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT,
    lease_until REAL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    content_hash TEXT
);
CREATE INDEX IF NOT EXISTS applications_status ON applications (status, seq);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, application_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
    event TEXT NOT NULL, detail TEXT
);
CREATE INDEX IF NOT EXISTS events_application ON events (application_id, seq);
CREATE TABLE IF NOT EXISTS decisions (
    decision_id TEXT PRIMARY KEY, application_id TEXT NOT NULL, outcome TEXT NOT NULL, amount INTEGER,
    body TEXT NOT NULL, recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_application ON decisions (application_id);
CREATE TABLE IF NOT EXISTS payments (
    seq INTEGER PRIMARY KEY, decision_id TEXT UNIQUE NOT NULL, application_id TEXT NOT NULL,
    household TEXT NOT NULL, period TEXT NOT NULL, amount INTEGER NOT NULL, paid_at TEXT NOT NULL
);
-- Every claim and decision answers with the application's record, its payments included: without these a
-- month's ledger was read whole for each (the stand-in slowed as the month grew).
CREATE INDEX IF NOT EXISTS payments_application ON payments (application_id, seq);
CREATE INDEX IF NOT EXISTS payments_household ON payments (household, seq);
-- The ledger pays a person at most once a month, whatever the number of applications.
CREATE TABLE IF NOT EXISTS paid_persons (
    period TEXT NOT NULL, person TEXT NOT NULL, application_id TEXT NOT NULL, decision_id TEXT NOT NULL,
    PRIMARY KEY (period, person)
);
"""
# A household's history, keyed by the applicant's normalized personnummer:
# - jobbstimulans_since: YYYY-MM, the first month of the household's two years of jobbstimulans, or NULL.
# - child_earnings: JSON {"year": YYYY, "earnings": {personnummer: kronor}}, the own earnings (net) of the
#   children and school youths that the rules left out, in that calendar year; personnummer normalized
#   (12 digits, no dash), as the household column.
HOUSEHOLDS = """
CREATE TABLE IF NOT EXISTS households (
    household TEXT PRIMARY KEY, consecutive_months INTEGER NOT NULL,
    last_rent INTEGER, previous_members TEXT, last_period TEXT,
    jobbstimulans_since TEXT, child_earnings TEXT
)"""
HOUSEHOLD_COLUMNS = "household, consecutive_months, last_rent, previous_members, last_period, jobbstimulans_since, child_earnings"


def migrate(db: sqlite3.Connection) -> None:
    """Bring a database made by an earlier version of the stub up to SCHEMA_VERSION, in one transaction.

    Version 0 kept jobbstimulans_months_used (months of use). It cannot be turned into the month the two
    years began, so a migrated household has no jobbstimulans_since: its next granted month with
    jobbstimulans starts the two years."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] < 1:
            columns = {r[1] for r in db.execute("PRAGMA table_info(households)")}
            for column in ("jobbstimulans_since", "child_earnings"):
                if column not in columns:
                    db.execute(f"ALTER TABLE households ADD COLUMN {column} TEXT")
            if "jobbstimulans_months_used" in columns:
                try:
                    db.execute("ALTER TABLE households DROP COLUMN jobbstimulans_months_used")  # SQLite 3.35 or later
                except sqlite3.OperationalError:
                    rebuild_households(db)
        columns = {r[1] for r in db.execute("PRAGMA table_info(applications)")}
        if columns and "content_hash" not in columns:  # version 1: filed by key only
            db.execute("ALTER TABLE applications ADD COLUMN content_hash TEXT")
        if columns:
            db.execute("CREATE UNIQUE INDEX IF NOT EXISTS applications_content ON applications (content_hash)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def rebuild_households(db: sqlite3.Connection) -> None:
    """Drop the old column the long way, for SQLite before 3.35: copy the rows into a new table."""
    db.execute("ALTER TABLE households RENAME TO households_old")
    db.execute(HOUSEHOLDS)
    db.execute(f"INSERT INTO households ({HOUSEHOLD_COLUMNS}) SELECT {HOUSEHOLD_COLUMNS} FROM households_old")
    db.execute("DROP TABLE households_old")


def content_hash(body: dict) -> str:
    """What makes two submissions the same application: everything the applicant wrote but the time they
    pressed send."""
    content = {k: v for k, v in body.items() if k != "submitted_at"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def with_dash(personnummer: str) -> str:
    """YYYYMMDD-NNNN, however it was written."""
    return f"{personnummer[:8]}-{personnummer[-4:]}"


def jobbstimulans_current(since: str | None, period: str) -> bool:
    """Whether the two years that began in `since` cover `period`: its month 1 is `since`, month 24 the
    last one; a `since` after the period is no start of it."""
    return since is not None and 0 <= months_between(since, period) < JOBBSTIMULANS_YEARS_MONTHS


def child_earnings_of(h: sqlite3.Row | None, year: int) -> dict[str, int]:
    """The household's children's earnings (normalized personnummer → kronor) in the calendar year."""
    stored = json.loads(h["child_earnings"]) if h is not None and h["child_earnings"] else None
    return dict(stored["earnings"]) if stored and stored["year"] == year else {}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")



class Refused(Exception):
    """The case system says no: `status` as its API answers (404, 409, 422), `detail` a message or a
    structured refusal ({"code", "message", …})."""

    def __init__(self, status: int, detail: str | dict):
        super().__init__(detail["message"] if isinstance(detail, dict) else detail)
        self.status, self.detail = status, detail


STATUSES = ("submitted", "claimed", "referred", "decided")


class Ledger:
    """The stand-in's database. Requests run on a pool of threads; each keeps its own connection."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self._connections = threading.local()

    def set_up(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.db_path, isolation_level=None)) as setup:
            setup.execute("PRAGMA journal_mode=WAL")
            setup.executescript(SCHEMA + HOUSEHOLDS + ";")
            migrate(setup)

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._connections, "db", None)
        if db is None:
            db = self._connections.db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable against a crash of the stub, fsync at checkpoints
        return db

    @contextmanager
    def transaction(self, write: bool = False):
        """One transaction per request; writes take the lock up front so that a claim or a decision is atomic."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @staticmethod
    def event(db, application_id: str, actor: str, what: str, detail: object = None) -> None:
        db.execute(
            "INSERT INTO events (application_id, at, actor, event, detail) VALUES (?, ?, ?, ?, ?)",
            (application_id, now(), actor, what, json.dumps(detail, ensure_ascii=False) if detail is not None else None),
        )

    @staticmethod
    def row_or_404(db, application_id: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM applications WHERE id = ?", (application_id,)).fetchone()
        if row is None:
            raise Refused(404, f"no application {application_id!r}")
        return row

    @staticmethod
    def record(db, row: sqlite3.Row) -> dict:
        """The application with its status, events, decisions and payments."""
        application = json.loads(row["body"])
        decisions = [json.loads(d["body"]) | {"decision_id": d["decision_id"], "recorded_at": d["recorded_at"]}
                     for d in db.execute("SELECT * FROM decisions WHERE application_id = ? ORDER BY recorded_at", (row["id"],))]
        return {
            "application": application,
            "status": row["status"],
            "claimed_by": row["claimed_by"],
            "lease_until": row["lease_until"],
            "received_at": row["received_at"],
            "events": [
                {"at": e["at"], "actor": e["actor"], "event": e["event"], "detail": json.loads(e["detail"]) if e["detail"] else None}
                for e in db.execute("SELECT * FROM events WHERE application_id = ? ORDER BY seq", (row["id"],))
            ],
            "decisions": decisions,
            "payments": [dict(p) for p in db.execute("SELECT * FROM payments WHERE application_id = ? ORDER BY seq", (row["id"],))],
        }

    def get(self, application_id: str) -> dict:
        with self.transaction() as db:
            return self.record(db, self.row_or_404(db, application_id))

    @staticmethod
    def history_of(db, household: str, period: str, members: list) -> dict | None:
        """What the records say of the household, as copied onto its application for `period`.

        jobbstimulans_since only while it is current: the months are in a row (a gap means assistance
        stopped, and the two years with it) and the period is within the two years. The children's
        earnings only for the calendar year of the period, keyed as the application writes each member
        (YYYYMMDD-NNNN for one no longer in it)."""
        h = db.execute("SELECT * FROM households WHERE household = ?", (household,)).fetchone()
        if h is None:
            return None
        in_a_row = h["last_period"] == previous_month(period)
        history: dict = {"consecutive_months_on_assistance": h["consecutive_months"] if in_a_row else 0}
        if in_a_row and jobbstimulans_current(h["jobbstimulans_since"], period):
            history["jobbstimulans_since"] = h["jobbstimulans_since"]
        if h["last_rent"] is not None:
            history["previous_rent"] = h["last_rent"]
        if h["previous_members"] is not None:
            history["previous_members"] = json.loads(h["previous_members"])
        earnings = child_earnings_of(h, int(period[:4]))
        if earnings:
            written = {normalize(p): p for m in members if isinstance(m, dict) and isinstance(p := m.get("personnummer"), str)}
            history["child_earnings_this_year"] = {written.get(k, with_dash(k)): v for k, v in sorted(earnings.items())}
        return history

    def counts(self) -> dict[str, int]:
        with self.transaction() as db:
            return dict(db.execute("SELECT status, count(*) FROM applications GROUP BY status").fetchall())

    def submit(self, body: dict, idempotency_key: str | None, household: str) -> tuple[str, bool]:
        """File an application (checked by the caller); (its id, True when filed now). The same key, or the
        same content under any key (a double click, a resent form), is the same application."""
        content = content_hash(body)
        with self.transaction(write=True) as db:
            existing = db.execute("SELECT id FROM applications WHERE idempotency_key = ? OR content_hash = ?",
                                  (idempotency_key, content)).fetchone()
            if existing:
                return existing["id"], False
            seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM applications").fetchone()[0]
            application_id = f"EB-{body['period'][:4]}-{seq:07d}"
            history = self.history_of(db, household, body["period"], body["household"]["members"])
            stored = {"application_id": application_id, **body, **({"history": history} if history else {})}
            db.execute(
                "INSERT INTO applications (seq, id, idempotency_key, household, period, status, body, received_at, content_hash)"
                " VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, ?)",
                (seq, application_id, idempotency_key, household, body["period"], json.dumps(stored, ensure_ascii=False), now(), content),
            )
            problems = application_problems(stored)
            self.event(db, application_id, "e-service", "submitted", {"problems": [mask(p) for p in problems]} if problems else None)
        return application_id, True

    def page(self, status: str, limit: int, after: int) -> tuple[list[dict], int | None]:
        """Applications with the status, oldest first, after `after`; (a page of summaries, the next page's `after` or None)."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT seq, id, period, status, received_at, claimed_by FROM applications WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?",
                (status, after, limit + 1),
            ).fetchall()
        items = [{"application_id": r["id"], "period": r["period"], "status": r["status"], "received_at": r["received_at"],
                  "claimed_by": r["claimed_by"]} for r in rows[:limit]]
        return items, rows[limit - 1]["seq"] if len(rows) > limit else None

    def claim(self, application_id: str, robot: str, lease_seconds: int, replaces: list[str]) -> dict:
        """Take the application for `robot`: the same robot again renews its claim; `replaces` names earlier
        claimants (crashed instances) whose claim this one takes over. 409 when decided, referred or held."""
        with self.transaction(write=True) as db:
            row = self.row_or_404(db, application_id)
            held = row["status"] == "claimed" and row["lease_until"] > time.time()
            if row["status"] in ("referred", "decided"):
                raise Refused(409, f"application {application_id} is already {row['status']}")
            if held and row["claimed_by"] != robot and row["claimed_by"] not in replaces:
                raise Refused(409, f"application {application_id} is held by {row['claimed_by']} until {row['lease_until']:.0f}")
            db.execute("UPDATE applications SET status = 'claimed', claimed_by = ?, lease_until = ? WHERE id = ?",
                       (robot, time.time() + lease_seconds, application_id))
            if held and row["claimed_by"] != robot:
                self.event(db, application_id, robot, "claim taken over", {"from": row["claimed_by"]})
            elif not held:
                self.event(db, application_id, robot, "claimed")
            return self.record(db, self.row_or_404(db, application_id))

    def release(self, application_id: str, robot: str) -> None:
        """Give `robot`'s claim back unhandled; one submitted already stays as it is. 409 when held by another or done."""
        with self.transaction(write=True) as db:
            row = self.row_or_404(db, application_id)
            if row["status"] == "claimed" and row["claimed_by"] == robot:
                db.execute("UPDATE applications SET status = 'submitted', claimed_by = NULL, lease_until = NULL WHERE id = ?", (application_id,))
                self.event(db, application_id, robot, "released")
            elif row["status"] != "submitted":
                raise Refused(409, f"application {application_id} is {row['status']}, not held by {robot}")

    def add_note(self, application_id: str, caseworker: str, note: str) -> dict:
        with self.transaction(write=True) as db:
            row = self.row_or_404(db, application_id)
            if row["status"] == "claimed" and row["lease_until"] > time.time():
                raise Refused(423, f"application {application_id} is being handled by {row['claimed_by']}; try again in a minute")
            self.event(db, application_id, f"caseworker:{caseworker}", "note", {"note": note})
            return self.record(db, row)

    def reopen(self, application_id: str, caseworker: str, note: str) -> dict:
        """A referred application submitted again for the robot; idempotent. 409 when it is not referred."""
        with self.transaction(write=True) as db:
            row = self.row_or_404(db, application_id)
            if row["status"] == "submitted":  # given back already (an answer lost on the way): the same again
                return self.record(db, row)
            if row["status"] != "referred":
                raise Refused(409, f"application {application_id} is {row['status']}; only a referred application can be given back to the robot")
            db.execute("UPDATE applications SET status = 'submitted', claimed_by = NULL, lease_until = NULL WHERE id = ?", (application_id,))
            self.event(db, application_id, f"caseworker:{caseworker}", "reopened for the robot", {"note": note})
            return self.record(db, self.row_or_404(db, application_id))

    def decide(self, application_id: str, decision_id: str, decision: dict, note: str | None = None) -> tuple[bool, dict]:
        """Record the decision under its id; (True when recorded now, False when this id already holds this
        content; the application's record). A grant is paid once, to members nobody pays this month yet.
        `note`: the reasons as the screens' form gave them in words, kept on the decision's event."""
        problem = decision_problem(application_id, decision)
        if problem:
            raise Refused(422, problem)
        canonical = json.dumps(decision, sort_keys=True, ensure_ascii=False)
        with self.transaction(write=True) as db:
            row = self.row_or_404(db, application_id)
            same = db.execute("SELECT * FROM decisions WHERE decision_id = ?", (decision_id,)).fetchone()
            if same is not None:
                if same["application_id"] == application_id and json.dumps(json.loads(same["body"]), sort_keys=True, ensure_ascii=False) == canonical:
                    return False, self.record(db, row)
                raise Refused(409, f"decision id {decision_id} is already used for another decision")
            by_caseworker = decision["decided_by"].startswith("caseworker:")
            if row["status"] == "decided" or (row["status"] == "referred" and not by_caseworker):
                last = db.execute("SELECT decision_id, body FROM decisions WHERE application_id = ? ORDER BY recorded_at DESC", (application_id,)).fetchone()
                raise Refused(409, {
                    "code": "ALREADY_DECIDED",
                    "message": f"application {application_id} is already {row['status']} (decision {last['decision_id']})",
                    "decision_id": last["decision_id"], "decided_by": json.loads(last["body"])["decided_by"],
                })
            if decision["outcome"] == "granted":
                paid = self.already_paid(db, row)
                if paid:
                    others = ", ".join(sorted(set(paid.values())))
                    raise Refused(409, {
                        "code": "ALREADY_PAID",
                        "message": f"a member of application {application_id} is already paid for {row['period']} under application {others}",
                        "granted_elsewhere": paid,
                    })
            db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                       (decision_id, application_id, decision["outcome"], decision.get("amount"), canonical, now()))
            status = "referred" if decision["outcome"] == "referred" else "decided"
            db.execute("UPDATE applications SET status = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?", (status, application_id))
            self.event(db, application_id, decision["decided_by"], f"decision {decision['outcome']}",
                       {"decision_id": decision_id} | ({"reasons": note} if note else {}))
            if decision["outcome"] == "granted":
                db.execute("INSERT INTO payments (decision_id, application_id, household, period, amount, paid_at) VALUES (?, ?, ?, ?, ?, ?)",
                           (decision_id, application_id, row["household"], row["period"], decision["amount"], now()))
                db.executemany("INSERT INTO paid_persons VALUES (?, ?, ?, ?)",
                               [(row["period"], person, application_id, decision_id) for person in members_of(row)])
                self._after_grant(db, row, decision)
            return True, self.record(db, self.row_or_404(db, application_id))

    @staticmethod
    def already_paid(db, row: sqlite3.Row) -> dict[str, str]:
        """Members of the application already paid for its month under another application: normalized
        personnummer -> that application."""
        people = sorted(members_of(row))
        found = db.execute(f"SELECT person, application_id FROM paid_persons WHERE period = ? AND person IN ({','.join('?' * len(people))})",
                           (row["period"], *people)).fetchall()
        return {r["person"]: r["application_id"] for r in found if r["application_id"] != row["id"]}

    @staticmethod
    def _after_grant(db, row: sqlite3.Row, decision: dict) -> None:
        """A granted month extends the household's run of months; jobbstimulans applied with no two years
        current starts them this month, and two years that are over (or a broken run) end when it is not
        applied; the children's earnings the rules left out add to the year's."""
        application = json.loads(row["body"])
        period = row["period"]
        h = db.execute("SELECT * FROM households WHERE household = ?", (row["household"],)).fetchone()
        in_a_row = h is not None and h["last_period"] == previous_month(period)
        months = (h["consecutive_months"] if in_a_row else 0) + 1
        since = h["jobbstimulans_since"] if h is not None else None
        current = in_a_row and jobbstimulans_current(since, period)
        if decision["calculation"]["disregarded_income"].get("jobbstimulans", 0) > 0:
            since = since if current else period
        elif not current:
            since = None
        year = int(period[:4])
        earnings = child_earnings_of(h, year)
        for who, amount in decision["calculation"].get("child_earnings", {}).items():
            earnings[normalize(who)] = earnings.get(normalize(who), 0) + amount
        members = [m.get("personnummer") for m in application["household"]["members"]]
        db.execute(f"INSERT OR REPLACE INTO households ({HOUSEHOLD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (row["household"], months, application.get("costs", {}).get("rent"), json.dumps(members), period, since,
                    json.dumps({"year": year, "earnings": earnings}, sort_keys=True) if earnings else None))

    def payments(self, household: str | None, application_id: str | None, limit: int) -> dict:
        sql, args = "SELECT * FROM payments WHERE 1=1", []
        if household:
            sql, args = sql + " AND household = ?", [*args, normalize(household)]
        if application_id:
            sql, args = sql + " AND application_id = ?", [*args, application_id]
        with self.transaction() as db:
            rows = db.execute(sql + " ORDER BY seq LIMIT ?", (*args, limit)).fetchall()
            total = db.execute(sql.replace("SELECT *", "SELECT count(*), coalesce(sum(amount), 0)"), args).fetchone()
        return {"payments": [dict(r) for r in rows], "count": total[0], "total": total[1]}

    def household_history(self, personnummer: str) -> dict:
        with self.transaction() as db:
            h = db.execute("SELECT * FROM households WHERE household = ?", (normalize(personnummer),)).fetchone()
        if h is None:
            raise Refused(404, "no history for that household")
        stored = json.loads(h["child_earnings"]) if h["child_earnings"] else None
        return {
            "consecutive_months_on_assistance": h["consecutive_months"],
            "jobbstimulans_since": h["jobbstimulans_since"],  # as recorded, current or not
            "previous_rent": h["last_rent"],
            "previous_members": json.loads(h["previous_members"]) if h["previous_members"] else None,
            "child_earnings_this_year": {with_dash(k): v for k, v in sorted(stored["earnings"].items())} if stored else None,
            "child_earnings_year": stored["year"] if stored else None,
            "last_period": h["last_period"],
        }

    def set_history(self, personnummer: str, history: dict) -> None:
        """Seeding: what the records say of a household. The history is what the next application (the month
        after last_period) is to get, so the children's earnings are those of that month's calendar year: a
        history for January carries January's year, not December's (the year of last_period), whose earnings
        a January application would never see."""
        child_earnings = None
        if history.get("child_earnings_this_year"):
            if history.get("last_period") is None:
                raise Refused(422, "child_earnings_this_year needs last_period: they are for the calendar year of the month after it")
            child_earnings = json.dumps({"year": int(add_months(history["last_period"], 1)[:4]),
                                         "earnings": {normalize(k): v for k, v in history["child_earnings_this_year"].items()}}, sort_keys=True)
        previous_members = history.get("previous_members")
        with self.transaction(write=True) as db:
            db.execute(f"INSERT OR REPLACE INTO households ({HOUSEHOLD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", (
                normalize(personnummer), history["consecutive_months_on_assistance"], history.get("previous_rent"),
                json.dumps(previous_members) if previous_members is not None else None, history.get("last_period"),
                history.get("jobbstimulans_since"), child_earnings,
            ))


def members_of(row: sqlite3.Row) -> set[str]:
    members = json.loads(row["body"])["household"]["members"]
    return {normalize(m["personnummer"]) for m in members if isinstance(m, dict) and isinstance(m.get("personnummer"), str)}


def decision_problem(application_id: str, decision: dict) -> str | None:
    """Why the case system cannot take the decision (422), or None."""
    errors = [f"{'.'.join(map(str, e.instance_path)) or 'decision'}: {e.message}" for e in validator("decision").iter_errors(decision)]
    if errors:
        return "; ".join(errors[:5])
    if (where := first_float(decision)) is not None:
        return f"{where}: not a whole number written as an integer"
    if decision["application_id"] != application_id:
        return f"the decision is for {decision['application_id']!r}, not {application_id!r}"
    if decision["outcome"] == "granted" and "amount" not in decision:
        return "a granted decision needs an amount"
    if decision["outcome"] == "granted" and decision["calculation"].get("made") is False:
        return "a granted decision needs its calculation, not {\"made\": false}"
    if decision.get("amount", 0) > MAX_AMOUNT:
        return f"amount: {decision['amount']} kr is not a monthly amount this system pays (at most {MAX_AMOUNT})"
    child_earnings = decision["calculation"].get("child_earnings", {})
    if not (isinstance(child_earnings, dict) and all(
            isinstance(k, str) and PERSONNUMMER.fullmatch(k) and type(v) is int and 0 <= v <= MAX_AMOUNT for k, v in child_earnings.items())):
        return f"calculation.child_earnings: must map personnummer to whole kronor, 0 to {MAX_AMOUNT}"
    return None
