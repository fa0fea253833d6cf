"""What-if: re-decide a recorded month under another norm table or policy, and tell who gains and who loses.

`casebot simulate --period YYYY-MM [--norms DIR] [--policy FILE]` re-runs every recorded decision of the
month on its recorded inputs (the application as claimed, the register answers as received, the members it
knew were paid elsewhere) with the alternative parameters, beside what was recorded. The policy file is
applied to the month whatever its valid_from (the question is "what if it had been in force"); norm tables
come from the directory, chosen by the month as always.

What a household gets is compared as its calculated entitlement: the deficit the calculation gives (need
minus counted income, never below 0), whether the robot granted it or referred it to a caseworker, so that
a change in the norm shows in every household the calculation was made for. The robot's own grants are
reported beside it, as are the referrals by reason. Households are named by a pseudonym (a keyed hash of
the application id), never by personnummer.

The month is re-decided on columns: the decide bot keeps each decision's features and digest in one row
(robots/simulation_rows.py), read here in one query and decided by robots/rules/batch.py, equal to the
engine figure for figure. The engine, which makes every real decision, stays the reference
(`simulate_per_case`). A Simulation holds its households as columns too; reports are
robots/simulate_report.py's.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import hmac
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path

import numpy as np
from sqlalchemy import select

from robots import simulation_rows
from robots.config import load_parameters
from robots.config.parameters import load_norms, load_policies
from robots.contract.limits import MAX_BODY_BYTES, MAX_DEPTH, MAX_INT_DIGITS
from robots.contract.safe_json import load_json
from robots.contract.validate import PERIOD, application_problems
from robots.decide import decide, now, register_answers
from robots.replay import CannotReplay, redecide_period, robots_decision
from robots.rules import batch, parse_case
from robots.rules.parameters import Parameters
from robots.store import SimulationRow, Store, WorkItem
from robots.store.queue import latest_answers

# Bins of the change in a household's monthly entitlement, kronor: (lower bound inclusive, label).
CHANGE_BINS = ((-10**9, "under −1 000"), (-1000, "−1 000 – −501"), (-500, "−500 – −1"), (0, "0"), (1, "1 – 500"),
               (501, "501 – 1 000"), (1001, "över 1 000"))


@dataclass(slots=True)
class Household:
    """One application's month, as recorded and as under the alternative parameters."""

    pseudonym: str
    household_type: str
    before_outcome: str
    after_outcome: str
    before_entitlement: int | None  # None: no calculation was made (an invalid application, a missing table)
    after_entitlement: int | None
    before_granted: int  # what the robot granted (0 for a referral)
    after_granted: int
    before_reasons: tuple[str, ...]
    after_reasons: tuple[str, ...]

    @property
    def change(self) -> int | None:
        if self.before_entitlement is None or self.after_entitlement is None:
            return None
        return self.after_entitlement - self.before_entitlement


@dataclass
class Side:
    """One side of the comparison (as recorded, or under the alternative), a household a row."""

    granted: np.ndarray  # bool: the robot granted (else it referred)
    amount: np.ndarray  # what it granted (0 for a referral)
    made: np.ndarray  # bool: a calculation was made
    entitlement: np.ndarray  # the deficit, never below 0 (0 where none was made)
    reasons: np.ndarray  # int64 bits of the Simulation's codes

    @classmethod
    def of(cls, granted, amount, made, deficit, reasons) -> Side:
        made = np.asarray(made, dtype=bool)
        return cls(np.asarray(granted, dtype=bool), np.asarray(amount, dtype=np.int64), made,
                   np.where(made, np.maximum(np.asarray(deficit, dtype=np.int64), 0), 0), np.asarray(reasons, dtype=np.int64))

    @classmethod
    def of_outcome(cls, out: batch.Outcome) -> Side:
        return cls.of(out.granted, out.amount, out.made, out.deficit, out.reasons)

    @classmethod
    def of_digests(cls, digests: np.ndarray) -> Side:
        """From rows of simulation_rows.DIGEST."""
        d = dict(zip(simulation_rows.DIGEST, digests.T))
        return cls.of(d["granted"], d["amount"], d["made"], d["deficit"], d["reasons"])

    def said(self) -> tuple:
        """What the decisions say, for telling two sides apart: outcome, the amount granted, the reasons."""
        return self.granted, self.amount, self.reasons


