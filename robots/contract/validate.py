"""Check inputs against the contract before the rules see them.

An application's problems are all collected (schema and the checks a schema cannot express: check
digits, one applicant, ages, duplicates, and the limits in robots.contract.limits: floats, amounts, sizes,
list lengths, strings), so a caseworker gets the whole list at once, one line per problem. A register
answer that breaks its schema or a limit counts as the agency failing: never as "no data".

Everything here takes any JSON-like value, however hostile (a float where kronor belong, a huge integer,
a lone surrogate, nesting a thousand deep), and answers with problems, never an exception.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from stdnum import luhn
from stdnum.exceptions import ValidationError as PersonnummerError
from stdnum.se import personnummer as pnr

from robots.contract import validator
from robots.contract.limits import (
    FREE_TEXT,
    MAX_AMOUNT,
    MAX_ASSETS,
    MAX_DECLARED_INCOMES,
    MAX_DEPTH,
    MAX_DWELLING_SIZE,
    MAX_INT_DIGITS,
    MAX_MEMBERS,
    MAX_MONTHS_ON_ASSISTANCE,
    MAX_OTHER_COSTS,
    MAX_PROBLEM_CHARS,
    MAX_PROBLEMS,
    MAX_REGISTER_ITEMS,
    MAX_STRING_CHARS,
    NOT_FREE_TEXT,
    NOT_TEXT,
)
from robots.contract.typed import plainly_valid
from robots.rules.parameters import AGENCIES
from robots.rules.people import age_on_first_of_month, normalize

MAX_CHILD_AGE = 20


def _where(path) -> str:
    return ".".join(str(p) for p in path) or "(the application)"


_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(f"[{NOT_TEXT}]")  # C0, DEL, C1, bidi overrides and isolates
_CONTROL_IN_FREE_TEXT = re.compile(f"[{NOT_FREE_TEXT}]")  # \t \n \r allowed
_TOO_MANY_DIGITS = 10**MAX_INT_DIGITS
_REGISTER_AMOUNTS = frozenset({"amount", "gross", "tax_withheld"})  # kronor in a register answer


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string_problem(value: str, free_text: bool) -> str | None:
    if len(value) > MAX_STRING_CHARS:
        return f"{len(value)} characters; at most {MAX_STRING_CHARS} are taken"
    if _SURROGATE.search(value):
        return "holds a lone surrogate, which is no character"
    if m := (_CONTROL_IN_FREE_TEXT if free_text else _CONTROL).search(value):
        return f"holds a control character (U+{ord(m.group()):04X})"
    return None


def _inspect(value: dict | list, kronor, *, amounts: frozenset = frozenset(), max_items: int | None = None,
             ) -> tuple[list[tuple[tuple, str]], object]:
    """(problems by path, the value fit for the schema validator) of the checks no schema makes: floats,
    integers too long to be amounts, strings too long or holding what is no text, nesting too deep; and,
    when given, amounts (fields named in `amounts`) above MAX_AMOUNT and lists longer than `max_items`.

    Never deeper than MAX_DEPTH (so the recursion is bounded, and any value is safe to inspect), and fast
    on the common case (a printable string is looked at no further). `kronor(path)` says whether a float
    there stands for money. The value returned is the one given unless it holds a lone surrogate or nests
    too deep (which the schema validator cannot take): then a copy with each such string's surrogates
    replaced and each such subtree cut off, its problems already listed here."""
    found: list[tuple[tuple, str]] = []
    unfit = False

    def text(where: tuple, string: str, free_text: bool, what: str = "") -> None:
        """A string that is too long or not all printable: what is wrong with it, if anything."""
        nonlocal unfit
        if problem := _string_problem(string, free_text):
            found.append((where, what + problem))
            unfit = unfit or problem.startswith("holds a lone")

    def visit(v: dict | list, path: tuple, depth: int) -> None:
        nonlocal unfit
        if depth > MAX_DEPTH:
            found.append((path, f"nested deeper than {MAX_DEPTH} levels"))
            unfit = True
            return
        if isinstance(v, dict):
            try:
                names = "".join(v)  # the property names looked at in one go; one by one only when that finds something
            except TypeError:
                names = None
            if names is None or len(names) > MAX_STRING_CHARS or not names.isprintable():
                for key in v:
                    if isinstance(key, str) and (len(key) > MAX_STRING_CHARS or not key.isprintable()):
                        text(path, key, False, "a property name ")
            children = v.items()
        elif max_items is not None and len(v) > max_items:
            found.append((path, f"{len(v)} entries; at most {max_items} are taken"))
            return
        else:
            children = enumerate(v)
        # This walk runs on every application and register answer: JSON's own types are told by type() (a
        # subclass, or a float, goes the long way), and the path of a child is made only when there is a
        # problem to name or a container to go into.
        for k, child in children:
            kind = type(child)
            if kind is str:
                if len(child) > MAX_STRING_CHARS or not child.isprintable():
                    text(path + (k,), child, k in FREE_TEXT)
            elif kind is int:
                if not -_TOO_MANY_DIGITS < child < _TOO_MANY_DIGITS:
                    found.append((path + (k,), f"a number of more than {MAX_INT_DIGITS} digits is not one this system takes"))
                elif child > MAX_AMOUNT and k in amounts:
                    found.append((path + (k,), f"{child} kr is more than the {MAX_AMOUNT} kr this system takes"))
            elif kind is dict or kind is list:
                visit(child, path + (k,), depth + 1)
            elif kind is not bool and child is not None:
                other(child, path + (k,), depth)

    def other(child: object, where: tuple, depth: int) -> None:
        """What is not one of JSON's own types: a subclass of one (which the schema validator cannot take: a
        copy of JSON's own types goes to it), or a float."""
        nonlocal unfit
        unfit = unfit or not isinstance(child, (float, bool, int))
        if isinstance(child, str):
            text(where, child, where[-1] in FREE_TEXT)
        elif isinstance(child, (dict, list)):
            visit(child, where, depth + 1)
        elif isinstance(child, bool):
            return
        elif isinstance(child, int):
            if not -_TOO_MANY_DIGITS < child < _TOO_MANY_DIGITS:
                found.append((where, f"a number of more than {MAX_INT_DIGITS} digits is not one this system takes"))
            elif where[-1] in amounts and child > MAX_AMOUNT:
                found.append((where, f"{child} kr is more than the {MAX_AMOUNT} kr this system takes"))
        elif isinstance(child, float):
            found.append((where, f"{child!r} is not a whole number{' of kronor' if kronor(where) else ''} written as an integer"))

    visit(value, (), 1)
    return found, (_fit(value, 1) if unfit else value)


