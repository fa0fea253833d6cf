"""Conditions for an automatic grant. Each check returns the referral reasons it finds; an empty list
means the condition holds. A new condition (a new law, a dated local rule) is a new function here,
added to CHECKS, without touching the others."""

from __future__ import annotations

from collections.abc import Callable

from robots.rules.agencies import NAMES as AGENCY_NAMES
from robots.rules.case import Case, Member
from robots.rules.costs import rent_ceiling, unaccepted_costs
from robots.rules.parameters import Policy
from robots.rules.reasons import kr, reason

COST_NAMES = {"childcare": "barnomsorgsavgift"}
# Fixed phrases for why an agency's data is missing: an agency's own error text is outside text and never
# reaches a referral (it is kept with the register answer as received).
FAILURES = {
    "agency": "myndigheten svarade med ett fel",
    "invalid": "svaret följde inte formatet",
    "contradictory": "motstridiga svar om samma person",
}


def _answer(m: Member, agency: str) -> dict | None:
    """The agency's answer for the member when it answered; None when it failed or was not asked."""
    return m.answered.get(agency) if m.answered else None


def first_application(case: Case, policy: Policy) -> list[dict]:
    """New applicants always meet a caseworker; the robot decides repeat applications only."""
    return [reason("FIRST_APPLICATION")] if case.kind == "first" else []


def not_granted_elsewhere(case: Case, policy: Policy) -> list[dict]:
    """A person is paid at most once a month: a member already granted the month in another application
    (a copy submitted twice, a couple applying separately) sends this one to a person."""
    return [
        reason("DUPLICATE_APPLICATION", f"Annan ansökan: {case.granted_elsewhere[m.key]}.", m.personnummer)
        for m in case.members
        if m.key in case.granted_elsewhere
    ]


def registry_answered(case: Case, policy: Policy) -> list[dict]:
    """Every agency the policy requires for a member must have answered; missing or failed is not 'no data'."""
    found = []
    for m in case.members:
        if m.answered is None or m.failed is None:
            found.append(reason("REGISTRY_UNAVAILABLE", "Inga registeruppgifter hämtades för personen.", m.personnummer))
            continue
        failed = []
        for agency in policy.adult_sources if m.is_adult else policy.child_sources:
            if agency in m.failed:
                failed.append(f"{AGENCY_NAMES[agency]} ({FAILURES.get(m.failed[agency], FAILURES['agency'])})")
            elif agency not in m.answered:
                failed.append(f"{AGENCY_NAMES[agency]} (inte tillfrågad)")
        if failed:
            found.append(reason("REGISTRY_UNAVAILABLE", "Saknas: " + ", ".join(failed) + ".", m.personnummer))
    return found


def household_matches_register(case: Case, policy: Policy) -> list[dict]:
    """Everyone is registered at the applicant's address, and nobody else is beyond the declared dwelling size."""
    registered = case.applicant.registered_at_address
    if registered is None:  # Skatteverket did not answer: REGISTRY_UNAVAILABLE says so
        return []
    found = []
    address = case.applicant.address_id
    for m in case.members:
        if m.registered_at_address is not None and m.address_id != address:
            found.append(reason("HOUSEHOLD_MISMATCH", "Personen är folkbokförd på en annan adress än sökande.", m.personnummer))
        elif m.key not in registered:
            found.append(reason("HOUSEHOLD_MISMATCH", "Personen är inte folkbokförd på sökandes adress.", m.personnummer))
    members = len(case.members)
    others = len(registered) - sum(1 for m in case.members if m.key in registered)
    allowed = (case.dwelling_size or members) - members
    if others > allowed:
        found.append(reason(
            "HOUSEHOLD_MISMATCH",
            f"{others} personer utanför ansökan är folkbokförda på adressen; ansökan anger {max(allowed, 0)}.",
        ))
    return found


def household_unchanged(case: Case, policy: Policy) -> list[dict]:
    if case.previous_members is None or case.previous_members == {m.key for m in case.members}:
        return []
    return [reason("HOUSEHOLD_CHANGED", "Hushållets medlemmar skiljer sig från förra månadens ansökan.")]


def youth_in_school(case: Case, policy: Policy) -> list[dict]:
    return [
        reason("YOUTH_NOT_IN_SCHOOL", personnummer=m.personnummer)
        for m in case.members
        if m.role == "child" and m.age >= 19 and not m.in_school
    ]


def no_changes_reported(case: Case, policy: Policy) -> list[dict]:
    return [reason("CHANGES_REPORTED")] if case.changes_reported else []


def at_labour_market_disposal(case: Case, policy: Policy) -> list[dict]:
    """Each adult is registered with Arbetsförmedlingen and follows an active plan (SoL 2025:400 12 kap. 3 §)."""
    found = []
    for m in case.members:
        af = _answer(m, "AF") if m.is_adult else None
        if af is None:
            continue
        if not af.get("registered"):
            found.append(reason("NOT_REGISTERED_AF", personnummer=m.personnummer))
        elif not af.get("activity_plan"):
            found.append(reason("NO_ACTIVITY_PLAN", personnummer=m.personnummer))
    return found


def permit_valid(case: Case, policy: Policy) -> list[dict]:
    """A residence permit with an end date must cover the whole month applied for."""
    found = []
    for m in case.members:
        miv = _answer(m, "MIV")
        until = miv.get("permit_valid_until") if miv is not None else None
        if until is not None and until < case.last_day:  # ISO dates compare as strings
            found.append(reason("PERMIT_EXPIRED", f"Giltigt till {until}.", m.personnummer))
    return found


def rent_reasonable(case: Case, policy: Policy) -> list[dict]:
    rent = case.costs.get("rent", 0)
    found = []
    adults = sum(1 for m in case.members if m.is_adult)
    ceiling = rent_ceiling(adults, len(case.members) - adults, policy)
    if rent > ceiling:
        found.append(reason("RENT_ABOVE_CEILING", f"Hyra {kr(rent)}, riktvärde {kr(ceiling)}."))
    if case.previous_rent is not None and case.previous_rent != rent:
        found.append(reason("RENT_CHANGED", f"Förra ansökan {kr(case.previous_rent)}, nu {kr(rent)}."))
    return found


def no_other_costs(case: Case, policy: Policy) -> list[dict]:
    """Dental care, glasses, furniture …, and costs the local policy does not list, need an individual
    assessment: never decided by the robot."""
    listed = [f"{o['description'][:80]} {kr(o['amount'])}" for o in case.costs.get("other") or ()]
    listed += [f"{COST_NAMES[kind]} {kr(amount)}" for kind, amount in unaccepted_costs(case.costs, policy).items()]
    return [reason("OTHER_COSTS", f"Sökt: {'; '.join(listed)}.")] if listed else []


def assets_within_buffer(case: Case, policy: Policy) -> list[dict]:
    if case.assets <= policy.asset_buffer:
        return []
    return [reason("ASSETS_ABOVE_BUFFER", f"Tillgångar {kr(case.assets)}, buffert {kr(policy.asset_buffer)}.")]


def no_vehicle(case: Case, policy: Policy) -> list[dict]:
    found = []
    for m in case.members:
        ts = _answer(m, "TS")
        if ts is not None and ts.get("vehicles"):
            found.append(reason("VEHICLE_OWNER", f"{len(ts['vehicles'])} fordon.", m.personnummer))
    return found


CHECKS: tuple[Callable[[Case, Policy], list[dict]], ...] = (
    first_application,
    not_granted_elsewhere,
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
