"""The household's members as the rules see them: role and age on the first day of the month."""

from __future__ import annotations

from dataclasses import dataclass


def normalize(personnummer: str) -> str:
    """12 digits without separator, so YYYYMMDD-NNNN and YYYYMMDDNNNN compare equal."""
    return personnummer.replace("-", "")


def birth_date(personnummer: str) -> tuple[int, int, int]:
    """(year, month, day); a samordningsnummer carries its day plus 60."""
    digits = normalize(personnummer)
    day = int(digits[6:8])
    return int(digits[0:4]), int(digits[4:6]), day - 60 if day > 60 else day


def age_on_first_of_month(personnummer: str, year: int, month: int) -> int:
    """Age in whole years on the first day of the month applied for (a birthday on the 1st counts)."""
    by, bm, bd = birth_date(personnummer)
    return year - by - ((month, 1) < (bm, bd))


@dataclass(frozen=True, slots=True)
class Member:
    personnummer: str  # as the application wrote it
    key: str  # normalized, for comparisons
    role: str  # applicant, partner or child
    age: int
    lunch_outside_home: bool
    in_school: bool

    @property
    def is_adult(self) -> bool:
        return self.role != "child"


def members_of(application: dict, year: int, month: int) -> list[Member]:
    return [
        Member(
            personnummer=m["personnummer"],
            key=normalize(m["personnummer"]),
            role=m["role"],
            age=age_on_first_of_month(m["personnummer"], year, month),
            lunch_outside_home=m.get("lunch_outside_home", False),
            in_school=m.get("in_school", True),
        )
        for m in application["household"]["members"]
    ]
