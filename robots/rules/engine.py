"""The decision for one application: norm + reasonable costs - counted income, and the conditions.

Pure: the same inputs give the same decision, always. The case is parsed from input already validated
against the contract (robots.contract, robots.rules.case); the clock and the robot's identity come in as
arguments. The norm table and the policy version are those in force on the first day of the period; the
legal references are cited as the law read on the day the decision is made.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from robots.rules import conditions, income, norm
from robots.rules.case import Case
from robots.rules.costs import reasonable_costs
from robots.rules.parameters import Law, NormTable, Parameters, Policy
from robots.rules.reasons import cite, kr, reason, with_rules

RULES_VERSION = "2.0.0"

# What a grant rests on, cited as the law reads on the day of the decision.
_GRANT_BASIS = ("sol_right", "sol_costs", "sof_riksnorm")
APPEAL = ("Beslutet kan överklagas hos förvaltningsrätten ({sol_appeal}) inom tre veckor från den dag "
           "du fick del av det ({fl_appeal_time}).")


def not_made(why: str) -> dict:
    """The calculation of a decision where none was made: no figures that could be mistaken for a result."""
    return {"made": False, "why": why}


def evaluate(case: Case, params: Parameters, *, decided_at: str, decided_by: str) -> dict:
    """Grant the deficit when no reason to refer applies; otherwise refer, with the calculation filled in
    when one could be made. The robot never refuses: no deficit is a referral too."""
    table, policy = params.for_period(case.period)
    if table is None or policy is None:
        return _without_parameters(case, table, policy, params, decided_at=decided_at, decided_by=decided_by)

    reasons: list[dict] = []
    for check in conditions.CHECKS:
        reasons += check(case, policy)
    counted, salaries, income_reasons = income.reconcile(case, policy)
    disregarded, child_earnings, disregard_reasons = income.disregarded_income(case, salaries, table)
    reasons += income_reasons + disregard_reasons

    norm_total, lines, provisional = norm.household_norm(case.members, case.dwelling_size, table)
    costs = reasonable_costs(case.costs, policy)
    need = norm_total + sum(costs.values())
    counted_income = sum(counted.values()) - sum(disregarded.values())
    deficit = need - counted_income
    if deficit <= 0:
        reasons.append(reason("NO_DEFICIT", f"Behov {kr(need)}, inkomster {kr(counted_income)}."))
    elif deficit > policy.amount_limit:
        reasons.append(reason("AMOUNT_ABOVE_LIMIT", f"Belopp {kr(deficit)}, gräns {kr(policy.amount_limit)}."))

    calculation: dict = {
        "norm": {"total": norm_total, "table": table.name, "provisional": provisional, "lines": lines},
        "costs": costs,
        "income": counted,
        "disregarded_income": disregarded,
        "need": need,
        "counted_income": counted_income,
        "deficit": deficit,
    }
    if child_earnings:
        calculation["child_earnings"] = child_earnings
    on = _day(decided_at)
    decision: dict = {"application_id": case.application_id, "period": case.period}
    if reasons:
        decision["outcome"] = "referred"
    else:
        decision["outcome"] = "granted"
        decision["amount"] = deficit
    decision["calculation"] = calculation
    decision["reasons"] = with_rules(reasons, params.law, on)
    if not reasons:
        decision["legal_basis"] = _grant_basis(params.law, on, disregarded)
    return _signed(decision, table, policy, decided_at=decided_at, decided_by=decided_by)


def _without_parameters(case: Case, table: NormTable | None, policy: Policy | None, params: Parameters, *,
                        decided_at: str, decided_by: str) -> dict:
    """No norm table or no policy for the period: refer, with only the reasons that rest on no figure."""
    reasons = []
    if table is None:
        reasons.append(reason("NORM_TABLE_MISSING", f"Sökt period {case.period}; tabellerna gäller {params.covered()}."))
    if policy is None:
        first = params.policies[0].valid_from.isoformat() if params.policies else "–"
        reasons.append(reason("POLICY_MISSING", f"Sökt period {case.period}; riktlinjerna gäller från {first}."))
    else:
        for check in conditions.CHECKS:
            reasons += check(case, policy)
        reasons += income.reconcile(case, policy)[2]
    decision = {
        "application_id": case.application_id,
        "period": case.period,
        "outcome": "referred",
        "calculation": not_made("Ingen beräkning är gjord: riksnorm eller riktlinjer saknas för perioden."),
        "reasons": with_rules(reasons, params.law, _day(decided_at)),
    }
    return _signed(decision, table, policy, decided_at=decided_at, decided_by=decided_by)


def invalid(application_id: str, period: str, problems: list[str], params: Parameters, *, decided_at: str, decided_by: str) -> dict:
    """The referral for an application that breaks the contract: every problem listed, nothing computed."""
    table, policy = params.for_period(period)
    decision = {
        "application_id": application_id,
        "period": period,
        "outcome": "referred",
        "calculation": not_made("Ingen beräkning är gjord: ansökan kan inte prövas som den är."),
        "reasons": with_rules([reason("INVALID_APPLICATION", problem) for problem in problems], params.law, _day(decided_at)),
    }
    return _signed(decision, table, policy, decided_at=decided_at, decided_by=decided_by)


def _grant_basis(law: Law, on: date, disregarded: dict[str, int]) -> list[str]:
    keys = list(_GRANT_BASIS)
    if "jobbstimulans" in disregarded:
        keys.append("sol_jobbstimulans")
    if "children_earnings" in disregarded:
        keys.append("sol_children_earnings")
    keys += ["fl_automated", "kl_automated"]
    return [law.cite(k, on) for k in keys] + [cite(APPEAL, law, on)]


def _signed(decision: dict, table: NormTable | None, policy: Policy | None, *, decided_at: str, decided_by: str) -> dict:
    """The parameters used (by content hash), the rule-set version, who decided, when, under which delegation."""
    used = {}
    if table is not None:
        used["norm_table"] = {"name": table.name, "sha256": table.digest}
    if policy is not None:
        used["policy"] = {"name": policy.name, "valid_from": policy.valid_from.isoformat(), "sha256": policy.digest}
    decision["parameters"] = used
    decision["rules_version"] = _version(policy.name, policy.valid_from) if policy is not None else f"casebot-rules {RULES_VERSION}"
    decision["decided_by"] = decided_by
    decision["decided_at"] = decided_at
    # The delegation that covers what was done: granting, or handing over to a caseworker (when the policy names one).
    delegation = None if policy is None else policy.delegation if decision["outcome"] == "granted" else policy.referral_delegation
    if delegation is not None:
        decision["delegation"] = delegation
    return decision


def _day(decided_at: str) -> date:
    """The day of the decision where it was made (decided_at carries its own offset)."""
    return date.fromisoformat(decided_at[:10])


@cache
def _version(policy_name: str, valid_from: date) -> str:
    return f"casebot-rules {RULES_VERSION}; {policy_name} from {valid_from.isoformat()}"
