"""What-if: re-decide a recorded month under another norm table or policy, and tell who gains and who loses.

`casebot simulate --period YYYY-MM [--norms DIR] [--policy FILE]` re-runs every recorded decision of the
month on its recorded inputs (the application as claimed, the register answers as received, the members it
knew were paid elsewhere) with the alternative parameters, beside what was recorded. The policy file is
applied to the month whatever its valid_from (the question is "what if it had been in force"); norm tables
come from the directory, chosen by the month as always.

What a household gets is compared as its calculated entitlement: the deficit the calculation gives (need
minus counted income, never below 0), whether the robot granted it or referred it to a caseworker, so that
a change in the norm shows in every household the calculation was made for. The robot's own grants are
reported beside it, as are the referrals by reason. Households are named by a pseudonym (a hash of the
application id), never by personnummer. The month is re-decided on columns (robots/rules/batch.py, equal
to the engine figure for figure); the engine, which makes every real decision, stays the reference
(`simulate_per_case`). Reports are robots/simulate_report.py's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from robots.config import load_parameters
from robots.config.parameters import load_norms, load_policies
from robots.decide import register_answers
from robots.replay import CannotReplay, redecide_period
from robots.rules import batch, parse_case
from robots.rules.parameters import Parameters
from robots.store import Store

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
class Simulation:
    period: str
    alternative: str  # what was changed, in words
    households: list[Household]
    not_rerun: list[str] = field(default_factory=list)  # pseudonyms of decisions that could not be re-run, and why
    # Households today's parameters already decide otherwise than recorded (a table or policy changed since, or
    # the rules): that much of the change is not the alternative's. None when it was not worked out.
    drift: int | None = None

    def totals(self) -> dict[str, int]:
        h = self.households
        both = [x for x in h if x.change is not None]  # calculated on both sides; the others are counted apart
        before = sum(x.before_entitlement for x in both)
        after = sum(x.after_entitlement for x in both)
        granted_before, granted_after = sum(x.before_granted for x in h), sum(x.after_granted for x in h)
        return {
            "households": len(h),
            "entitlement_before": before, "entitlement_after": after, "entitlement_change": after - before,
            "entitlement_change_per_year": 12 * (after - before),
            "granted_before": granted_before, "granted_after": granted_after, "granted_change": granted_after - granted_before,
            "granted_change_per_year": 12 * (granted_after - granted_before),
            "grants_before": sum(x.before_outcome == "granted" for x in h), "grants_after": sum(x.after_outcome == "granted" for x in h),
            "referred_before": sum(x.before_outcome == "referred" for x in h), "referred_after": sum(x.after_outcome == "referred" for x in h),
            "gain": sum((x.change or 0) > 0 for x in h), "lose": sum((x.change or 0) < 0 for x in h),
            "same": sum(x.change == 0 for x in h), "not_calculated": sum(x.change is None for x in h),
        }

    def histogram(self) -> list[tuple[str, int]]:
        counts = Counter(_bin(x.change) for x in self.households if x.change is not None)
        return [(label, counts.get(label, 0)) for _, label in CHANGE_BINS]

    def referrals(self) -> list[tuple[str, int, int]]:
        """(reason, households referred for it before, after), by the largest change first."""
        before = Counter(r for x in self.households for r in x.before_reasons)
        after = Counter(r for x in self.households for r in x.after_reasons)
        return sorted(((r, before[r], after[r]) for r in before.keys() | after.keys()), key=lambda t: (-abs(t[2] - t[1]), t[0]))

    def household_types(self) -> list[tuple[str, int, int, int]]:
        """(household type, households, total change, mean change) for the calculated ones, most affected first."""
        groups: dict[str, list[int]] = {}
        for x in self.households:
            if x.change is not None:
                groups.setdefault(x.household_type, []).append(x.change)
        rows = [(t, len(c), sum(c), round(sum(c) / len(c))) for t, c in groups.items()]
        return sorted(rows, key=lambda r: (-abs(r[2]), r[0]))

    def most_affected(self, n: int = 10) -> list[Household]:
        return sorted((x for x in self.households if x.change), key=lambda x: (-abs(x.change), x.pseudonym))[:n]


def _bin(change: int) -> str:
    label = CHANGE_BINS[0][1]
    for lower, name in CHANGE_BINS:
        if change >= lower:
            label = name
    return label


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


def household_type(application: dict) -> str:
    household = application.get("household")
    members = household.get("members") if isinstance(household, dict) else None
    if not isinstance(members, list):
        return "okänd"
    adults = sum(isinstance(m, dict) and m.get("role") in ("applicant", "partner") for m in members)
    children = sum(isinstance(m, dict) and m.get("role") == "child" for m in members)
    return (f"{adults} vuxen" if adults == 1 else f"{adults} vuxna") + (f", {children} barn" if children else "")


_PSEUDONYM_KEY = secrets.token_bytes(32)  # a new key each run: ids are sequential, so a plain hash could be reversed


def pseudonym(application_id: str) -> str:
    """The same within one report; not to be turned back into the application id, nor linked across reports."""
    return "H-" + hmac.new(_PSEUDONYM_KEY, application_id.encode(), hashlib.sha256).hexdigest()[:16]


def _entitlement(decision: dict) -> int | None:
    calculation = decision.get("calculation") or {}
    if calculation.get("made") is False or "deficit" not in calculation:
        return None
    return max(calculation["deficit"], 0)


def _granted(decision: dict) -> int:
    return decision.get("amount", 0) if decision["outcome"] == "granted" else 0


def compare(application: dict, recorded: dict, again: dict) -> Household:
    return Household(
        pseudonym=pseudonym(recorded["application_id"]), household_type=household_type(application),
        before_outcome=recorded["outcome"], after_outcome=again["outcome"],
        before_entitlement=_entitlement(recorded), after_entitlement=_entitlement(again),
        before_granted=_granted(recorded), after_granted=_granted(again),
        before_reasons=tuple(sorted({r["code"] for r in recorded.get("reasons", [])})),
        after_reasons=tuple(sorted({r["code"] for r in again.get("reasons", [])})),
    )


def simulate(store: Store, period: str, params: Parameters, alternative: str) -> Simulation:
    """The recorded month beside the same month under `params`: on columns (robots/rules/batch.py), or one
    decision at a time through the engine when the period has no norm table or policy under `params`
    (what the engine then refers is its own to say)."""
    table, policy = params.for_period(period)
    if table is None or policy is None:
        return simulate_per_case(store, period, params, alternative)
    recorded = _recorded(store, period)
    # Stored inputs were checked against the contract at intake: an application that broke it was referred
    # with INVALID_APPLICATION, and is again; the others are parsed, not validated again.
    cases = [None if _invalid(decision) else parse_case(application, register_answers(answers, period), elsewhere)
             for _, application, answers, elsewhere, decision in recorded]
    columns = batch.features(period, cases)
    again = _decisions(batch.evaluate(columns, table, policy))
    drift = None
    today_table, today_policy = load_parameters().for_period(period)
    if today_table is not None and today_policy is not None:
        today = _decisions(batch.evaluate(columns, today_table, today_policy))
        drift = sum(_said(t) != _said(d) for t, (*_, d) in zip(today, recorded))
    return Simulation(period, alternative, [compare(application, decision, a) for (_, application, _, _, decision), a in zip(recorded, again)],
                      drift=drift)


def simulate_per_case(store: Store, period: str, params: Parameters, alternative: str) -> Simulation:
    """The same, one decision at a time through the engine (robots/replay.py): the reference the batch equals."""
    applications = {application_id: application for application_id, application, *_ in _recorded(store, period)}
    households, not_rerun = [], []
    for application_id, recorded, again in redecide_period(store, period, params):
        if isinstance(again, CannotReplay):
            not_rerun.append(f"{pseudonym(application_id)}: {again}")
            continue
        households.append(compare(applications[application_id], recorded, again))
    return Simulation(period, alternative, households, not_rerun)


def _decisions(out: batch.Outcome) -> list[dict]:
    """The batch's results in the shape of the engine's decisions, as far as a comparison reads them."""
    return [{"outcome": "granted" if out.granted[i] else "referred", "amount": int(out.amount[i]),
             "calculation": {"deficit": int(out.deficit[i])} if out.made[i] else {"made": False},
             "reasons": [{"code": code} for code in out.codes(i)]} for i in range(len(out.granted))]


def _said(decision: dict) -> tuple:
    """What a decision says, for telling two apart: outcome, the amount granted, the reasons."""
    return decision["outcome"], _granted(decision), {r["code"] for r in decision.get("reasons", [])}


def _invalid(decision: dict) -> bool:
    return any(r["code"] == "INVALID_APPLICATION" for r in decision.get("reasons", []))


def _recorded(store: Store, period: str) -> list[tuple[str, dict, list, dict, dict]]:
    """(application id, application as claimed, register answers as received, members paid elsewhere, the rules'
    recorded decision) of every decided item of the period."""
    from sqlalchemy import select

    from robots.replay import robots_decision
    from robots.store import WorkItem
    from robots.store.queue import latest_answers

    with store.sessions() as session:
        items = list(session.scalars(select(WorkItem).where(WorkItem.period == period, WorkItem.outcome.is_not(None)).order_by(WorkItem.id)))
        answers = latest_answers(session, [i.id for i in items])
        return [(i.application_id, i.application or {}, answers.get(i.id, []), i.granted_elsewhere or {}, robots_decision(i)) for i in items]


class BadInput(ValueError):
    """A line of an --input file that cannot be read: the message names the line and what to fix."""


def simulate_file(path: Path, period: str | None, before: Parameters, after: Parameters, alternative: str) -> Simulation:
    """The same on applications and register answers from a JSON Lines file, nothing recorded: one object a
    line, {"application": {…}, "registry": [register answers …]}; "before" is decided with today's parameters.
    An application that breaks the contract is decided as the robot would (referred, INVALID_APPLICATION);
    a line that is no such object stops the run with its line number, before anything is reported."""
    from robots.contract.limits import MAX_BODY_BYTES, MAX_DEPTH, MAX_INT_DIGITS
    from robots.contract.safe_json import load_json
    from robots.decide import decide, now

    decided_at, households = now(), []
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
            if period is not None and application.get("period") != period:
                continue
            registry = entry.get("registry", [])
            households.append(compare(application, decide(application, registry, before, decided_at=decided_at),
                                      decide(application, registry, after, decided_at=decided_at)))
    return Simulation(period or "the file's months", alternative, households)


def described(norms: Path | None, policy: Path | None) -> str:
    parts = ([f"norm tables from {norms.name}/"] if norms else []) + ([f"the policy in {policy.name}"] if policy else [])
    return ", ".join(parts) or "today's parameters"
