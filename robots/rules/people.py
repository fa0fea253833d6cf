"""Who is who: personnummer, date of birth and age on the first day of the month applied for."""

from __future__ import annotations


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
    return age_of(birth_date(personnummer), year, month)


def age_of(born: tuple[int, int, int], year: int, month: int) -> int:
    """The same from the date of birth (birth_date's)."""
    return year - born[0] - ((month, 1) < born[1:])
