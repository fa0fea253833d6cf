"""The decision for one application: norm + reasonable costs - counted income, and the conditions.

Pure: the same inputs give the same decision, always. The case is parsed from input already validated
against the contract (robots.contract, robots.rules.case); the clock and the robot's identity come in as
arguments.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from robots.rules import conditions, income, norm
from robots.rules.costs import reasonable_costs
from robots.rules.parameters import NormTable, Policy
from robots.rules.case import Case
from robots.rules.reasons import ORDER, kr, reason

RULES_VERSION = "1.0.0"


def evaluate(case: Case, norms: dict[int, NormTable], policy: Policy, *, decided_at: str, decided_by: str) -> dict:
    """Grant the deficit when no reason to refer applies; otherwise refer, with the calculation filled in.

    The robot never refuses: no deficit is a referral too.
    """
    table = norms.get(case.year)
    reasons: list[dict] = []
    if table is None:
        norm_part: dict = {"total": 0, "lines": []}
        have = ", ".join(map(str, sorted(norms))) or "inga år"
        reasons.append(reason("NORM_TABLE_MISSING", f"Sökt period {case.period}; tabeller finns för {have}."))
    else:
        total, lines, provisional = norm.household_norm(case.members, case.dwelling_size, table)
        norm_part = {"total": total, "table": table.name, "provisional": provisional, "lines": lines}

    costs = reasonable_costs(case.costs)
    counted, salaries, income_reasons = income.reconcile(case, policy)
    disregarded, disregard_reasons = income.disregarded_income(case, salaries, table)
    for check in conditions.CHECKS:
        reasons += check(case, policy)
    reasons += income_reasons
    reasons += disregard_reasons

    need = norm_part["total"] + sum(costs.values())
    counted_income = sum(counted.values()) - sum(disregarded.values())
    deficit = need - counted_income
    if deficit <= 0:
        reasons.append(reason("NO_DEFICIT", f"Behov {kr(need)}, inkomster {kr(counted_income)}."))
    elif deficit > policy.amount_limit:
        reasons.append(reason("AMOUNT_ABOVE_LIMIT", f"Belopp {kr(deficit)}, gräns {kr(policy.amount_limit)}."))

    decision: dict = {"application_id": case.application_id, "period": case.period}
    if reasons:
        reasons.sort(key=lambda r: ORDER[r["code"]])
        decision["outcome"] = "referred"
    else:
        decision["outcome"] = "granted"
        decision["amount"] = deficit
    decision["calculation"] = {
        "norm": norm_part,
        "costs": costs,
        "income": counted,
        "disregarded_income": disregarded,
        "need": need,
        "counted_income": counted_income,
        "deficit": deficit,
    }
    decision["reasons"] = reasons
    decision["rules_version"] = rules_version(policy)
    decision["decided_by"] = decided_by
    decision["decided_at"] = decided_at
    decision["delegation"] = policy.delegation
    return decision


def rules_version(policy: Policy) -> str:
    return _version(policy.name, policy.valid_from)


@cache
def _version(policy_name: str, valid_from: date) -> str:
    return f"casebot-rules {RULES_VERSION}; {policy_name} from {valid_from.isoformat()}"


def invalid(application_id: str, period: str, problems: list[str], policy: Policy, *, decided_at: str, decided_by: str) -> dict:
    """The referral for an application that breaks the contract: every problem listed, nothing computed."""
    return {
        "application_id": application_id,
        "period": period,
        "outcome": "referred",
        "calculation": {
            "norm": {"total": 0, "lines": []},
            "costs": {},
            "income": {},
            "disregarded_income": {},
            "need": 0,
            "counted_income": 0,
            "deficit": 0,
        },
        "reasons": [reason("INVALID_APPLICATION", problem) for problem in problems],
        "rules_version": rules_version(policy),
        "decided_by": decided_by,
        "decided_at": decided_at,
        "delegation": policy.delegation,
    }
