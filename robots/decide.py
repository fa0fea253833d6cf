"""Decide one application: check it against the contract, then apply the rules.

The one place that turns raw JSON into a decision: `casebot decide` and the pipeline's decide bot both
call it, so an application is treated the same way wherever it comes from.
"""

from __future__ import annotations

from datetime import datetime

from robots import __version__
from robots.contract.validate import PERIOD, application_problems, registry_sources
from robots.rules import evaluate, invalid, parse_case
from robots.rules.case import Case
from robots.rules.parameters import AGENCIES, Parameters
from robots.workdays import STOCKHOLM

ROBOT = "robot:casebot"
SOFTWARE = f"casebot {__version__}"


def now() -> str:
    """Now in Swedish time: the day of a decision picks the law it cites, whatever the machine's time zone."""
    return datetime.now(STOCKHOLM).isoformat(timespec="seconds")


def register_answers(answers: list, period: str) -> dict[str, dict]:
    """Register answers keyed by normalized personnummer; invalid parts already marked as failed agencies.

    Two answers for one person that differ make that person's register data unusable: which one is true
    cannot be known, and the decision must not depend on their order.
    """
    by_person: dict[str, dict] = {}
    for answer in answers:
        key, sources, _ = registry_sources(answer, period)
        if key is None or sources is None:
            continue
        if key in by_person and by_person[key] != sources:
            sources = {agency: CONTRADICTORY for agency in AGENCIES}
        by_person[key] = sources
    return by_person


CONTRADICTORY = {"status": "error", "error": "two register answers for the person differ", "kind": "contradictory"}


def decide(
    application: dict,
    answers: list,
    params: Parameters,
    *,
    decided_at: str | None = None,
    decided_by: str = ROBOT,
    granted_elsewhere: dict[str, str] | None = None,
) -> dict:
    """The decision for a raw application (must have a usable application_id) and its raw register answers.
    `granted_elsewhere`: members (normalized personnummer) already granted the month in another application."""
    return decided_case(application, answers, params, decided_at=decided_at, decided_by=decided_by, granted_elsewhere=granted_elsewhere)[0]


def decided_case(application: dict, answers: list, params: Parameters, *, decided_at: str | None = None, decided_by: str = ROBOT,
                 granted_elsewhere: dict[str, str] | None = None) -> tuple[dict, Case | None]:
    """`decide`, and the case as the rules parsed it (None when the application broke the contract)."""
    decided_at = decided_at or now()
    case = None
    problems = application_problems(application)
    if problems:
        period = application.get("period")
        if not (isinstance(period, str) and PERIOD.fullmatch(period)):
            period = decided_at[:7]  # unknown: file it under the month it was handled
        decision = invalid(application["application_id"], period, problems, params, decided_at=decided_at, decided_by=decided_by)
    else:
        case = parse_case(application, register_answers(answers, application["period"]), granted_elsewhere)
        decision = evaluate(case, params, decided_at=decided_at, decided_by=decided_by)
    decision["software"] = SOFTWARE  # which casebot made it; the rules and parameters it used are recorded apart
    return decision, case
