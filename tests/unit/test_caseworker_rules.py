"""A caseworker's decision on a referral (robots/rules/caseworker.py), by tables of cases: the lines a
caseworker changes are worked out again as the engine works them out, and a decision that is not a full
grant carries the appeal text."""

import pytest

from robots.rules.caseworker import NotAllowed, adjusted, decide, full_grant
from tests.conftest import PARAMS

CALCULATION = {"norm": {"total": 10_000, "table": "riksnorm 2026", "lines": []}, "costs": {"rent": 6_000, "electricity": 300},
               "income": {"salary": 4_000, "child_allowance": 1_250}, "disregarded_income": {"jobbstimulans": 1_000},
               "need": 16_300, "counted_income": 4_250, "deficit": 12_050}
REFERRAL = {"application_id": "A-1", "period": "2026-03", "outcome": "referred", "calculation": CALCULATION, "reasons": [],
            "rules_version": "casebot-rules 2.0.0", "parameters": {}, "decided_by": "robot:casebot", "decided_at": "2026-03-02T10:00:00+01:00",
            "delegation": "punkt 3.1: automatiserat beslut om bifall"}
ON = dict(decided_at="2026-03-03T09:00:00+01:00", decided_by="caseworker:anna")


@pytest.mark.parametrize("adjustments,need,counted,deficit", [
    ({}, 16_300, 4_250, 12_050),
    ({"costs": {"rent": 5_500}}, 15_800, 4_250, 11_550),
    ({"costs": {"electricity": 0}}, 16_000, 4_250, 11_750),
    ({"income": {"salary": 6_000}}, 16_300, 6_250, 10_050),
    ({"income": {"salary": 0, "child_allowance": 0}}, 16_300, 0, 16_300),  # disregarded beyond income counts nothing, never negative
    ({"costs": {"rent": 1_000_000}}, 1_010_300, 4_250, 1_006_050),
])
def test_adjusted_lines_are_worked_out_again(adjustments, need, counted, deficit):
    out = adjusted(CALCULATION, adjustments)
    assert (out["need"], out["counted_income"], out["deficit"]) == (need, counted, deficit)
    assert CALCULATION["costs"]["rent"] == 6_000  # the robot's calculation is left as it was


@pytest.mark.parametrize("adjustments,message", [
    ({"costs": {"boat": 100}}, "finns inte"),
    ({"income": {"lottery": 100}}, "finns inte"),
    ({"costs": {"rent": -1}}, "hela kronor"),
    ({"costs": {"rent": 1_000_001}}, "hela kronor"),
    ({"costs": {"rent": 5.5}}, "hela kronor"),
])
def test_lines_that_cannot_be_adjusted(adjustments, message):
    with pytest.raises(NotAllowed, match=message):
        adjusted(CALCULATION, adjustments)


@pytest.mark.parametrize("outcome,amount,paid,full,appeal", [
    ("granted", None, 12_050, True, False),
    ("granted", 12_050, 12_050, True, False),
    ("granted", 10_000, 10_000, False, True),  # in part: the rest is refused and can be appealed
    ("refused", None, None, False, True),
])
def test_a_decision_and_its_appeal_text(outcome, amount, paid, full, appeal):
    d = decide(REFERRAL, outcome, "  Motiverat\n beslut. ", PARAMS.law, amount=amount, **ON)
    assert (d["outcome"], d.get("amount"), full_grant(d)) == (outcome, paid, full)
    assert any("överklagas" in b for b in d["legal_basis"]) is appeal
    assert d["justification"] == "Motiverat beslut." and d["decided_by"] == "caseworker:anna" and "delegation" not in d
    assert "Förvaltningslagen (2017:900) 32 §" in d["legal_basis"] and not any("28 §" in b for b in d["legal_basis"])
    assert "Socialtjänstlagen (2025:400) 12 kap. 8 §" in d["legal_basis"]  # jobbstimulans was applied


@pytest.mark.parametrize("outcome,justification,amount,calculation,message", [
    ("granted", "", None, CALCULATION, "motivering"),
    ("granted", "ok", 0, CALCULATION, "mer än 0"),
    ("granted", "ok", 12_051, CALCULATION, "högst underskottet"),
    ("granted", "ok", None, CALCULATION | {"deficit": 0}, "inget underskott"),
    ("granted", "ok", None, {"made": False, "why": "ingen tabell"}, "ingen beräkning"),
    ("referred", "ok", None, CALCULATION, "bifall eller avslag"),
    ("refused", "x" * 4001, None, CALCULATION, "4 000 tecken"),
])
def test_what_a_caseworker_cannot_decide(outcome, justification, amount, calculation, message):
    with pytest.raises(NotAllowed, match=message):
        decide(REFERRAL | {"calculation": calculation}, outcome, justification, PARAMS.law, amount=amount, **ON)


def test_a_refusal_without_a_calculation_is_possible():
    d = decide(REFERRAL | {"calculation": {"made": False, "why": "ogiltig ansökan"}}, "refused", "Ansökan saknar uppgifter.", PARAMS.law, **ON)
    assert d["outcome"] == "refused" and d["calculation"] == {"made": False, "why": "ogiltig ansökan"}


@pytest.mark.parametrize("adjustments,full", [
    ({"costs": {"rent": 6_500}}, True), ({"income": {"salary": 3_000}}, True),  # in the applicant's favour
    ({"costs": {"rent": 5_500}}, False), ({"income": {"salary": 4_500}}, False),  # against: appealable
])
def test_a_grant_of_the_whole_deficit_is_full_only_when_no_line_went_against_the_applicant(adjustments, full):
    d = decide(REFERRAL, "granted", "Motiverat.", PARAMS.law, adjustments=adjustments, **ON)
    assert full_grant(d) is full and any("överklagas" in b for b in d["legal_basis"]) is not full
