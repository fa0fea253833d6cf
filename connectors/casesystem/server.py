"""The reference case system: where applications arrive from the e-service and decisions must land.

A stand-in for the municipality's case system (Procapita, Viva, Lifecare … in reality), with its own
SQLite file. It keeps applications with their history, lets the robot claim one (a caseworker cannot
edit while the robot holds it), takes decisions idempotently by decision id (the same id twice is one
decision and at most one payment; a different decision for a decided application is a 409), keeps a
payments ledger and each household's history.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Body, FastAPI, Header, HTTPException, Path as PathParam, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from connectors.serving import clear_validation_errors
from robots.contract import validator
from robots.contract.validate import PERIOD, PERSONNUMMER, application_problems
from robots.periods import previous_month
from robots.privacy import mask

MAX_AMOUNT = 10_000_000  # kronor; anything larger is garbage, and must not overflow the ledger's integers
PNR_PATTERN = f"^{PERSONNUMMER.pattern}$"
PERIOD_PATTERN = f"^{PERIOD.pattern}$"

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
    received_at TEXT NOT NULL
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
CREATE TABLE IF NOT EXISTS households (
    household TEXT PRIMARY KEY, consecutive_months INTEGER NOT NULL, jobbstimulans_months_used INTEGER NOT NULL,
    last_rent INTEGER, previous_members TEXT, last_period TEXT
);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    robot: str = Field(min_length=1, max_length=100, description="who claims: one robot instance")
    lease_seconds: int = Field(default=600, ge=1, le=86_400, description="the claim lapses after this long")


class Release(BaseModel):
    model_config = ConfigDict(extra="forbid")
    robot: str = Field(min_length=1, max_length=100)


class CaseworkerEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caseworker: str = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=4000)


class History(BaseModel):
    """A household's history as the case system keeps it; seeding sets it directly."""

    model_config = ConfigDict(extra="forbid")
    consecutive_months_on_assistance: int = Field(ge=0, le=1200)
    jobbstimulans_months_used: int = Field(ge=0, le=1200)
    previous_rent: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    previous_members: list[Annotated[str, Field(pattern=PNR_PATTERN)]] | None = None
    last_period: str | None = Field(default=None, pattern=PERIOD_PATTERN)


def _submission_problem(body: dict) -> str | None:
    """Why a submission cannot even be filed (422), or None. Anything else is filed and refers later."""
    if "application_id" in body:
        return "application_id is assigned by the case system; leave it out"
    if "history" in body:
        return "history comes from the case system's records; leave it out"
    if body.get("kind") not in ("first", "repeat"):
        return "kind must be 'first' or 'repeat'"
    if not (isinstance(body.get("period"), str) and PERIOD.fullmatch(body["period"])):
        return "period must be the month applied for, YYYY-MM"
    household = body.get("household")
    members = household.get("members") if isinstance(household, dict) else None
    applicants = [m for m in members if isinstance(m, dict) and m.get("role") == "applicant"] if isinstance(members, list) else []
    if len(applicants) != 1 or not (isinstance(applicants[0].get("personnummer"), str) and PERSONNUMMER.fullmatch(applicants[0]["personnummer"])):
        return "household.members must name exactly one applicant with a personnummer (YYYYMMDD-NNNN)"
    return None


