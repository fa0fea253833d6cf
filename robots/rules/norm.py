"""Riksnorm: personal costs of every member plus the household's common costs
(socialtjänstlagen 4 kap. 3 §, socialtjänstförordningen 2 kap. 1 §)."""

from __future__ import annotations

from robots.rules.case import Member
from robots.rules.parameters import LUNCH_KEYS, Amount, NormTable

_CHILD_BRACKETS = (  # (highest age, table key, line label)
    (0, "child_0", "child 0"),
    (2, "child_1_2", "child 1-2"),
    (3, "child_3", "child 3"),
    (6, "child_4_6", "child 4-6"),
    (10, "child_7_10", "child 7-10"),
    (14, "child_11_14", "child 11-14"),
    (18, "child_15_18", "child 15-18"),
    (20, "youth_19_20", "youth 19-20"),
)
# The bracket of each age 0..20, looked up rather than searched: the engine decides many households.
_BRACKET_OF_AGE = tuple(next((key, label) for top, key, label in _CHILD_BRACKETS if age <= top) for age in range(21))


def round_half_up(numerator: int, denominator: int) -> int:
    """A share in whole kronor, halves up; integer arithmetic so no float ever touches money."""
    return (2 * numerator + denominator) // (2 * denominator)


def child_personal_costs(child: Member, table: NormTable) -> tuple[str, Amount]:
    """The line label and amount for a child or youth living at home, by age on the 1st of the month."""
    key, label = _BRACKET_OF_AGE[min(max(child.age, 0), 20)]
    if child.lunch_outside_home and key in LUNCH_KEYS:
        lunch = table.lunch_outside_home.get(key)
        if lunch is None:  # the year's table lacks it: the normal amount, marked provisional
            return f"personal costs, {label}, lunch outside the home", Amount(table.personal[key].amount, True)
        return f"personal costs, {label}, lunch outside the home", lunch
    return f"personal costs, {label}", table.personal[key]


def common_costs(persons: int, table: NormTable) -> Amount:
    """Common costs for a dwelling of `persons`; past 7, each extra person adds the 7-minus-6 difference."""
    if persons <= 7:
        return table.common[persons - 1]
    six, seven = table.common[5], table.common[6]
    return Amount(seven.amount + (persons - 7) * (seven.amount - six.amount), six.provisional or seven.provisional)


def _line(item: str, amount: Amount, personnummer: str | None = None) -> dict:
    line: dict = {"item": item}
    if personnummer is not None:
        line["personnummer"] = personnummer
    line["amount"] = amount.amount
    if amount.provisional:
        line["provisional"] = True
    return line


def household_norm(members: list[Member], dwelling_size: int | None, table: NormTable) -> tuple[int, list[dict], bool]:
    """(total, lines, provisional). An applicant household of m members sharing a dwelling of d persons
    gets common(d) x m / d, rounded to the krona."""
    partner = any(m.role == "partner" for m in members)
    lines = [_line("personal costs, two cohabiting adults", table.personal["adults_sambo"])] if partner else []
    for m in members:
        if m.role == "child":
            label, amount = child_personal_costs(m, table)
            lines.append(_line(label, amount, m.personnummer))
        elif m.role == "applicant" and not partner:
            lines.append(_line("personal costs, adult living alone", table.personal["adult_alone"], m.personnummer))
    n = len(members)
    d = max(dwelling_size or n, n)
    common = common_costs(d, table)
    if d == n:
        lines.append(_line(f"common household costs, {n} persons", common))
    else:
        share = Amount(round_half_up(common.amount * n, d), common.provisional)
        lines.append(_line(f"common household costs, share of {n} in a dwelling of {d} persons ({common.amount} x {n} / {d})", share))
    return sum(line["amount"] for line in lines), lines, any("provisional" in line for line in lines)
