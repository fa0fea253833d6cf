"""The calculation on columns, for what-if simulations over many households: equal figure for figure to
the per-case engine (engine.py), which stays the reference for every real decision.

A household is read once into `Features`: everything the rules need that does not depend on the
parameters (the counts of each norm line, the costs by kind, the counted income, the income left out,
the reasons no parameter can change). `evaluate` then applies a norm table and a policy to all households
at once with numpy: the norm (personal lines by key, common costs shared by dwelling size), reasonable
costs, the deficit, and the conditions a parameter decides (the rent ceiling, the income tolerance, the
agencies a policy requires, the asset buffer, the amount limit, the costs a policy accepts, the
prisbasbelopp over children's earnings). Each of engine's CHECKS is either FIXED here (worked out once per
household) or a column; a test fails when a new check is neither.

Money stays in integers (int64), halves rounded up as the engine rounds them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from robots.rules import conditions, income
from robots.rules.agencies import AGENCIES, REPORTED_BY
from robots.rules.case import Case
from robots.rules.norm import _BRACKET_OF_AGE
from robots.rules.parameters import (
    LUNCH_KEYS,
    OTHER_ACCEPTABLE_COSTS,
    PERSONAL_KEYS,
    STATUTORY_COSTS,
    NormTable,
    Policy,
)
from robots.rules.reasons import ORDER

# Norm lines by key: the table's personal keys, then the children's with lunch outside the home.
LINE_KEYS = PERSONAL_KEYS + tuple(f"lunch:{k}" for k in LUNCH_KEYS)
_LINE = {k: i for i, k in enumerate(LINE_KEYS)}
COST_KINDS = STATUTORY_COSTS + OTHER_ACCEPTABLE_COSTS
_AGENCY_BIT = {a: 1 << i for i, a in enumerate(AGENCIES)}
_ALL_AGENCIES = sum(_AGENCY_BIT.values())
CODES = tuple(ORDER)  # reason codes by bit
BIT = {code: 1 << i for i, code in enumerate(CODES)}

# The engine's checks that no parameter changes, applied once per household; the others are columns below.
FIXED_CHECKS = (conditions.first_application, conditions.not_granted_elsewhere, conditions.household_matches_register,
                conditions.household_unchanged, conditions.youth_in_school, conditions.no_changes_reported,
                conditions.at_labour_market_disposal, conditions.permit_valid, conditions.no_vehicle)
COLUMN_CHECKS = (conditions.registry_answered, conditions.rent_reasonable, conditions.no_other_costs, conditions.assets_within_buffer)


@dataclass
class Features:
    """One row a household, for one period. `valid` False: an application that breaks the contract (referred
    with INVALID_APPLICATION, nothing calculated)."""

    period: str
    valid: np.ndarray  # bool
    lines: np.ndarray  # int64 [households, LINE_KEYS]: how many of each norm line
    persons: np.ndarray  # members of the application
    dwelling: np.ndarray  # persons in the dwelling (at least the members)
    adults: np.ndarray
    costs: np.ndarray  # int64 [households, COST_KINDS]
    income: np.ndarray  # counted income before what is left out
    left_out: np.ndarray  # jobbstimulans and children's earnings left out
    child_year: np.ndarray  # the highest of a left-out child's earnings this year (0: none)
    mismatch: np.ndarray  # the largest difference between declared and registered income that is compared (-1: none)
    unavailable_adult: np.ndarray  # agencies (bits) failed or not asked, over the adults
    unavailable_child: np.ndarray  # the same over the children
    no_answer: np.ndarray  # bool: a member with no register answer at all
    assets: np.ndarray
    fixed: np.ndarray  # int64 reason bits no parameter changes

    def __len__(self) -> int:
        return len(self.valid)


def row(case: Case) -> list[int]:
    """The features of one parsed case, flat (see Features and _columns), as plain integers."""
    lines = [0] * len(LINE_KEYS)
    roles = [m.role for m in case.members]
    partner = "partner" in roles
    if partner:
        lines[_LINE["adults_sambo"]] += 1
    unavailable_adult = unavailable_child = 0
    no_answer = False
    for m in case.members:
        if m.role == "child":
            key, _ = _BRACKET_OF_AGE[min(max(m.age, 0), 20)]
            lines[_LINE[f"lunch:{key}" if m.lunch_outside_home and key in LUNCH_KEYS else key]] += 1
        elif m.role == "applicant" and not partner:
            lines[_LINE["adult_alone"]] += 1
        if m.answered is None or m.failed is None:
            no_answer = True
            continue
        bits = _unanswered(tuple(m.answered))  # failed or not asked
        if m.is_adult:
            unavailable_adult |= bits
        else:
            unavailable_child |= bits
    # income.reconcile, without its reasons' texts: what is counted, the pay by member, and what is compared
    counted = 0
    salaries: dict[str, int] = {}
    undeclared, mismatch = False, -1
    for m in case.members:
        registered = m.registered
        if not registered and not m.declared:
            continue
        for t in registered.keys() | m.declared.keys():
            r, d = registered.get(t, 0), m.declared.get(t, 0)
            if not m.answered or REPORTED_BY[t] not in m.answered or (t == "other" and not r):
                value = d
            else:
                value = r
                if r and not d:
                    undeclared = True
                else:
                    mismatch = max(mismatch, abs(r - d))
            if value:
                counted += value
                if t == "salary":
                    salaries[m.key] = value
    left_out, child_year = 0, 0
    if salaries:
        if income.jobbstimulans_applies(case):
            num, den = income.JOBBSTIMULANS_SHARE
            left_out += sum((2 * salaries[m.key] * num + den) // (2 * den) for m in case.members if m.is_adult and salaries.get(m.key))
        for key, pay in income.child_earnings_left_out(case, salaries).items():
            left_out += pay
            child_year = max(child_year, case.child_earnings_this_year.get(key, 0) + pay)
    fixed = 0
    for check in FIXED_CHECKS:
        for r in check(case, None):
            fixed |= BIT[r["code"]]
    if undeclared:
        fixed |= BIT["UNDECLARED_INCOME"]
    if case.previous_rent is not None and case.previous_rent != case.costs.get("rent", 0):
        fixed |= BIT["RENT_CHANGED"]
    if case.costs.get("other"):
        fixed |= BIT["OTHER_COSTS"]
    n = len(roles)
    adults = n - roles.count("child")
    costs = case.costs
    return [1, *lines, n, max(case.dwelling_size or n, n), adults, *[costs.get(k) or 0 for k in COST_KINDS], counted,
            left_out, child_year, mismatch, unavailable_adult, unavailable_child, int(no_answer), case.assets, fixed]


@lru_cache(maxsize=256)  # the agencies that answered come in a handful of combinations
def _unanswered(answered: tuple[str, ...]) -> int:
    """The bits of the agencies not among `answered`."""
    return _ALL_AGENCIES & ~sum(_AGENCY_BIT.get(a, 0) for a in answered)


# What each place of a row holds, in order (`row` and `from_rows` follow it).
COLUMNS = ("valid", *(f"line:{k}" for k in LINE_KEYS), "persons", "dwelling", "adults", *(f"cost:{k}" for k in COST_KINDS), "income",
           "left_out", "child_year", "mismatch", "unavailable_adult", "unavailable_child", "no_answer", "assets", "fixed")
INVALID = [0, *[0] * len(LINE_KEYS), 1, 1, 1, *[0] * len(COST_KINDS), 0, 0, 0, -1, 0, 0, 0, 0, BIT["INVALID_APPLICATION"]]
WIDTH = len(COLUMNS)
assert len(INVALID) == WIDTH


def features(period: str, cases: list[Case | None]) -> Features:
    """The households' features for one period; None for an application that breaks the contract."""
    return from_rows(period, np.array([row(c) if c is not None else INVALID for c in cases], dtype=np.int64).reshape(-1, WIDTH))