def _fit(value: object, depth: int) -> object:
    """A copy the schema validator can take: lone surrogates replaced, anything below MAX_DEPTH cut off,
    subclasses of str, dict and list made plain."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", str(value))
    if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {_fit(k, depth): _fit(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_fit(v, depth + 1) for v in value]
    return value


def _schema_errors(name: str, value: object, found: list[tuple[tuple, str]]) -> list[tuple[tuple, str]]:
    """The schema's errors, except where _inspect already named the problem (one line per problem): at
    its path, and for nesting too deep also along the chain of containers below the top-level field."""
    v = validator(name)
    if v.is_valid(value):
        return []
    flagged = {path for path, _ in found}
    flagged |= {path[:k] for path, problem in found if problem.startswith("nested deeper") for k in range(2, len(path))}
    return [(path, e.message) for e in v.iter_errors(value) if (path := tuple(e.instance_path)) not in flagged]


def _bounded(problems: list[str]) -> list[str]:
    """Problem lines a caseworker can read: nothing that is no text, none too long, not too many."""
    lines = []
    for p in problems:
        p = _CONTROL.sub("\ufffd", _SURROGATE.sub("\ufffd", p))
        lines.append(p if len(p) <= MAX_PROBLEM_CHARS else p[:MAX_PROBLEM_CHARS - 1] + "…")
    if len(lines) > MAX_PROBLEMS:
        lines = lines[:MAX_PROBLEMS] + [f"and {len(lines) - MAX_PROBLEMS} more problems"]
    return lines


# Luhn over the last ten digits, two at a time: a pair's part of the sum (the first digit doubled, its digits
# summed, plus the second).
_LUHN_PAIR = {f"{a}{b}": 2 * a // 10 + 2 * a % 10 + b for a in range(10) for b in range(10)}
# Every MMDD a date of birth can have (29 February checked against the year apart), and the same with the day
# plus 60 (a samordningsnummer).
_BIRTHDAYS = frozenset(f"{month:02d}{day + plus:02d}" for month in range(1, 13) for day in range(1, calendar.monthrange(2000, month)[1] + 1)
                       for plus in (0, 60))


def _plainly_valid_number(digits: str) -> bool:
    """The common case, fast: 12 digits whose check digit (Luhn over the last ten) and date of birth hold
    (a samordningsnummer's day is the day plus 60). False sends the number to stdnum, which says what is wrong;
    tests/unit/test_validation.py holds the two to the same verdict."""
    if (_LUHN_PAIR[digits[2:4]] + _LUHN_PAIR[digits[4:6]] + _LUHN_PAIR[digits[6:8]] + _LUHN_PAIR[digits[8:10]]
            + _LUHN_PAIR[digits[10:12]]) % 10:
        return False
    birthday = digits[4:8]
    if birthday not in _BIRTHDAYS or digits[:4] == "0000":  # year 0 is no year
        return False
    return birthday not in ("0229", "0289") or calendar.isleap(int(digits[:4]))


def _personnummer_problem(value: str) -> str | None:
    """Check digit and date of a personnummer in the contract's form (other forms the schema reports)."""
    return _number_problem(value, normalize(value)) if PERSONNUMMER.fullmatch(value) else None


def _number_problem(value: str, digits: str) -> str | None:
    """_personnummer_problem of a number known to be in the contract's form, its 12 digits given."""
    if _plainly_valid_number(digits):
        return None
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


def first_float(value: object) -> str | None:
    """The dotted path of the first float in a JSON value, or None: every number in the contract is an
    integer (money is whole kronor), and 7200.0 is no integer however JSON Schema reads it."""
    stack: list[tuple[tuple, object]] = [((), value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, float):
            return _where(path) if path else "(the value)"
        if isinstance(v, dict):
            stack.extend((path + (k,), child) for k, child in reversed(list(v.items())))
        elif isinstance(v, list):
            stack.extend((path + (i,), child) for i, child in reversed(list(enumerate(v))))
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
    if plainly_valid("application", application):  # nearly always: the checks no schema makes are all left
        return _bounded(_semantic_problems(application))
    return all_problems(application)


def all_problems(application: dict) -> list[str]:
    """application_problems the long way, each check in turn: what the fast path answers for, and is held to."""
    found, fit = _inspect(application, _kronor_in_application)
    found += _schema_errors("application", fit, found)
    return _bounded([f"{_where(path)}: {problem}" for path, problem in found] + _limit_problems(application)
                    + _semantic_problems(application))


def _kronor_in_application(path: tuple) -> bool:
    return bool(path) and (path[0] in ("costs", "assets") or path[-1] == "amount"
                           or path[:2] in (("history", "previous_rent"), ("history", "child_earnings_this_year")))


def _amounts(app: dict):
    """(path, value, the most taken) of every amount of money in the application."""
    costs = _dict(app.get("costs"))
    for key, value in costs.items():
        if key != "other":
            yield ("costs", key), value, MAX_AMOUNT
    for i, cost in enumerate(_list(costs.get("other"))):
        yield ("costs", "other", i, "amount"), _dict(cost).get("amount"), MAX_AMOUNT
    for i, income in enumerate(_list(app.get("declared_incomes"))):
        yield ("declared_incomes", i, "amount"), _dict(income).get("amount"), MAX_AMOUNT
    for key, value in _dict(app.get("assets")).items():
        yield ("assets", key), value, MAX_ASSETS
    history = _dict(app.get("history"))
    yield ("history", "previous_rent"), history.get("previous_rent"), MAX_AMOUNT
    for key, value in _dict(history.get("child_earnings_this_year")).items():
        yield ("history", "child_earnings_this_year", key), value, MAX_AMOUNT


def _limit_problems(app: dict) -> list[str]:
    """The limits of robots.contract.limits on sizes, counts and amounts (a huge number or a float is
    already a problem of its own)."""
    problems: list[str] = []
    household = _dict(app.get("household"))
    history = _dict(app.get("history"))
    for where, value, most, what in (
        ("household.members", household.get("members"), MAX_MEMBERS, "members"),
        ("declared_incomes", app.get("declared_incomes"), MAX_DECLARED_INCOMES, "incomes"),
        ("costs.other", _dict(app.get("costs")).get("other"), MAX_OTHER_COSTS, "costs"),
        ("history.previous_members", history.get("previous_members"), MAX_MEMBERS, "members"),
        ("history.child_earnings_this_year", history.get("child_earnings_this_year"), MAX_MEMBERS, "children"),
    ):
        if isinstance(value, (list, dict)) and len(value) > most:
            problems.append(f"{where}: {len(value)} {what}; at most {most} are taken")
    for where, value, most, unit in (
        ("household.dwelling_size", household.get("dwelling_size"), MAX_DWELLING_SIZE, "persons"),
        ("history.consecutive_months_on_assistance", history.get("consecutive_months_on_assistance"), MAX_MONTHS_ON_ASSISTANCE, "months"),
    ):
        if _is_int(value) and most < value < _TOO_MANY_DIGITS:
            problems.append(f"{where}: {value} {unit} is more than the {most} this system takes")
    for path, value, most in _amounts(app):
        if _is_int(value) and most < value < _TOO_MANY_DIGITS:
            problems.append(f"{_where(path)}: {value} kr is more than the {most} kr this system takes")
    return problems


PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
PERSONNUMMER = re.compile(r"[0-9]{8}-?[0-9]{4}")  # the contract's form; other forms fail the schema


def _period(app: dict) -> tuple[int, int] | None:
    period = app.get("period")
    if isinstance(period, str) and PERIOD.fullmatch(period):
        return int(period[:4]), int(period[5:7])
    return None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _semantic_problems(app: dict) -> list[str]:
    problems: list[str] = []
    household = app.get("household") if isinstance(app.get("household"), dict) else {}
    members = [m for m in _list(household.get("members")) if isinstance(m, dict)]
    year_month = _period(app)
    applied_for = app["period"].replace("-", "") if year_month else ""  # YYYYMM
    seen: set[str] = set()  # the members' numbers, each valid; a number found again is not checked again
    written: set[str] = set()  # the same as the members wrote them: the same text found again needs no look at all
    for i, m in enumerate(members):
        value = m.get("personnummer")
        if not isinstance(value, str) or not PERSONNUMMER.fullmatch(value):
            continue
        key = normalize(value)
        if problem := _number_problem(value, key):
            problems.append(f"household.members.{i}.personnummer: {problem}")
            continue
        if key in seen:
            problems.append(f"household.members.{i}.personnummer: {value[:8]}-****: the same person is listed twice")
        seen.add(key)
        written.add(value)
        if year_month and m.get("role") == "child":
            age = age_on_first_of_month(key, *year_month)
            if age > MAX_CHILD_AGE:
                problems.append(
                    f"household.members.{i}: a child must be at most {MAX_CHILD_AGE} years old; "
                    f"this one is {age} on the first of the month applied for"
                )
            elif key[:6] > applied_for:
                problems.append(f"household.members.{i}: born after the month applied for")
    roles = [m.get("role") for m in members]
    if members and roles.count("applicant") != 1:
        problems.append(f"household.members: must have exactly one applicant, has {roles.count('applicant')}")
    if roles.count("partner") > 1:
        problems.append(f"household.members: may have at most one partner, has {roles.count('partner')}")
    size = household.get("dwelling_size")
    if _is_int(size) and members and 1 <= size < len(members):  # below 1 the schema says so
        problems.append(f"household.dwelling_size: {size} is fewer than the {len(members)} members applying")
    for i, d in enumerate(_list(app.get("declared_incomes"))):
        value = d.get("personnummer") if isinstance(d, dict) else None
        if not isinstance(value, str) or value in written:
            continue
        key = normalize(value)
        if key in seen and PERSONNUMMER.fullmatch(value):
            continue
        problem = _personnummer_problem(value)
        if problem:
            problems.append(f"declared_incomes.{i}.personnummer: {problem}")
        elif seen and key not in seen:
            problems.append(f"declared_incomes.{i}.personnummer: {value[:8]}-**** is not a member of the household")
    history = app.get("history") if isinstance(app.get("history"), dict) else {}
    for i, value in enumerate(_list(history.get("previous_members"))):
        if isinstance(value, str) and value not in written and not (normalize(value) in seen and PERSONNUMMER.fullmatch(value)) and (problem := _personnummer_problem(value)):
            problems.append(f"history.previous_members.{i}: {problem}")
    return problems


def registry_sources(answer: object, period: str) -> tuple[str | None, dict | None, list[str]]:
    """(normalized personnummer, sources, problems) of one register answer.

    An agency whose part breaks the schema or a limit (a float, an amount above MAX_AMOUNT, a list longer
    than MAX_REGISTER_ITEMS, a string that is no text) is replaced by an error entry, so the rules see it
    as failed. An answer unusable as a whole (wrong period, no sources, such a breach outside any
    agency's part) fails every agency for that person; one without a personnummer cannot be placed and
    gives (None, None, problems).
    """
    if not isinstance(answer, dict):
        return None, None, ["a register answer is not a JSON object"]
    if plainly_valid("registry", answer) and answer["period"] == period and not _withheld_above_gross(answer):
        return normalize(answer["personnummer"]), answer["sources"], []
    return all_registry_sources(answer, period)


def all_registry_sources(answer: dict, period: str) -> tuple[str | None, dict | None, list[str]]:
    """registry_sources the long way: what the fast path answers for, and is held to."""
    found, fit = _inspect(answer, lambda path: path[-1] in _REGISTER_AMOUNTS, amounts=_REGISTER_AMOUNTS, max_items=MAX_REGISTER_ITEMS)
    errors = _schema_errors("registry", fit, found)
    if not found and not errors and answer["period"] == period and not _withheld_above_gross(answer):
        return normalize(answer["personnummer"]), _named(answer["sources"]), []
    broken: dict[str, list[str]] = {}
    problems: list[str] = []
    for path, message in found + errors:
        if len(path) >= 2 and path[0] == "sources" and path[1] in AGENCIES:
            broken.setdefault(path[1], []).append(f"{_where(path[2:]) if path[2:] else path[1]}: {message}")
        else:
            problems.append(f"{_where(path)}: {message}")
    if "SKV" not in broken and (pay_problems := _withheld_above_gross(answer)):
        broken["SKV"] = pay_problems
    who = answer.get("personnummer")
    key = normalize(who) if isinstance(who, str) and len(normalize(who)) == 12 else None
    if (said := answer.get("period")) != period:
        said = repr(said) if isinstance(said, str) and PERIOD.fullmatch(said) else "no month written YYYY-MM"
        problems.append(f"period: the answer is for {said}, the application for {period!r}")
    if problems:
        problems = _bounded(problems)
        failed = {agency: {"status": "error", "error": "unusable answer: " + "; ".join(problems), "kind": "invalid"} for agency in AGENCIES}
        return key, failed if key else None, problems
    sources = _named(answer["sources"])
    for agency, errors in broken.items():
        errors = _bounded(errors)
        sources[agency] = {"status": "error", "error": "invalid answer: " + "; ".join(errors), "kind": "invalid"}
        problems.append(f"sources.{agency}: " + "; ".join(errors))
    return key, sources, problems


def _named(sources: dict) -> dict:
    """The parts of the agencies the contract names: the schema lets others in, and the rules read none of them
    (the fast path never sees one: its types name every agency)."""
    return {agency: part for agency, part in sources.items() if agency in AGENCIES}


def _withheld_above_gross(answer: dict) -> list[str]:
    """Employer-reported pay with more tax withheld than was paid: a broken answer, so Skatteverket failed."""
    sources = answer.get("sources")
    skv = sources.get("SKV") if isinstance(sources, dict) else None
    pay = skv.get("employer_reported_pay") if isinstance(skv, dict) and skv.get("status") == "ok" else None
    if not pay or not isinstance(pay, list):  # most answers: no pay this month
        return []
    return [
        f"employer_reported_pay.{i}: tax_withheld {p['tax_withheld']} is above gross {p['gross']}"
        for i, p in enumerate(pay)
        if isinstance(p, dict) and isinstance(p.get("gross"), int) and isinstance(p.get("tax_withheld"), int) and p["tax_withheld"] > p["gross"]
    ]
