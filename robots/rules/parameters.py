"""The parameters the rules read: a riksnorm table and the municipality's local policy.

Plain frozen data. They are loaded and validated from config/ by robots.config; the rules only read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

AGENCIES = ("FK", "AF", "CSN", "SKV", "AKASSA", "PM", "TS", "MIV")

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


@dataclass(frozen=True, slots=True)
class Amount:
    """One cell of a norm table, in whole kronor; provisional when not from an official source."""

    amount: int
    provisional: bool = False


@dataclass(frozen=True, slots=True)
class NormTable:
    """Riksnorm for one calendar year (socialtjänstförordningen 2 kap. 1 §)."""

    name: str
    year: int
    valid_from: date
    valid_to: date
    source: str
    prisbasbelopp: int
    personal: dict[str, Amount]
    # Children 0-6 with lunch outside the home; empty when the year's table lacks them.
    lunch_outside_home: dict[str, Amount]
    # Common costs for households of 1..7 persons: common[0] is one person.
    common: tuple[Amount, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """The municipality's local rules (socialnämndens riktlinjer)."""

    name: str
    valid_from: date
    source: str
    delegation: str
    rent_ceiling_one_adult: int
    rent_ceiling_two_adults: int
    # 1-2 adults with 1, 2, ... children; the last applies to that many children or more.
    rent_ceiling_with_children: tuple[int, ...]
    income_tolerance: int
    asset_buffer: int
    amount_limit: int
    adult_sources: tuple[str, ...]
    child_sources: tuple[str, ...]
    # Operational parts, read by the bots, not the rules:
    fetch_attempts: int = 5
    fetch_retry_seconds: int = 60
    sample_share: float = 0.05
