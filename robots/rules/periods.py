"""The month applied for, YYYY-MM, and its neighbours."""

from __future__ import annotations


def previous_month(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def add_months(period: str, months: int) -> str:
    """The month `months` after `period` (before it when negative)."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """How many months `end` is after `start`: 0 for the same month, negative when it is before."""
    return (int(end[:4]) - int(start[:4])) * 12 + int(end[5:7]) - int(start[5:7])
