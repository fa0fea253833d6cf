"""Who is who: personnummer, date of birth and age on the first day of the month applied for."""

from __future__ import annotations


def normalize(personnummer: str) -> str:
    """12 digits without separator, so YYYYMMDD-NNNN and YYYYMMDDNNNN compare equal."""
    return personnummer.replace("-", "")


def age_on_first_of_month(personnummer: str, year: int, month: int) -> int:
    """Age in whole years on the first day of the month applied for (a birthday on the 1st counts)."""
    digits = normalize(personnummer)
    # Birthday as MMDD (a samordningsnummer's day less 60): later in the year than the 1st of `month` is one
    # year fewer. Integers, not a date: this runs for every member of every household a simulation reads.
    birthday = int(digits[4:8])
    if birthday % 100 > 60:
        birthday -= 60
    return year - int(digits[:4]) - (birthday > month * 100 + 1)