@dataclass
class Simulation:
    period: str
    alternative: str  # what was changed, in words
    application_ids: list[str]
    adults: np.ndarray  # by role in the application (-1: unknown)
    children: np.ndarray
    before: Side
    after: Side
    codes: tuple[str, ...] = batch.CODES  # reason codes by bit
    not_rerun: list[str] = field(default_factory=list)  # pseudonyms of decisions that could not be re-run, and why
    # Households today's parameters already decide otherwise than recorded (a table or policy changed since, or
    # the rules): that much of the change is not the alternative's. None when it was not worked out.
    drift: int | None = None

    @classmethod
    def of_decisions(cls, period: str, alternative: str, rows: list[tuple[str, dict, dict, dict]], **kwargs) -> Simulation:
        """From decisions in the engine's shape: (application id, application, recorded, again) each."""
        codes = batch.CODES + tuple(sorted({r["code"] for _, _, *ds in rows for d in ds for r in d.get("reasons", [])} - set(batch.CODES)))
        assert len(codes) < 64, "reasons are bits of an int64"
        bits = {code: 1 << i for i, code in enumerate(codes)}

        def digests(k: int) -> np.ndarray:
            return np.array([simulation_rows.digest(r[1], r[k], bits) for r in rows], dtype=np.int64).reshape(-1, len(simulation_rows.DIGEST))

        before = digests(2)
        return cls(period, alternative, [r[0] for r in rows], before[:, -2], before[:, -1], Side.of_digests(before),
                   Side.of_digests(digests(3)), codes, **kwargs)

    def __len__(self) -> int:
        return len(self.application_ids)

    @property
    def _both(self) -> np.ndarray:
        """Calculated on both sides: the others have no change and are counted apart."""
        return self.before.made & self.after.made

    @property
    def change(self) -> np.ndarray:
        return np.where(self._both, self.after.entitlement - self.before.entitlement, 0)

    def totals(self) -> dict[str, int]:
        b, a, both, change = self.before, self.after, self._both, self.change
        before, after = int(b.entitlement[both].sum()), int(a.entitlement[both].sum())
        granted_before, granted_after = int(b.amount.sum()), int(a.amount.sum())
        return {
            "households": len(self),
            "entitlement_before": before, "entitlement_after": after, "entitlement_change": after - before,
            "entitlement_change_per_year": 12 * (after - before),
            "granted_before": granted_before, "granted_after": granted_after, "granted_change": granted_after - granted_before,
            "granted_change_per_year": 12 * (granted_after - granted_before),
            "grants_before": int(b.granted.sum()), "grants_after": int(a.granted.sum()),
            "referred_before": int((~b.granted).sum()), "referred_after": int((~a.granted).sum()),
            "gain": int((change > 0).sum()), "lose": int((change < 0).sum()),
            "same": int((both & (change == 0)).sum()), "not_calculated": int((~both).sum()),
        }

    def histogram(self) -> list[tuple[str, int]]:
        lowers = np.array([lower for lower, _ in CHANGE_BINS])
        which = np.maximum(np.searchsorted(lowers, self.change[self._both], side="right") - 1, 0)  # the first bin has no floor
        counts = np.bincount(which, minlength=len(CHANGE_BINS))
        return [(label, int(n)) for (_, label), n in zip(CHANGE_BINS, counts)]

    def referrals(self) -> list[tuple[str, int, int]]:
        """(reason, households referred for it before, after), by the largest change first."""
        rows = [(code, int((self.before.reasons >> i & 1).sum()), int((self.after.reasons >> i & 1).sum())) for i, code in enumerate(self.codes)]
        return sorted((r for r in rows if r[1] or r[2]), key=lambda t: (-abs(t[2] - t[1]), t[0]))

    def household_types(self) -> list[tuple[str, int, int, int]]:
        """(household type, households, total change, mean change) for the calculated ones, most affected first."""
        both = self._both
        kinds, which = np.unique(np.stack([self.adults[both], self.children[both]], axis=1), axis=0, return_inverse=True)
        which = which.reshape(-1)
        sizes, totals = np.bincount(which, minlength=len(kinds)), np.bincount(which, weights=self.change[both], minlength=len(kinds))
        rows = [(type_label(int(adults), int(children)), int(n), int(total), round(int(total) / int(n)))
                for (adults, children), n, total in zip(kinds, sizes, totals)]
        return sorted(rows, key=lambda r: (-abs(r[2]), r[0]))

    def household(self, i: int) -> Household:
        b, a = self.before, self.after
        return Household(pseudonym(self.application_ids[i]), type_label(int(self.adults[i]), int(self.children[i])),
                         "granted" if b.granted[i] else "referred", "granted" if a.granted[i] else "referred",
                         int(b.entitlement[i]) if b.made[i] else None, int(a.entitlement[i]) if a.made[i] else None,
                         int(b.amount[i]), int(a.amount[i]), self.codes_of(b.reasons[i]), self.codes_of(a.reasons[i]))

    @property
    def households(self) -> list[Household]:
        return [self.household(i) for i in range(len(self))]

    def most_affected(self, n: int = 10) -> list[int]:
        """The households whose entitlement changes most (by index), ties by pseudonym."""
        size = np.abs(self.change)
        if not size.any():
            return []
        least = np.sort(size[size > 0])[-min(n, int((size > 0).sum()))]  # ties at the cut are ordered by pseudonym
        return sorted(np.flatnonzero(size >= least).tolist(), key=lambda i: (-int(size[i]), pseudonym(self.application_ids[i])))[:n]

    def codes_of(self, bits) -> tuple[str, ...]:
        """The reason codes of a household's reason bits, sorted."""
        bits = int(bits)
        return tuple(sorted(code for i, code in enumerate(self.codes) if bits >> i & 1))


