"""Income: reconcile what the applicant declared with what the registers report, then leave out
what the law says is not counted (jobbstimulans, children's and school youths' own earnings).

Register data wins. An income in a register that the applicant did not declare, or a difference beyond
the policy's tolerance, goes to a caseworker. Only agencies that answered are compared: an agency that
failed is REGISTRY_UNAVAILABLE, never "no income".
"""

from __future__ import annotations

from robots.rules.agencies import NAMES as AGENCY_NAMES
from robots.rules.agencies import REPORTED_BY
from robots.rules.case import Case
from robots.rules.norm import round_half_up
from robots.rules.parameters import NormTable, Policy
from robots.rules.periods import months_between
from robots.rules.reasons import kr, reason

INCOME_NAMES = {
    "salary": "lön",
    "sickness_benefit": "sjukpenning",
    "parental_benefit": "föräldrapenning",
    "activity_support": "aktivitetsstöd",
    "establishment_benefit": "etableringsersättning",
    "unemployment_benefit": "arbetslöshetsersättning",
    "student_aid": "studiemedel",
    "pension": "pension",
    "housing_allowance": "bostadsbidrag",
    "housing_supplement": "bostadstillägg",
    "child_allowance": "barnbidrag",
    "maintenance_support": "underhållsstöd",
    "other": "annan inkomst",
}

def reconcile(case: Case, policy: Policy) -> tuple[dict[str, int], dict[str, int], list[dict]]:
    """(counted income by type, pay by member key, reasons). The register amount is counted wherever the
    reporting agency answered; a declared income no register reports ('other', or an agency that failed)
    is counted as declared."""
    income: dict[str, int] = {}
    salaries: dict[str, int] = {}
    reasons: list[dict] = []
    for m in case.members:
        registered = m.registered
        if not registered and not m.declared:
            continue
        for t in sorted(registered.keys() | m.declared.keys()):
            r = registered.get(t, 0)
            d = m.declared.get(t, 0)
            agency = REPORTED_BY[t]
            # 'other' income no register shows is counted as the applicant declared it
            if not m.answered or agency not in m.answered or (t == "other" and not r):
                counted = d
            else:
                counted = r
                if r and not d:
                    reasons.append(reason(
                        "UNDECLARED_INCOME",
                        f"{INCOME_NAMES[t].capitalize()} {kr(r)} enligt {AGENCY_NAMES[agency]}.",
                        m.personnummer,
                    ))
                elif abs(r - d) > policy.income_tolerance:
                    reasons.append(reason(
                        "INCOME_MISMATCH",
                        f"{INCOME_NAMES[t].capitalize()}: redovisat {kr(d)}, enligt register {kr(r)} "
                        f"(godtagen avvikelse {kr(policy.income_tolerance)}).",
                        m.personnummer,
                    ))
            if counted:
                income[t] = income.get(t, 0) + counted
                if t == "salary":
                    salaries[m.key] = counted
    return income, salaries, reasons


# SoL (2025:400) 12 kap. 8 §: after six months in a row on försörjningsstöd, 25 % of (net) income from
# employment is not counted, for two years from the month the rule first applied.
JOBBSTIMULANS_AFTER_MONTHS = 6
JOBBSTIMULANS_PERIOD_MONTHS = 24
JOBBSTIMULANS_SHARE = (1, 4)
# SoL (2025:400) 12 kap. 9 §: a child's own earnings are not counted under this age, in school or not;
# from it up to 21, while in school.
CHILD_EARNINGS_FREE_UNDER = 18


def jobbstimulans_applies(case: Case) -> bool:
    """Six months in a row, and the period applied for within two years of the month the rule first applied;
    with no period started, it starts now."""
    if case.months_on_assistance < JOBBSTIMULANS_AFTER_MONTHS:
        return False
    return case.jobbstimulans_since is None or 0 <= months_between(case.jobbstimulans_since, case.period) < JOBBSTIMULANS_PERIOD_MONTHS


def child_earnings_left_out(case: Case, salaries: dict[str, int]) -> dict[str, int]:
    """Own earnings this month of each child living at home under 18, or in school under 21, by member key."""
    return {
        m.key: salaries[m.key]
        for m in case.members
        if m.role == "child" and salaries.get(m.key) and (m.age < CHILD_EARNINGS_FREE_UNDER or m.in_school)
    }


def disregarded_income(case: Case, salaries: dict[str, int], table: NormTable) -> tuple[dict[str, int], dict[str, int], list[dict]]:
    """(income left out by kind, children's earnings left out by personnummer, reasons to refer).

    - jobbstimulans: 25 % of each adult's net pay, rounded to the krona per person;
    - children's and school youths' own earnings, all of them. Once a child's earnings this calendar year
      pass one prisbasbelopp the excess *may* be counted: that is a person's judgement, so the robot
      refers it and never counts the excess itself.
    """
    disregarded: dict[str, int] = {}
    children: dict[str, int] = {}
    reasons: list[dict] = []
    if not salaries:
        return disregarded, children, reasons
    if jobbstimulans_applies(case):
        num, den = JOBBSTIMULANS_SHARE
        stimulans = sum(round_half_up(salaries[m.key] * num, den) for m in case.members if m.is_adult and salaries.get(m.key))
        if stimulans:
            disregarded["jobbstimulans"] = stimulans
    left_out = child_earnings_left_out(case, salaries)
    for m in case.members:
        pay = left_out.get(m.key)
        if pay is None:
            continue
        children[m.personnummer] = pay
        year = case.child_earnings_this_year.get(m.key, 0) + pay
        if year > table.prisbasbelopp:
            reasons.append(reason(
                "CHILD_EARNINGS_ABOVE_LIMIT",
                f"Arbetsinkomster {case.year} {kr(year)} (varav denna månad {kr(pay)}), prisbasbelopp {kr(table.prisbasbelopp)}, "
                f"överskjutande del {kr(year - table.prisbasbelopp)}.",
                m.personnummer,
            ))
    if children:
        disregarded["children_earnings"] = sum(children.values())
    return disregarded, children, reasons
