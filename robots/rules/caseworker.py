"""A caseworker's decision on an application the robot referred: pure, as the robot's rules are.

The caseworker starts from the robot's calculation and may change cost and income lines, each change
with the justification the decision carries. The figures are then worked out again the way the engine
works them out (need = norm + costs; counted income = income − disregarded income; deficit = need −
counted income): the caseworker adjusts lines, never the sum. Disregarded income (jobbstimulans,
children's earnings) is kept as the robot worked it out: a caseworker who finds it wrong refuses or
grants in part, with a justification.

A decision that is not a full grant of the deficit (a refusal, a grant in part) tells how to appeal and
by when (förvaltningslagen 33 §); every decision names the provisions applied and the decisive facts (32 §).
"""

from __future__ import annotations

from datetime import date

from robots.rules.engine import APPEAL
from robots.rules.parameters import Law
from robots.rules.reasons import cite, kr

MAX_LINE = 1_000_000  # kronor a month: a cost or income line beyond this is a typing error
OUTCOMES = ("granted", "refused")


class NotAllowed(ValueError):
    """What the caseworker asked for cannot be decided as asked; the message says why, in Swedish."""


def adjusted(calculation: dict, adjustments: dict[str, dict[str, int]]) -> dict:
    """The calculation with the caseworker's lines: {"costs": {kind: kr}, "income": {type: kr}}. Only
    lines the calculation has can be changed; 0 removes what a line counted."""
    if calculation.get("made") is False:
        raise NotAllowed("Roboten kunde inte göra någon beräkning, så det finns inga rader att justera.")
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in calculation.items()}
    for part in ("costs", "income"):
        for line, amount in (adjustments.get(part) or {}).items():
            if line not in out[part]:
                raise NotAllowed(f"Raden {line!r} finns inte bland {'kostnaderna' if part == 'costs' else 'inkomsterna'}.")
            if type(amount) is not int or not 0 <= amount <= MAX_LINE:
                raise NotAllowed(f"{line}: beloppet ska vara hela kronor mellan 0 och {kr(MAX_LINE)}.")
            out[part][line] = amount
    out["need"] = out["norm"]["total"] + sum(out["costs"].values())
    out["counted_income"] = max(0, sum(out["income"].values()) - sum(out["disregarded_income"].values()))
    out["deficit"] = out["need"] - out["counted_income"]
    return out


def changes(calculation: dict, adjustments: dict[str, dict[str, int]]) -> dict[str, dict[str, list[int]]]:
    """The lines the caseworker changed, each [the robot's amount, the caseworker's]."""
    return {part: found for part in ("costs", "income")
            if (found := {line: [calculation[part][line], amount] for line, amount in (adjustments.get(part) or {}).items()
                          if calculation[part].get(line) != amount})}


def decide(referral: dict, outcome: str, justification: str, law: Law, *, decided_at: str, decided_by: str,
           adjustments: dict[str, dict[str, int]] | None = None, amount: int | None = None) -> dict:
    """The caseworker's decision replacing the robot's referral.

    granted: the deficit of the (adjusted) calculation, or `amount` below it (a grant in part);
    refused: nothing is paid. Either needs a justification."""
    justification = " ".join(justification.split())
    if outcome not in OUTCOMES:
        raise NotAllowed(f"Beslutet ska vara bifall eller avslag, inte {outcome!r}.")
    if not justification:
        raise NotAllowed("Skriv en motivering: de omständigheter som har varit avgörande för beslutet.")
    if len(justification) > 4000:
        raise NotAllowed("Motiveringen får vara högst 4 000 tecken.")
    adjustments = adjustments or {}
    made = referral["calculation"].get("made") is not False
    calculation = adjusted(referral["calculation"], adjustments) if made and adjustments else referral["calculation"]
    decision: dict = {"application_id": referral["application_id"], "period": referral["period"], "outcome": outcome}
    if outcome == "granted":
        if not made:
            raise NotAllowed("Det finns ingen beräkning att bevilja efter. Avslå, eller skicka tillbaka ansökan till roboten.")
        deficit = calculation["deficit"]
        if deficit <= 0:
            raise NotAllowed(f"Beräkningen visar inget underskott ({kr(deficit)}): det finns inget att bevilja.")
        if amount is not None and (type(amount) is not int or not 0 < amount <= deficit):
            raise NotAllowed(f"Beviljat belopp ska vara hela kronor, mer än 0 och högst underskottet {kr(deficit)}.")
        decision["amount"] = deficit if amount is None else amount
    decision["calculation"] = calculation
    decision["reasons"] = []
    decision["justification"] = justification
    if found := changes(referral["calculation"], adjustments) if made else {}:
        decision["adjustments"] = found
    full = full_grant(decision)
    on = date.fromisoformat(decided_at[:10])
    basis = ["sol_right", "sol_costs", "sof_riksnorm"]
    basis += [key for key, line in (("sol_jobbstimulans", "jobbstimulans"), ("sol_children_earnings", "children_earnings"))
              if made and line in calculation["disregarded_income"]]
    decision["legal_basis"] = [law.cite(k, on) for k in basis + ["fl_reasons"]] + ([] if full else [cite(APPEAL, law, on)])
    for key in ("parameters", "rules_version", "software"):
        if key in referral:
            decision[key] = referral[key]
    decision["decided_by"] = decided_by
    decision["decided_at"] = decided_at
    return decision


def against(decision: dict) -> bool:
    """Whether a caseworker's changed lines go against the applicant: a cost counted lower, an income higher."""
    changed = decision.get("adjustments") or {}
    return any(new < old for old, new in changed.get("costs", {}).values()) or any(new > old for old, new in changed.get("income", {}).values())


def full_grant(decision: dict) -> bool:
    """Whether the decision grants all the applicant asked for: the whole deficit, with no line counted
    against the applicant. Only then is there nothing to appeal."""
    calculation = decision.get("calculation", {})
    return (decision.get("outcome") == "granted" and calculation.get("made") is not False
            and decision.get("amount") == calculation.get("deficit") and not against(decision))