def type_label(adults: int, children: int) -> str:
    if adults < 0:
        return "okänd"
    return (f"{adults} vuxen" if adults == 1 else f"{adults} vuxna") + (f", {children} barn" if children else "")


def household_type(application: dict) -> str:
    return type_label(*simulation_rows.household(application))


def alternative_parameters(period: str | None, norms: Path | None = None, policy: Path | None = None) -> Parameters:
    """Today's parameters with the norm tables of `norms` and the policy in `policy` in force for the period
    (which a policy needs): a policy file whatever its valid_from, and the directory's table for the month,
    or, when none of its tables covers the month (next year's norm tried on a recorded month), its latest."""
    today = load_parameters()
    tables = today.norms
    if norms is not None:
        tables = load_norms(norms)
        first = date(int(period[:4]), int(period[5:7]), 1) if period else None
        if first is not None and not any(t.valid_from <= first <= t.valid_to for t in tables):
            # next year's riksnorm tried on a recorded month: its latest table, put in force for the month
            latest = max(tables, key=lambda t: t.valid_from)
            tables = (dataclasses.replace(latest, valid_from=min(latest.valid_from, first), valid_to=max(latest.valid_to, first)),)
    policies = today.policies
    if policy is not None:
        assert period is not None, "a policy is put in force for a period"
        [version] = load_policies(policy)
        first = date(int(period[:4]), int(period[5:7]), 1)
        policies = (dataclasses.replace(version, valid_from=min(version.valid_from, first)),)
    return Parameters(tables, policies, today.law)


_PSEUDONYM_KEY = secrets.token_bytes(32)  # a new key each run: ids are sequential, so a plain hash could be reversed


def pseudonym(application_id: str) -> str:
    """The same within one report; not to be turned back into the application id, nor linked across reports."""
    return "H-" + hmac.new(_PSEUDONYM_KEY, application_id.encode(), hashlib.sha256).hexdigest()[:16]


def simulate(store: Store, period: str, params: Parameters, alternative: str) -> Simulation:
    """The recorded month beside the same month under `params`, on columns; one decision at a time through
    the engine when the period has no norm table or policy under `params` (what the engine then refers is its
    own to say), or a recorded decision cannot be put in a row."""
    table, policy = params.for_period(period)
    rows = _recorded_rows(store, period) if table is not None and policy is not None else None
    if rows is None:
        return simulate_per_case(store, period, params, alternative)
    ids, matrix = rows
    columns = batch.from_rows(period, matrix[:, :batch.WIDTH])
    recorded = matrix[:, batch.WIDTH:]
    before = Side.of_digests(recorded)
    drift = None
    today_table, today_policy = load_parameters().for_period(period)
    if today_table is not None and today_policy is not None:
        today = Side.of_outcome(batch.evaluate(columns, today_table, today_policy))
        drift = int(np.logical_or.reduce([t != b for t, b in zip(today.said(), before.said())]).sum())
    return Simulation(period, alternative, ids, recorded[:, -2], recorded[:, -1], before,
                      Side.of_outcome(batch.evaluate(columns, table, policy)), drift=drift)


