"""Check inputs against the contract before the rules see them.

An application's problems are all collected (schema and the checks a schema cannot express: check
digits, one applicant, ages, duplicates), so a caseworker gets the whole list at once. A register answer
that breaks its schema counts as the agency failing: never as "no data".
"""

from __future__ import annotations

import re

from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError as PersonnummerError
from stdnum.se import personnummer as pnr

from robots.contract import validator
from robots.rules.parameters import AGENCIES
from robots.rules.people import age_on_first_of_month, birth_date, normalize

MAX_CHILD_AGE = 20


def _where(path) -> str:
    return ".".join(str(p) for p in path) or "(the application)"


def _personnummer_problem(value: str) -> str | None:
    """Check digit and date of a personnummer in the contract's form (other forms the schema reports)."""
    if not PERSONNUMMER.fullmatch(value):
        return None
    digits = normalize(value)
    try:
        if int(digits[6:8]) > 60:  # samordningsnummer: the day of birth plus 60, which stdnum does not know
            luhn.validate(digits[2:])
            date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]) - 60)
        else:
            pnr.validate(value)
    except PersonnummerError as e:
        return f"{value[:8]}-****: not a valid personnummer ({e.message.rstrip('.').lower()})"
    except ValueError:
        return f"{value[:8]}-****: not a valid personnummer (no such date of birth)"
    return None


def usable_application_id(application: object) -> str | None:
    """The id a decision can be filed under, or None: without it the application cannot even be referred."""
    app_id = application.get("application_id") if isinstance(application, dict) else None
    return app_id if isinstance(app_id, str) and app_id.strip() else None


def application_problems(application: object) -> list[str]:
    """Every problem with the application, in English for the log and the caseworker; [] when valid.

    The checks a schema cannot express run even when the schema fails, wherever the shape allows.
    """
    if not isinstance(application, dict):
        return ["the application is not a JSON object"]
    v = validator("application")
    problems = [] if v.is_valid(application) else [f"{_where(e.instance_path)}: {e.message}" for e in v.iter_errors(application)]
    return problems + _semantic_problems(application)


PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
PERSONNUMMER = re.compile(r"[0-9]{8}-?[0-9]{4}")  # the contract's form; other forms fail the schema


def _period(app: dict) -> tuple[int, int] | None:
    period = app.get("period")
    if isinstance(period, str) and PERIOD.fullmatch(period):
        return int(period[:4]), int(period[5:7])
    return None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _semantic_problems(app: dict) -> list[str]:
    problems: list[str] = []
    household = app.get("household") if isinstance(app.get("household"), dict) else {}
    members = [m for m in _list(household.get("members")) if isinstance(m, dict)]
    year_month = _period(app)
    seen: set[str] = set()
    for i, m in enumerate(members):
        value = m.get("personnummer")
        if not isinstance(value, str) or not PERSONNUMMER.fullmatch(value):
            continue
        problem = _personnummer_problem(value)
        if problem:
            problems.append(f"household.members.{i}.personnummer: {problem}")
            continue
        if normalize(value) in seen:
            problems.append(f"household.members.{i}.personnummer: {value[:8]}-****: the same person is listed twice")
        seen.add(normalize(value))
        if year_month and m.get("role") == "child":
            age = age_on_first_of_month(value, *year_month)
            if age > MAX_CHILD_AGE:
                problems.append(
                    f"household.members.{i}: a child must be at most {MAX_CHILD_AGE} years old; "
                    f"this one is {age} on the first of the month applied for"
                )
            elif birth_date(value)[:2] > year_month:
                problems.append(f"household.members.{i}: born after the month applied for")
    roles = [m.get("role") for m in members]
    if members and roles.count("applicant") != 1:
        problems.append(f"household.members: must have exactly one applicant, has {roles.count('applicant')}")
    if roles.count("partner") > 1:
        problems.append(f"household.members: may have at most one partner, has {roles.count('partner')}")
    size = household.get("dwelling_size")
    if isinstance(size, int) and not isinstance(size, bool) and members and size < len(members):
        problems.append(f"household.dwelling_size: {size} is fewer than the {len(members)} members applying")
    for i, d in enumerate(_list(app.get("declared_incomes"))):
        value = d.get("personnummer") if isinstance(d, dict) else None
        if not isinstance(value, str):
            continue
        problem = _personnummer_problem(value)
        if problem:
            problems.append(f"declared_incomes.{i}.personnummer: {problem}")
        elif seen and normalize(value) not in seen:
            problems.append(f"declared_incomes.{i}.personnummer: {value[:8]}-**** is not a member of the household")
    history = app.get("history") if isinstance(app.get("history"), dict) else {}
    for i, value in enumerate(_list(history.get("previous_members"))):
        if isinstance(value, str) and (problem := _personnummer_problem(value)):
            problems.append(f"history.previous_members.{i}: {problem}")
    return problems


def registry_sources(answer: object, period: str) -> tuple[str | None, dict | None, list[str]]:
    """(normalized personnummer, sources, problems) of one register answer.

    An agency whose part breaks the schema is replaced by an error entry, so the rules see it as failed.
    An answer unusable as a whole (wrong period, no sources) fails every agency for that person; one
    without a personnummer cannot be placed and gives (None, None, problems).
    """
    v = validator("registry")
    valid = v.is_valid(answer)
    if valid and answer["period"] == period and not _withheld_above_gross(answer):  # type: ignore[index]
        return normalize(answer["personnummer"]), answer["sources"], []  # type: ignore[index]
    if not isinstance(answer, dict):
        return None, None, ["a register answer is not a JSON object"]
    broken: dict[str, list[str]] = {}
    problems: list[str] = []
    for e in [] if valid else v.iter_errors(answer):
        path = list(e.instance_path)
        if len(path) >= 2 and path[0] == "sources" and path[1] in AGENCIES:
            broken.setdefault(path[1], []).append(f"{_where(path[2:]) if path[2:] else path[1]}: {e.message}")
        else:
            problems.append(f"{_where(path)}: {e.message}")
    if "SKV" not in broken and (pay_problems := _withheld_above_gross(answer)):
        broken["SKV"] = pay_problems
    who = answer.get("personnummer")
    key = normalize(who) if isinstance(who, str) and len(normalize(who)) == 12 else None
    if answer.get("period") != period:
        problems.append(f"period: the answer is for {answer.get('period')!r}, the application for {period!r}")
    if problems:
        failed = {agency: {"status": "error", "error": "unusable answer: " + "; ".join(problems), "kind": "invalid"} for agency in AGENCIES}
        return key, failed if key else None, problems
    sources = dict(answer["sources"])
    for agency, errors in broken.items():
        sources[agency] = {"status": "error", "error": "invalid answer: " + "; ".join(errors), "kind": "invalid"}
        problems.append(f"sources.{agency}: " + "; ".join(errors))
    return key, sources, problems


def _withheld_above_gross(answer: dict) -> list[str]:
    """Employer-reported pay with more tax withheld than was paid: a broken answer, so Skatteverket failed."""
    sources = answer.get("sources")
    skv = sources.get("SKV") if isinstance(sources, dict) else None
    pay = skv.get("employer_reported_pay") if isinstance(skv, dict) and skv.get("status") == "ok" else None
    return [
        f"employer_reported_pay.{i}: tax_withheld {p['tax_withheld']} is above gross {p['gross']}"
        for i, p in enumerate(pay if isinstance(pay, list) else [])
        if isinstance(p, dict) and isinstance(p.get("gross"), int) and isinstance(p.get("tax_withheld"), int) and p["tax_withheld"] > p["gross"]
    ]
