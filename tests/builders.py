"""Build applications and register answers for tests, by the facts a test cares about."""

from __future__ import annotations

import random
from datetime import date

from robots.synthetic import personnummer

FIXED_TIME = "2023-10-23T08:15:11+02:00"  # the usual decision time: under SoL (2001:453)
NEW_LAW_TIME = "2026-06-20T09:30:00+02:00"  # a decision time under SoL (2025:400)
ADULT_SOURCES = ("FK", "AF", "CSN", "SKV", "AKASSA", "PM", "TS", "MIV")
CHILD_SOURCES = ("FK", "CSN", "SKV")


def pnr(born: str, serial_seed: int = 0) -> str:
    """A synthetic personnummer for a birth date, with a valid check digit."""
    return personnummer(random.Random(f"{born}/{serial_seed}"), date.fromisoformat(born))


def ok(agency: str) -> dict:
    return {
        "FK": {"status": "ok", "payments": []},
        "AF": {"status": "ok", "registered": True, "registered_since": "2022-01-01", "activity_plan": True},
        "CSN": {"status": "ok", "payments": []},
        "SKV": {"status": "ok", "address_id": "ADDR-1", "registered_at_address": [], "employer_reported_pay": []},
        "AKASSA": {"status": "ok", "payments": []},
        "PM": {"status": "ok", "payments": []},
        "TS": {"status": "ok", "vehicles": []},
        "MIV": {"status": "ok", "permit_valid_until": None},
    }[agency]


def case(
    period: str = "2023-11",
    applicant: str = "1985-06-15",
    partner: str | None = None,
    children: tuple = (),
    rent: int = 4000,
    kind: str = "repeat",
    months: int = 0,
    jobbstimulans_since: str | None = None,
    dwelling_size: int | None = None,
) -> tuple[dict, list[dict], dict[str, dict]]:
    """(application, register answers, sources by personnummer) for a household with nothing to refer.

    `children` holds birth dates, or (birth date, {extra member fields}) pairs. Tests change the dicts
    to add the one fact they are about.
    """
    members = [{"personnummer": pnr(applicant), "role": "applicant"}]
    if partner:
        members.append({"personnummer": pnr(partner, 1), "role": "partner"})
    for i, child in enumerate(children):
        born, extra = (child, {}) if isinstance(child, str) else child
        members.append({"personnummer": pnr(born, 10 + i), "role": "child", **extra})
    everyone = [m["personnummer"] for m in members]
    application = {
        "application_id": "T-1",
        "kind": kind,
        "period": period,
        "submitted_at": "2023-10-23T08:14:05+02:00",
        "household": {"members": members},
        "declared_incomes": [],
        "costs": {"rent": rent},
        "assets": {"bank_balance": 0},
        "changes_reported": False,
        "history": {
            "consecutive_months_on_assistance": months,
            "previous_rent": rent,
            "previous_members": list(everyone),
        },
    }
    if jobbstimulans_since is not None:
        application["history"]["jobbstimulans_since"] = jobbstimulans_since
    if dwelling_size is not None:
        application["household"]["dwelling_size"] = dwelling_size
    answers, by_person = [], {}
    for m in members:
        sources = {a: ok(a) for a in (CHILD_SOURCES if m["role"] == "child" else ADULT_SOURCES)}
        sources["SKV"]["registered_at_address"] = list(everyone)
        answers.append({"personnummer": m["personnummer"], "period": period, "sources": sources})
        by_person[m["personnummer"]] = sources
    return application, answers, by_person


def pay(net: int, tax_withheld: int = 0, employer: str = "Exempelbolaget AB") -> dict:
    """One employer's reported pay (SKV), as gross with the tax withheld beside it, for a net amount."""
    return {"employer": employer, "gross": net + tax_withheld, "tax_withheld": tax_withheld}


def born_aged(age: int, period: str, birthday_day: int = 15) -> str:
    """A birth date giving `age` on the first of `period` (birthday mid-month, so no edge)."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year - age - 1, month, birthday_day).isoformat()