def simulate_per_case(store: Store, period: str, params: Parameters, alternative: str) -> Simulation:
    """The same, one decision at a time through the engine (robots/replay.py): the reference the batch equals."""
    rows, not_rerun = [], []
    for application_id, recorded, again in redecide_period(store, period, params):
        if isinstance(again, CannotReplay):
            not_rerun.append(f"{pseudonym(application_id)}: {again}")
            continue
        rows.append((application_id, recorded, again))
    with store.sessions() as session:
        applications = dict(session.execute(select(WorkItem.application_id, WorkItem.application).where(WorkItem.period == period)).all())
    return Simulation.of_decisions(period, alternative, [(a, applications[a] or {}, r, g) for a, r, g in rows], not_rerun=not_rerun)


def _recorded_rows(store: Store, period: str) -> tuple[list[str], np.ndarray] | None:
    """(application ids, rows) of every recorded decision of the period, in one query; the rows the decide
    bot did not keep are made from the recorded inputs. None when a decision cannot be put in a row."""
    with store.sessions() as session:
        # Core rows, not the ORM's: a month is 100 000 of them. ix_work_items_month serves the items.
        found = session.connection().execute(
            select(WorkItem.id, WorkItem.application_id, SimulationRow.layout, SimulationRow.row)
            .outerjoin(SimulationRow, SimulationRow.item_id == WorkItem.id)
            .where(WorkItem.period == period, WorkItem.outcome.is_not(None))).all()
        found.sort(key=itemgetter(0))  # by item id, as the per-case re-run goes
        missing = [item_id for item_id, _, layout, _ in found if layout != simulation_rows.LAYOUT]
        made = _rows_from_inputs(session, period, missing) if missing else {}
    if any(r is None for r in made.values()):
        return None
    return [a for _, a, _, _ in found], simulation_rows.unpack([made[i] if i in made else row for i, _, _, row in found])


def _rows_from_inputs(session, period: str, item_ids: list[int]) -> dict[int, bytes | None]:
    """Rows for recorded decisions without one, made from their recorded inputs as the decide bot makes them.
    Stored inputs were checked against the contract at intake: an application that broke it was referred with
    INVALID_APPLICATION and is again; the others are parsed, not validated again."""
    made = {}
    for start in range(0, len(item_ids), 1000):
        items = list(session.scalars(select(WorkItem).where(WorkItem.id.in_(item_ids[start:start + 1000]))))
        answers = latest_answers(session, [i.id for i in items])
        for i in items:
            decision, application = robots_decision(i), i.application or {}
            invalid = any(r["code"] == "INVALID_APPLICATION" for r in decision.get("reasons", []))
            case = None if invalid else parse_case(application, register_answers(answers.get(i.id, []), period), i.granted_elsewhere or {})
            made[i.id] = simulation_rows.row_for(application, case, decision)
    return made


class BadInput(ValueError):
    """A line of an --input file that cannot be read: the message names the line and what to fix."""


def read_input(path: Path, period: str | None) -> list[tuple[str, dict, list]]:
    """(application id, application, register answers) of each line of a JSON Lines file of the month (or of
    every month when `period` is None): one object a line, {"application": {…}, "registry": [answers …]}.
    A line that is no such object stops the run with its line number, before anything is reported."""
    entries = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = load_json(line, max_bytes=MAX_BODY_BYTES, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS)
            except ValueError as e:
                raise BadInput(f"{path}:{number}: not a JSON object on one line ({e})") from None
            if not (isinstance(entry, dict) and isinstance(entry.get("application"), dict) and isinstance(entry.get("registry", []), list)):
                raise BadInput(f'{path}:{number}: each line is {{"application": {{…}}, "registry": […]}}')
            application = entry["application"]
            if not isinstance(application.get("application_id"), str):
                application = application | {"application_id": f"line-{number}"}
            if period is None or application.get("period") == period:
                entries.append((application["application_id"], application, entry.get("registry", [])))
    return entries


