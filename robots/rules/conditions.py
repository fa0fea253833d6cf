"""Conditions for an automatic grant. Each check returns the referral reasons it finds; an empty list
means the condition holds. New conditions (a new law, a dated local rule) are new functions here,
added to CHECKS, without touching the others."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass

from robots.rules.costs import rent_ceiling
from robots.rules.income import AGENCY_NAMES
from robots.rules.parameters import Policy
from robots.rules.people import Member, normalize
from robots.rules.reasons import kr, reason


@dataclass(frozen=True, slots=True)
class Case:
    """What the checks read: the application, its members, the register answers and the policy."""

    application: dict
    members: list[Member]
    answers: dict[str, dict]  # normalized personnummer -> sources
    policy: Policy
    year: int
    month: int


def first_application(c: Case) -> list[dict]:
    return [reason("FIRST_APPLICATION")] if c.application["kind"] == "first" else []


def registry_answered(c: Case) -> list[dict]:
    """Every agency the policy requires for a member must have answered; missing or failed is not 'no data'."""
    found = []
    for m in c.members:
        sources = c.answers.get(m.key)
        if sources is None:
            found.append(reason("REGISTRY_UNAVAILABLE", "Inga registeruppgifter hämtades för personen.", m.personnummer))
            continue
        required = c.policy.adult_sources if m.is_adult else c.policy.child_sources
        failed = []
        for agency in required:
            answer = sources.get(agency)
            if answer is None:
                failed.append(f"{AGENCY_NAMES[agency]} (inte tillfrågad)")
            elif answer["status"] != "ok":
                failed.append(f"{AGENCY_NAMES[agency]} ({answer.get('error') or 'fel utan förklaring'})")
        if failed:
            found.append(reason("REGISTRY_UNAVAILABLE", "Saknas: " + ", ".join(failed) + ".", m.personnummer))
    return found


def _ok(c: Case, m: Member, agency: str) -> dict | None:
    answer = c.answers.get(m.key, {}).get(agency)
    return answer if answer is not None and answer["status"] == "ok" else None


def household_matches_register(c: Case) -> list[dict]:
    """Everyone lives at the applicant's address, and nobody else does beyond the declared dwelling size."""
    applicant = next(m for m in c.members if m.role == "applicant")
    skv = _ok(c, applicant, "SKV")
    if skv is None:
        return []
    found = []
    address = skv.get("address_id")
    for m in c.members:
        theirs = _ok(c, m, "SKV")
        if m is not applicant and theirs is not None and theirs.get("address_id") != address:
            found.append(reason("HOUSEHOLD_MISMATCH", "Personen är folkbokförd på en annan adress än sökande.", m.personnummer))
    registered = {normalize(p) for p in skv.get("registered_at_address", ())}
    members = {m.key for m in c.members}
    for m in c.members:
        if m.key not in registered:
            found.append(reason("HOUSEHOLD_MISMATCH", "Personen är inte folkbokförd på sökandes adress.", m.personnummer))
    others = len(registered - members)
    allowed = max(0, (c.application["household"].get("dwelling_size") or len(members)) - len(members))
    if others > allowed:
        found.append(reason(
            "HOUSEHOLD_MISMATCH",
            f"{others} personer utanför ansökan är folkbokförda på adressen; ansökan anger {allowed}.",
        ))
    return found


def household_unchanged(c: Case) -> list[dict]:
    previous = c.application.get("history", {}).get("previous_members")
    if previous is None or {normalize(p) for p in previous} == {m.key for m in c.members}:
        return []
    return [reason("HOUSEHOLD_CHANGED", "Hushållets medlemmar skiljer sig från förra månadens ansökan.")]


def youth_in_school(c: Case) -> list[dict]:
    return [
        reason("YOUTH_NOT_IN_SCHOOL", personnummer=m.personnummer)
        for m in c.members
        if m.role == "child" and m.age >= 19 and not m.in_school
    ]


def no_changes_reported(c: Case) -> list[dict]:
    return [reason("CHANGES_REPORTED")] if c.application.get("changes_reported") else []


def at_labour_market_disposal(c: Case) -> list[dict]:
    """Each adult is registered with Arbetsförmedlingen and follows an active plan (SoL 4 kap. 1 §)."""
    found = []
    for m in c.members:
        af = _ok(c, m, "AF") if m.is_adult else None
        if af is None:
            continue
        if not af.get("registered"):
            found.append(reason("NOT_REGISTERED_AF", personnummer=m.personnummer))
        elif not af.get("activity_plan"):
            found.append(reason("NO_ACTIVITY_PLAN", personnummer=m.personnummer))
    return found


def permit_valid(c: Case) -> list[dict]:
    """A residence permit with an end date must cover the whole month applied for."""
    last_day = f"{c.year:04d}-{c.month:02d}-{calendar.monthrange(c.year, c.month)[1]:02d}"
    found = []
    for m in c.members:
        miv = _ok(c, m, "MIV")
        until = miv.get("permit_valid_until") if miv else None
        if until is not None and until < last_day:
            found.append(reason("PERMIT_EXPIRED", f"Giltigt till {until}.", m.personnummer))
    return found


def rent_reasonable(c: Case) -> list[dict]:
    rent = c.application["costs"].get("rent", 0)
    found = []
    adults = sum(1 for m in c.members if m.is_adult)
    ceiling = rent_ceiling(adults, len(c.members) - adults, c.policy)
    if rent > ceiling:
        found.append(reason("RENT_ABOVE_CEILING", f"Hyra {kr(rent)}, riktvärde {kr(ceiling)}."))
    previous = c.application.get("history", {}).get("previous_rent")
    if previous is not None and previous != rent:
        found.append(reason("RENT_CHANGED", f"Förra ansökan {kr(previous)}, nu {kr(rent)}."))
    return found


def no_other_costs(c: Case) -> list[dict]:
    other = c.application["costs"].get("other") or []
    if not other:
        return []
    listed = "; ".join(f"{o['description'][:80]} {kr(o['amount'])}" for o in other)
    return [reason("OTHER_COSTS", f"Sökt: {listed}.")]


def assets_within_buffer(c: Case) -> list[dict]:
    assets = c.application.get("assets", {})
    total = assets.get("bank_balance", 0) + assets.get("other", 0)
    if total <= c.policy.asset_buffer:
        return []
    return [reason("ASSETS_ABOVE_BUFFER", f"Tillgångar {kr(total)}, buffert {kr(c.policy.asset_buffer)}.")]


def no_vehicle(c: Case) -> list[dict]:
    found = []
    for m in c.members:
        ts = _ok(c, m, "TS")
        if ts and ts.get("vehicles"):
            found.append(reason("VEHICLE_OWNER", f"{len(ts['vehicles'])} fordon.", m.personnummer))
    return found


CHECKS: tuple[Callable[[Case], list[dict]], ...] = (
    first_application,
    registry_answered,
    household_matches_register,
    household_unchanged,
    youth_in_school,
    no_changes_reported,
    at_labour_market_disposal,
    permit_valid,
    rent_reasonable,
    no_other_costs,
    assets_within_buffer,
    no_vehicle,
)