def from_rows(period: str, rows: np.ndarray) -> Features:
    """Features from a matrix of rows as `row` makes them (one household a row, WIDTH int64 columns)."""
    lines, costs = len(LINE_KEYS), len(COST_KINDS)
    c = rows.T
    tail = 1 + lines + 3 + costs
    return Features(period, c[0].astype(bool), rows[:, 1:1 + lines], c[1 + lines], c[2 + lines], c[3 + lines],
                    rows[:, 4 + lines:tail], c[tail], c[tail + 1], c[tail + 2], c[tail + 3], c[tail + 4], c[tail + 5],
                    c[tail + 6].astype(bool), c[tail + 7], c[tail + 8])


@dataclass
class Outcome:
    """What the rules give each household under one table and policy."""

    granted: np.ndarray  # bool
    amount: np.ndarray  # the grant (0 when referred)
    norm: np.ndarray
    costs: np.ndarray
    need: np.ndarray
    counted_income: np.ndarray
    deficit: np.ndarray
    made: np.ndarray  # bool: a calculation was made (not for an invalid application)
    reasons: np.ndarray  # int64 reason bits

    def codes(self, i: int) -> tuple[str, ...]:
        bits = int(self.reasons[i])
        return tuple(code for j, code in enumerate(CODES) if bits >> j & 1)