def create_app(db_path: Path) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(db_path) as setup:
            setup.execute("PRAGMA journal_mode=WAL")
            setup.executescript(SCHEMA)
        yield

    connections = threading.local()  # requests run on a pool of threads; each keeps its own connection

    def connection() -> sqlite3.Connection:
        db = getattr(connections, "db", None)
        if db is None:
            db = connections.db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable against a crash of the stub, fsync at checkpoints
        return db

    @contextmanager
    def transaction(write: bool = False):
        """One transaction per request; writes take the lock up front so that a claim or a decision is atomic."""
        db = connection()
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def event(db, application_id: str, actor: str, what: str, detail: object = None) -> None:
        db.execute(
            "INSERT INTO events (application_id, at, actor, event, detail) VALUES (?, ?, ?, ?, ?)",
            (application_id, now(), actor, what, json.dumps(detail, ensure_ascii=False) if detail is not None else None),
        )

    def row_or_404(db, application_id: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM applications WHERE id = ?", (application_id,)).fetchone()
        if row is None:
            raise HTTPException(404, f"no application {application_id!r}")
        return row

    def record(db, row: sqlite3.Row) -> dict:
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

    def history_of(db, household: str, period: str) -> dict | None:
        h = db.execute("SELECT * FROM households WHERE household = ?", (household,)).fetchone()
        if h is None:
            return None
        in_a_row = h["last_period"] == previous_month(period)
        history: dict = {
            "consecutive_months_on_assistance": h["consecutive_months"] if in_a_row else 0,
            "jobbstimulans_months_used": h["jobbstimulans_months_used"],
        }
        if h["last_rent"] is not None:
            history["previous_rent"] = h["last_rent"]
        if h["previous_members"] is not None:
            history["previous_members"] = json.loads(h["previous_members"])
        return history

    app = FastAPI(
        title="casebot reference case system (stub)",
        version="1",
        description="Applications for ekonomiskt bistånd, claims, decisions, payments. Synthetic data only.",
        lifespan=lifespan,
    )

    clear_validation_errors(app)

    @app.get("/health", summary="Liveness")
    def health() -> dict:
        with transaction() as db:
            counts = dict(db.execute("SELECT status, count(*) FROM applications GROUP BY status").fetchall())
        return {"status": "ok", "service": "casesystem-stub", "applications": counts}

    @app.post("/applications", status_code=201, summary="The e-service submits an application", responses={
        200: {"description": "the same Idempotency-Key again: the application already filed"},
        422: {"description": "cannot be filed; the message says why"},
    })
    def submit(response: Response, body: Annotated[dict, Body(description="the application, without application_id and history")],
               idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> dict:
        problem = _submission_problem(body)
        if problem:
            raise HTTPException(422, problem)
        applicant = next(m for m in body["household"]["members"] if isinstance(m, dict) and m.get("role") == "applicant")
        household = applicant["personnummer"].replace("-", "")
        with transaction(write=True) as db:
            if idempotency_key:
                existing = db.execute("SELECT id FROM applications WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
                if existing:
                    response.status_code = 200
                    return {"application_id": existing["id"]}
            seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM applications").fetchone()[0]
            application_id = f"EB-{body['period'][:4]}-{seq:07d}"
            history = history_of(db, household, body["period"])
            stored = {"application_id": application_id, **body, **({"history": history} if history else {})}
            db.execute(
                "INSERT INTO applications (seq, id, idempotency_key, household, period, status, body, received_at)"
                " VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)",
                (seq, application_id, idempotency_key, household, body["period"], json.dumps(stored, ensure_ascii=False), now()),
            )
            problems = application_problems(stored)
            event(db, application_id, "e-service", "submitted",
                  {"problems": [mask(p) for p in problems]} if problems else None)
        return {"application_id": application_id}

    @app.get("/applications", summary="Applications by status, oldest first, a page at a time")
    def list_applications(status: Literal["submitted", "claimed", "referred", "decided"] = "submitted",
                          limit: Annotated[int, Query(ge=1, le=500)] = 100,
                          after: Annotated[int, Query(ge=0, le=2**62, description="the `next` of the previous page")] = 0) -> dict:
        with transaction() as db:
            rows = db.execute(
                "SELECT seq, id, period, status, received_at FROM applications WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?",
                (status, after, limit + 1),
            ).fetchall()
        items = [{"application_id": r["id"], "period": r["period"], "status": r["status"], "received_at": r["received_at"]} for r in rows[:limit]]
        return {"items": items, "next": rows[limit - 1]["seq"] if len(rows) > limit else None}

    @app.get("/applications/{application_id}", summary="One application with its history, decisions and payments")
    def get_application(application_id: Annotated[str, PathParam(max_length=31)]) -> dict:
        with transaction() as db:
            return record(db, row_or_404(db, application_id))

    @app.post("/applications/{application_id}/claim", summary="The robot takes the application for handling", responses={
        409: {"description": "another robot holds it, or it is decided or referred"},
    })
    def claim(application_id: str, body: Claim) -> dict:
        with transaction(write=True) as db:
            row = row_or_404(db, application_id)
            held = row["status"] == "claimed" and row["lease_until"] > time.time()
            if row["status"] in ("referred", "decided"):
                raise HTTPException(409, f"application {application_id} is already {row['status']}")
            if held and row["claimed_by"] != body.robot:
                raise HTTPException(409, f"application {application_id} is held by {row['claimed_by']} until {row['lease_until']:.0f}")
            db.execute("UPDATE applications SET status = 'claimed', claimed_by = ?, lease_until = ? WHERE id = ?",
                       (body.robot, time.time() + body.lease_seconds, application_id))
            if not (held and row["claimed_by"] == body.robot):
                event(db, application_id, body.robot, "claimed")
            return record(db, row_or_404(db, application_id))

    @app.post("/applications/{application_id}/release", summary="The robot gives the application back unhandled")
    def release(application_id: str, body: Release) -> dict:
        with transaction(write=True) as db:
            row = row_or_404(db, application_id)
            if row["status"] == "claimed" and row["claimed_by"] == body.robot:
                db.execute("UPDATE applications SET status = 'submitted', claimed_by = NULL, lease_until = NULL WHERE id = ?", (application_id,))
                event(db, application_id, body.robot, "released")
            elif row["status"] != "submitted":
                raise HTTPException(409, f"application {application_id} is {row['status']}, not held by {body.robot}")
            return {"application_id": application_id, "status": "submitted"}

    @app.post("/applications/{application_id}/notes", summary="A caseworker adds a note", responses={
        423: {"description": "the robot holds the application"},
    })
    def add_note(application_id: str, body: CaseworkerEdit) -> dict:
        with transaction(write=True) as db:
            row = row_or_404(db, application_id)
            if row["status"] == "claimed" and row["lease_until"] > time.time():
                raise HTTPException(423, f"application {application_id} is being handled by {row['claimed_by']}; try again in a minute")
            event(db, application_id, f"caseworker:{body.caseworker}", "note", {"note": body.note})
            return record(db, row)

    @app.put("/applications/{application_id}/decisions/{decision_id}", status_code=201, summary="Record a decision", responses={
        200: {"description": "this decision id was already recorded with this content: nothing changed"},
        409: {"description": "the application already has another decision, or the id was used for other content"},
        422: {"description": "the decision breaks the contract"},
    })
    def put_decision(application_id: str, decision_id: Annotated[str, PathParam(min_length=1, max_length=100)],
                     decision: Annotated[dict, Body(description="decision.schema.json")], response: Response) -> dict:
        errors = [f"{'.'.join(map(str, e.instance_path)) or 'decision'}: {e.message}" for e in validator("decision").iter_errors(decision)]
        if errors:
            raise HTTPException(422, "; ".join(errors[:5]))
        if decision["application_id"] != application_id:
            raise HTTPException(422, f"the decision is for {decision['application_id']!r}, not {application_id!r}")
        if decision["outcome"] == "granted" and "amount" not in decision:
            raise HTTPException(422, "a granted decision needs an amount")
        if decision.get("amount", 0) > MAX_AMOUNT:
            raise HTTPException(422, f"amount: {decision['amount']} kr is not a monthly amount this system pays (at most {MAX_AMOUNT})")
        canonical = json.dumps(decision, sort_keys=True, ensure_ascii=False)
        with transaction(write=True) as db:
            row = row_or_404(db, application_id)
            same = db.execute("SELECT * FROM decisions WHERE decision_id = ?", (decision_id,)).fetchone()
            if same is not None:
                if same["application_id"] == application_id and json.dumps(json.loads(same["body"]), sort_keys=True, ensure_ascii=False) == canonical:
                    response.status_code = 200
                    return record(db, row)
                raise HTTPException(409, f"decision id {decision_id} is already used for another decision")
            by_caseworker = decision["decided_by"].startswith("caseworker:")
            if row["status"] == "decided" or (row["status"] == "referred" and not by_caseworker):
                last = db.execute("SELECT decision_id FROM decisions WHERE application_id = ? ORDER BY recorded_at DESC", (application_id,)).fetchone()
                raise HTTPException(409, f"application {application_id} is already {row['status']} (decision {last['decision_id']})")
            db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                       (decision_id, application_id, decision["outcome"], decision.get("amount"), canonical, now()))
            status = "referred" if decision["outcome"] == "referred" else "decided"
            db.execute("UPDATE applications SET status = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?", (status, application_id))
            event(db, application_id, decision["decided_by"], f"decision {decision['outcome']}", {"decision_id": decision_id})
            if decision["outcome"] == "granted":
                db.execute("INSERT INTO payments (decision_id, application_id, household, period, amount, paid_at) VALUES (?, ?, ?, ?, ?, ?)",
                           (decision_id, application_id, row["household"], row["period"], decision["amount"], now()))
                _after_grant(db, row, decision)
            return record(db, row_or_404(db, application_id))

    def _after_grant(db, row: sqlite3.Row, decision: dict) -> None:
        """A granted month extends the household's run of months and, if used, its jobbstimulans months."""
        application = json.loads(row["body"])
        h = db.execute("SELECT * FROM households WHERE household = ?", (row["household"],)).fetchone()
        in_a_row = h is not None and h["last_period"] == previous_month(row["period"])
        months = (h["consecutive_months"] if in_a_row else 0) + 1
        used = (h["jobbstimulans_months_used"] if h is not None else 0) + (1 if decision["calculation"]["disregarded_income"].get("jobbstimulans") else 0)
        members = [m.get("personnummer") for m in application["household"]["members"]]
        db.execute("INSERT OR REPLACE INTO households VALUES (?, ?, ?, ?, ?, ?)",
                   (row["household"], months, used, application.get("costs", {}).get("rent"), json.dumps(members), row["period"]))

    @app.get("/payments", summary="The payments ledger")
    def payments(household: Annotated[str | None, Query(pattern=PNR_PATTERN)] = None,
                 application_id: str | None = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> dict:
        sql, args = "SELECT * FROM payments WHERE 1=1", []
        if household:
            sql, args = sql + " AND household = ?", [*args, household.replace("-", "")]
        if application_id:
            sql, args = sql + " AND application_id = ?", [*args, application_id]
        with transaction() as db:
            rows = db.execute(sql + " ORDER BY seq LIMIT ?", (*args, limit)).fetchall()
            total = db.execute(sql.replace("SELECT *", "SELECT count(*), coalesce(sum(amount), 0)"), args).fetchone()
        return {"payments": [dict(r) for r in rows], "count": total[0], "total": total[1]}

    @app.get("/households/{personnummer}/history", summary="A household's history (keyed by the applicant)")
    def household_history(personnummer: Annotated[str, PathParam(pattern=PNR_PATTERN)]) -> dict:
        with transaction() as db:
            h = db.execute("SELECT * FROM households WHERE household = ?", (personnummer.replace("-", ""),)).fetchone()
        if h is None:
            raise HTTPException(404, "no history for that household")
        return {
            "consecutive_months_on_assistance": h["consecutive_months"],
            "jobbstimulans_months_used": h["jobbstimulans_months_used"],
            "previous_rent": h["last_rent"],
            "previous_members": json.loads(h["previous_members"]) if h["previous_members"] else None,
            "last_period": h["last_period"],
        }

    @app.put("/admin/households/{personnummer}/history", summary="Set a household's history (seeding)")
    def set_history(personnummer: Annotated[str, PathParam(pattern=PNR_PATTERN)], body: History) -> dict:
        with transaction(write=True) as db:
            db.execute("INSERT OR REPLACE INTO households VALUES (?, ?, ?, ?, ?, ?)", (
                personnummer.replace("-", ""), body.consecutive_months_on_assistance, body.jobbstimulans_months_used,
                body.previous_rent, json.dumps(body.previous_members) if body.previous_members is not None else None, body.last_period,
            ))
        return body.model_dump()

    return app
