"""The parameters the rules read, all dated like the law: riksnorm tables, the municipality's local policy
versions, and the legal references a decision cites.

Plain frozen data. They are loaded and validated from config/ (and robots/rules/law.toml) by
robots.config; the rules only read them. Each norm table and policy version carries the hash of its
content (`digest`), which a decision records, so that it can be re-run with exactly its parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from robots.rules.agencies import AGENCIES  # noqa: F401  (the table is robots/rules/agencies.py)

# Keys of personal costs, in the order the law's table lists them.
PERSONAL_KEYS = (
    "child_0",
    "child_1_2",
    "child_3",
    "child_4_6",
    "child_7_10",
    "child_11_14",
    "child_15_18",
    "youth_19_20",
    "adult_alone",
    "adults_sambo",
)
LUNCH_KEYS = ("child_0", "child_1_2", "child_3", "child_4_6")

# Costs SoL 12 kap. 7 § första stycket 2 names: the robot accepts them at their actual amount. Anything
# else only when the local policy lists it (Policy.accepted_costs).
STATUTORY_COSTS = ("rent", "electricity", "home_insurance", "work_travel", "union_fee", "unemployment_fund_fee")
OTHER_ACCEPTABLE_COSTS = ("childcare",)


@dataclass(frozen=True, slots=True)
class Amount:
    """One cell of a norm table, in whole kronor; provisional when not from an official source."""

    amount: int
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class NormTable:
    """Riksnorm in force from valid_from to valid_to, within one calendar year (SoF 2025:468 12 kap. 1–3 §§)."""

    name: str
    valid_from: date
    valid_to: date
    source: str
    prisbasbelopp: int  # of the table's calendar year
    personal: dict[str, Amount]
    # Children 0-6 with lunch outside the home; empty when the year's table lacks them.
    lunch_outside_home: dict[str, Amount]
    # Common costs for households of 1..7 persons: common[0] is one person.
    common: tuple[Amount, ...]
    digest: str = ""  # sha256 of `content`
    content: str = field(default="", repr=False)  # the file's content as canonical JSON, kept by the store


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the municipality's local rules (socialnämndens riktlinjer), in force from valid_from
    until the next version's valid_from."""

    name: str
    valid_from: date
    source: str
    delegation: str  # under which the robot grants (kommunallagen 6 kap. 37 §)
    rent_ceiling_one_adult: int
    rent_ceiling_two_adults: int
    # 1-2 adults with 1, 2, ... children; the last applies to that many children or more.
    rent_ceiling_with_children: tuple[int, ...]
    income_tolerance: int
    asset_buffer: int
    amount_limit: int
    adult_sources: tuple[str, ...]
    child_sources: tuple[str, ...]
    # Costs beyond the statutory list that the committee lets the robot accept (e.g. a childcare fee).
    accepted_costs: tuple[str, ...] = ()
    # Under which the robot hands an application over to a caseworker, when the committee has said; a version
    # without it records no delegation on a referral (the grants' delegation does not cover referring).
    referral_delegation: str | None = None
    digest: str = ""  # sha256 of `content`
    content: str = field(default="", repr=False)  # the file's content as canonical JSON, kept by the store


@dataclass(frozen=True, slots=True)
class Citation:
    """A provision as it is cited while in force."""

    valid_from: date
    valid_to: date | None  # None: in force today
    cite: str
    source: str


@dataclass(frozen=True, slots=True)
class Law:
    """Legal references by provision key (robots/rules/law.toml), each a list of dated citations."""

    provisions: dict[str, tuple[Citation, ...]]

    def cite(self, key: str, on: date) -> str:
        """How the provision is cited on that day; a day no version covers says so rather than cite a wrong law."""
        for c in self.provisions[key]:
            if c.valid_from <= on and (c.valid_to is None or on <= c.valid_to):
                return c.cite
        return f"[{key}: ingen bestämmelse i kraft {on.isoformat()}]"


def _in_force(versions: Sequence, on: date):
    """The last version whose valid_from is on or before the day; versions sorted by valid_from."""
    found = None
    for v in versions:
        if v.valid_from > on:
            break
        found = v
    return found


@dataclass(frozen=True, slots=True)
class Parameters:
    """Everything dated the rules read: norm tables and policy versions by valid_from, and the law."""

    norms: tuple[NormTable, ...]
    policies: tuple[Policy, ...]
    law: Law

    def for_period(self, period: str) -> tuple[NormTable | None, Policy | None]:
        """The norm table and the policy version in force on the first day of the period applied for.

        Both are chosen by the period, not the decision date: the month applied for is what is decided,
        and a re-run gives the same answer whenever it is made.
        """
        first = date(int(period[:4]), int(period[5:7]), 1)
        table = _in_force(self.norms, first)
        return (table if table is not None and first <= table.valid_to else None), _in_force(self.policies, first)

    def covered(self) -> str:
        """The periods the norm tables cover, for a person to read."""
        return ", ".join(f"{t.valid_from:%Y-%m}–{t.valid_to:%Y-%m}" for t in self.norms) or "inga"
