"""The decision for one application: norm + reasonable costs - counted income, and the conditions.

Pure: the same inputs give the same decision, always. Inputs are already validated against the contract
(robots.contract); the clock and the robot's identity come in as arguments.
"""

from __future__ import annotations

from robots.rules import conditions, income, norm
from robots.rules.costs import reasonable_costs
from robots.rules.parameters import NormTable, Policy
from robots.rules.people import members_of
from robots.rules.reasons import ORDER, kr, reason

RULES_VERSION = "1.0.0"


def evaluate(
    application: dict,
    answers: dict[str, dict],
    norms: dict[int, NormTable],
    policy: Policy,
    *,
    decided_at: str,
    decided_by: str,
) -> dict:
    """Grant the deficit when no reason to refer applies; otherwise refer, with the calculation filled in.

    `answers` maps each member's normalized personnummer (12 digits) to the `sources` of their register
    answer. The robot never refuses: no deficit is a referral too.
    """
    year, month = int(application["period"][:4]), int(application["period"][5:7])
    members = members_of(application, year, month)
    table = norms.get(year)
    reasons: list[dict] = []

    if table is None:
        norm_part = {"total": 0, "lines": []}
        reasons.append(reason("NORM_TABLE_MISSING", f"Sökt period {application['period']}; tabeller finns för {', '.join(map(str, sorted(norms))) or 'inga år'}."))
    else:
        total, lines, provisional = norm.household_norm(members, application["household"].get("dwelling_size"), table)
        norm_part = {"total": total, "table": table.name, "provisional": provisional, "lines": lines}

    costs = reasonable_costs(application["costs"])
    counted, salaries, income_reasons = income.reconcile(members, application["declared_incomes"], answers, policy)
    disregarded, disregard_reasons = income.disregarded_income(members, salaries, application.get("history", {}), table)

    case = conditions.Case(application, members, answers, policy, year, month)
    for check in conditions.CHECKS:
        reasons.extend(check(case))
    reasons.extend(income_reasons)
    reasons.extend(disregard_reasons)

    need = norm_part["total"] + sum(costs.values())
    counted_income = sum(counted.values()) - sum(disregarded.values())
    deficit = need - counted_income
    if deficit <= 0:
        reasons.append(reason("NO_DEFICIT", f"Behov {kr(need)}, inkomster {kr(counted_income)}."))
    elif deficit > policy.amount_limit:
        reasons.append(reason("AMOUNT_ABOVE_LIMIT", f"Belopp {kr(deficit)}, gräns {kr(policy.amount_limit)}."))

    decision: dict = {"application_id": application["application_id"], "period": application["period"]}
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
    return f"casebot-rules {RULES_VERSION}; {policy.name} from {policy.valid_from.isoformat()}"


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