def simulate_file(path: Path, period: str | None, before: Parameters, after: Parameters, alternative: str) -> Simulation:
    """The same on applications and register answers from a JSON Lines file (read_input), nothing recorded:
    "before" is decided with today's parameters. The collector is paused throughout: it would otherwise walk the
    file's millions of objects each time it woke, and by the end they are gone (no cycles: counted references free them)."""
    with _collector_paused():
        return simulate_entries(read_input(path, period), period or "the file's months", before, after, alternative)


def simulate_entries(entries: list[tuple[str, dict, list]], period: str, before: Parameters, after: Parameters, alternative: str) -> Simulation:
    """(application id, application, register answers) decided under `before` and under `after`, as the robot
    would decide them: each checked against the contract (one that breaks it is referred, INVALID_APPLICATION),
    parsed once into a row of features and decided on columns; one at a time through the engine when a month
    has no norm table or policy on either side (what the engine then refers is its own to say)."""
    months = [a.get("period") if isinstance(a.get("period"), str) and PERIOD.fullmatch(a.get("period")) else None for _, a, _ in entries]
    if any(None in params.for_period(m) for m in set(months) - {None} for params in (before, after)):
        return _decided_entries(entries, period, before, after, alternative)
    with _collector_paused():
        rows = np.array([_input_row(application, answers) for _, application, answers in entries], dtype=np.int64).reshape(-1, batch.WIDTH + 2)
    by_month: dict[str | None, list[int]] = {}
    for i, month in enumerate(months):
        by_month.setdefault(month, []).append(i)
    return Simulation(period, alternative, [e[0] for e in entries], rows[:, -2], rows[:, -1],
                      _by_month(rows[:, :batch.WIDTH], by_month, before), _by_month(rows[:, :batch.WIDTH], by_month, after))


@contextmanager
def _collector_paused():
    """Python's cycle collector off while households are read and parsed: they make no cycles, and a month of
    them is millions of objects the collector would otherwise walk again and again as they pile up."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _input_row(application: dict, answers: list) -> list[int]:
    """The features of an application as filed (batch.INVALID when it breaks the contract), and its household."""
    if application_problems(application):
        return [*batch.INVALID, *simulation_rows.household(application)]
    row = batch.row(parse_case(application, register_answers(answers, application["period"])))
    adults = row[_ADULTS]  # by role, as simulation_rows.household counts them in an application that keeps the contract
    row += (adults, row[_PERSONS] - adults)
    return row


_ADULTS, _PERSONS = batch.COLUMNS.index("adults"), batch.COLUMNS.index("persons")


def _by_month(features: np.ndarray, by_month: dict[str | None, list[int]], params: Parameters) -> Side:
    """The households decided on columns, a month at a time (each under its own table and policy); those of no
    month are applications that broke the contract."""
    n = len(features)
    granted, amount, made = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    deficit, reasons = np.zeros(n, dtype=np.int64), np.full(n, batch.BIT["INVALID_APPLICATION"], dtype=np.int64)
    for month, rows in by_month.items():
        if month is not None:
            rows = np.asarray(rows)  # once, not for each of the seven uses
            out = batch.evaluate(batch.from_rows(month, features[rows]), *params.for_period(month))
            granted[rows], amount[rows], made[rows], deficit[rows], reasons[rows] = out.granted, out.amount, out.made, out.deficit, out.reasons
    return Side.of(granted, amount, made, deficit, reasons)


def _decided_entries(entries: list[tuple[str, dict, list]], period: str, before: Parameters, after: Parameters, alternative: str) -> Simulation:
    """The same through the engine, one application at a time."""
    decided_at = now()
    return Simulation.of_decisions(period, alternative, [
        (application_id, application, decide(application, answers, before, decided_at=decided_at), decide(application, answers, after, decided_at=decided_at))
        for application_id, application, answers in entries])


def described(norms: Path | None, policy: Path | None) -> str:
    parts = ([f"norm tables from {norms.name}/"] if norms else []) + ([f"the policy in {policy.name}"] if policy else [])
    return ", ".join(parts) or "today's parameters"
