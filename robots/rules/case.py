"""The application as the rules read it: members with their age and register answers, the costs, the
history. Built once from the contract's JSON (already validated); the rules only read it."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from functools import cache

from robots.rules.agencies import PAYING
from robots.rules.people import age_on_first_of_month, normalize


# Plain slotted classes, not frozen: frozen dataclasses are slow to build, and a batch builds many.
@dataclass(slots=True)
class Member:
    personnummer: str  # as the application wrote it
    key: str  # 12 digits, for comparisons
    role: str  # applicant, partner or child
    age: int  # on the first day of the month applied for
    lunch_outside_home: bool
    in_school: bool
    is_adult: bool  # applicant or partner
    declared: dict[str, int]  # declared income by type
    # Register data: `answered` holds the agencies that answered (agency -> answer); `failed` the ones
    # that did not (agency -> kind of failure: "agency" when it answered with an error, "invalid" when its
    # answer broke the contract, "contradictory" when two answers disagreed). An agency in neither was not
    # asked. None: no answer came at all. The agency's own error text never reaches the rules.
    answered: dict[str, dict] | None
    failed: dict[str, str] | None
    registered: dict[str, int]  # income by type that the agencies which answered report
    address_id: str | None  # the population register's address, when Skatteverket answered
    registered_at_address: frozenset[str] | None  # normalized; who is registered there, when SKV answered


@dataclass(slots=True)
class Case:
    application_id: str
    period: str  # YYYY-MM
    year: int
    month: int
    last_day: str  # the period's last day, YYYY-MM-DD
    kind: str  # first or repeat
    members: list[Member]
    applicant: Member
    dwelling_size: int | None
    costs: dict
    assets: int  # bank balance and other assets together
    changes_reported: bool
    months_on_assistance: int  # consecutive months before the period; 0 without history
    jobbstimulans_since: str | None  # YYYY-MM: the first month of the current two-year period, if one started
    child_earnings_this_year: dict[str, int]  # normalized personnummer -> net kronor earlier in the calendar year
    previous_rent: int | None
    previous_members: frozenset[str] | None  # normalized; None without history
    # Members already in a granted (or pending) decision for the same period in another application:
    # normalized personnummer -> that application's id. Known to the worker, not to the application.
    granted_elsewhere: dict[str, str]


def register_income(answered: dict[str, dict] | None) -> dict[str, int]:
    """Income by type that the agencies which answered report for one person."""
    found: dict[str, int] = {}
    if not answered:
        return found
    for agency in PAYING:
        answer = answered.get(agency)
        if answer is not None and (payments := answer.get("payments")):  # most lists are empty: no loop set up
            for p in payments:
                found[p["benefit"]] = found.get(p["benefit"], 0) + p["amount"]
    skv = answered.get("SKV")
    if skv is not None and (pay := skv.get("employer_reported_pay")):  # gross with the tax withheld beside it: net is counted
        if net := sum(p["gross"] - p["tax_withheld"] for p in pay):
            found["salary"] = found.get("salary", 0) + net
    return found


@cache
def _last_day(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def parse_case(application: dict, answers: dict[str, dict], granted_elsewhere: dict[str, str] | None = None) -> Case:
    """`answers` maps normalized personnummer to the `sources` of that person's register answer;
    `granted_elsewhere` normalized personnummer to another application that grants them the same month."""
    period = application["period"]
    year, month = int(period[:4]), int(period[5:7])
    declared: dict[str, dict[str, int]] = {}
    for d in application["declared_incomes"]:
        by_type = declared.setdefault(normalize(d["personnummer"]), {})
        by_type[d["type"]] = by_type.get(d["type"], 0) + d["amount"]
    members = []
    for m in application["household"]["members"]:
        key = normalize(m["personnummer"])
        sources = answers.get(key)
        answered = failed = None
        if sources is not None:
            answered = {a: answer for a, answer in sources.items() if answer["status"] == "ok"}
            failed = {a: answer.get("kind", "agency") for a, answer in sources.items() if answer["status"] != "ok"} if len(answered) < len(sources) else {}
        skv = answered.get("SKV") if answered else None
        members.append(Member(
            m["personnummer"], key, m["role"], age_on_first_of_month(key, year, month),
            m.get("lunch_outside_home", False), m.get("in_school", True), m["role"] != "child",
            declared.get(key, {}), answered, failed, register_income(answered),
            skv.get("address_id") if skv else None,
            frozenset(map(normalize, skv.get("registered_at_address", ()))) if skv else None,
        ))
    history = application.get("history") or {}
    previous = history.get("previous_members")
    assets = application.get("assets") or {}
    return Case(
        application_id=application["application_id"],
        period=period,
        year=year,
        month=month,
        last_day=_last_day(year, month),
        kind=application["kind"],
        members=members,
        applicant=next(m for m in members if m.role == "applicant"),
        dwelling_size=application["household"].get("dwelling_size"),
        costs=application["costs"],
        assets=assets.get("bank_balance", 0) + assets.get("other", 0),
        changes_reported=application.get("changes_reported", False),
        months_on_assistance=history.get("consecutive_months_on_assistance", 0),
        jobbstimulans_since=history.get("jobbstimulans_since"),
        child_earnings_this_year={normalize(k): v for k, v in (history.get("child_earnings_this_year") or {}).items()},
        previous_rent=history.get("previous_rent"),
        previous_members=frozenset(map(normalize, previous)) if previous is not None else None,
        granted_elsewhere=granted_elsewhere or {},
    )
