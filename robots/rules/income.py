"""Income: reconcile what the applicant declared with what the registers report, then leave out
what the law says is not counted (jobbstimulans, a schoolchild's own earnings).

Register data wins. An income in a register that the applicant did not declare, or a difference beyond
the policy's tolerance, goes to a caseworker. Only agencies that answered are compared: an agency that
failed is REGISTRY_UNAVAILABLE, never "no income".
"""

from __future__ import annotations

from robots.rules.norm import round_half_up
from robots.rules.parameters import NormTable, Policy
from robots.rules.case import Case
from robots.rules.reasons import kr, reason

# Which agency reports each income type; everything else comes from Försäkringskassan.
REPORTED_BY = {
    "salary": "SKV",
    "student_aid": "CSN",
    "unemployment_benefit": "AKASSA",
    "pension": "PM",
    "housing_supplement": "PM",
}
AGENCY_NAMES = {
    "FK": "Försäkringskassan",
    "AF": "Arbetsförmedlingen",
    "CSN": "CSN",
    "SKV": "Skatteverket",
    "AKASSA": "arbetslöshetskassan",
    "PM": "Pensionsmyndigheten",
    "TS": "Transportstyrelsen",
    "MIV": "Migrationsverket",
}
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

# SoL 4 kap. 1 b §: 25 % of employment income is left out after 6 months in a row, for at most 24 months.
JOBBSTIMULANS_AFTER_MONTHS = 6
JOBBSTIMULANS_MAX_MONTHS = 24
JOBBSTIMULANS_SHARE = (1, 4)


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
            if not m.answered or REPORTED_BY.get(t, "FK") not in m.answered or (t == "other" and not r):
                counted = d
            else:
                counted = r
                if r and not d:
                    reasons.append(reason(
                        "UNDECLARED_INCOME",
                        f"{INCOME_NAMES[t].capitalize()} {kr(r)} enligt {AGENCY_NAMES[REPORTED_BY.get(t, 'FK')]}.",
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


def jobbstimulans_applies(case: Case) -> bool:
    return (
        case.months_on_assistance >= JOBBSTIMULANS_AFTER_MONTHS
        and case.jobbstimulans_months_used < JOBBSTIMULANS_MAX_MONTHS
    )


def disregarded_income(case: Case, salaries: dict[str, int], table: NormTable | None) -> tuple[dict[str, int], list[dict]]:
    """Income left out of the calculation, by kind, and reasons to refer.

    - jobbstimulans: 25 % of each adult's pay, rounded to the krona per person;
    - a child's own earnings while in school, up to one prisbasbelopp a year. The robot sees one month,
      so it leaves out up to a twelfth of it and refers anything above to a caseworker, who knows the year.
    """
    disregarded: dict[str, int] = {}
    reasons: list[dict] = []
    if not salaries:
        return disregarded, reasons
    stimulans = jobbstimulans_applies(case)
    num, den = JOBBSTIMULANS_SHARE
    for m in case.members:
        pay = salaries.get(m.key)
        if not pay:
            continue
        if m.is_adult:
            if stimulans:
                disregarded["jobbstimulans"] = disregarded.get("jobbstimulans", 0) + round_half_up(pay * num, den)
        elif m.in_school and table is not None:
            monthly_limit = round_half_up(table.prisbasbelopp, 12)
            disregarded["children_earnings"] = disregarded.get("children_earnings", 0) + min(pay, monthly_limit)
            if pay > monthly_limit:
                reasons.append(reason(
                    "CHILD_EARNINGS_ABOVE_LIMIT",
                    f"Arbetsinkomst {kr(pay)}, månadens del av prisbasbeloppet {kr(monthly_limit)}.",
                    m.personnummer,
                ))
    return disregarded, reasons