def _line_amounts(table: NormTable) -> np.ndarray:
    amounts = [table.personal[k].amount for k in PERSONAL_KEYS]
    amounts += [(table.lunch_outside_home.get(k) or table.personal[k]).amount for k in LUNCH_KEYS]
    return np.array(amounts, dtype=np.int64)


def _common(dwelling: np.ndarray, table: NormTable) -> np.ndarray:
    common = np.array([a.amount for a in table.common], dtype=np.int64)
    within = common[np.minimum(dwelling, 7) - 1]
    step = common[6] - common[5]
    return np.where(dwelling <= 7, within, common[6] + (dwelling - 7) * step)


def _ceiling(adults: np.ndarray, children: np.ndarray, policy: Policy) -> np.ndarray:
    with_children = np.array(policy.rent_ceiling_with_children, dtype=np.int64)
    by_children = with_children[np.clip(children, 1, len(with_children)) - 1]
    alone = np.where(adults == 1, policy.rent_ceiling_one_adult, policy.rent_ceiling_two_adults)
    return np.where(children > 0, by_children, alone)


def _mask(agencies: tuple[str, ...]) -> int:
    return sum(_AGENCY_BIT[a] for a in agencies)


def evaluate(f: Features, table: NormTable, policy: Policy) -> Outcome:
    """The engine's figures and outcome for every household at once (the period's table and policy given)."""
    lines = f.lines @ _line_amounts(table)
    common = _common(f.dwelling, table)
    shared = (2 * common * f.persons + f.dwelling) // (2 * f.dwelling)  # common(d) x m / d, halves up
    norm = lines + np.where(f.dwelling == f.persons, common, shared)
    accepted = np.array([k in STATUTORY_COSTS or k in policy.accepted_costs for k in COST_KINDS])
    costs = f.costs @ accepted.astype(np.int64)
    need = norm + costs
    counted = f.income - f.left_out
    deficit = need - counted
    reasons = f.fixed.copy()

    def flag(code: str, where: np.ndarray) -> None:
        reasons[where] |= BIT[code]

    flag("REGISTRY_UNAVAILABLE", f.no_answer | (f.unavailable_adult & _mask(policy.adult_sources) != 0)
         | (f.unavailable_child & _mask(policy.child_sources) != 0))
    flag("RENT_ABOVE_CEILING", f.costs[:, COST_KINDS.index("rent")] > _ceiling(f.adults, f.persons - f.adults, policy))
    unaccepted = [i for i, k in enumerate(COST_KINDS) if k not in STATUTORY_COSTS and k not in policy.accepted_costs]
    if unaccepted:
        flag("OTHER_COSTS", (f.costs[:, unaccepted] > 0).any(axis=1))
    flag("ASSETS_ABOVE_BUFFER", f.assets > policy.asset_buffer)
    flag("INCOME_MISMATCH", f.mismatch > policy.income_tolerance)
    flag("CHILD_EARNINGS_ABOVE_LIMIT", f.child_year > table.prisbasbelopp)
    flag("NO_DEFICIT", deficit <= 0)
    flag("AMOUNT_ABOVE_LIMIT", (deficit > 0) & (deficit > policy.amount_limit))  # the engine's elif after NO_DEFICIT
    made = f.valid
    reasons[~made] = BIT["INVALID_APPLICATION"]
    granted = made & (reasons == 0)
    return Outcome(granted, np.where(granted, deficit, 0), norm, costs, need, counted, deficit, made, reasons)
