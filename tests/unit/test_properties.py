"""Properties that hold for every household the generators can make (hypothesis)."""

import copy
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robots.contract import validator
from robots.rules.reasons import CATALOGUE
from robots.synthetic import MUTATIONS, case_for, clean_case
from tests.builders import born_aged, case, pay
from tests.conftest import PARAMS, run

PERIODS = st.sampled_from(["2021-01", "2021-07", "2023-02", "2023-11", "2026-06", "2019-05", "2024-08"])
MONTHS = st.sampled_from([f"{y}-{m:02d}" for y in (2019, 2020, 2021, 2022, 2023) for m in (1, 6, 11)])
REASONS = st.one_of(st.none(), st.sampled_from(sorted(MUTATIONS)))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cases(draw):
    seed = draw(st.integers(0, 2**32))
    return case_for(random.Random(seed), f"P-{seed}", draw(PERIODS), draw(REASONS))


@st.composite
def households(draw):
    """Households built fact by fact: any ages, partner or not, shared dwelling, incomes on both sides."""
    period = draw(PERIODS)
    ages = draw(st.lists(st.integers(0, 20), max_size=8))
    children = [(born_aged(a, period, draw(st.integers(1, 28))), {"lunch_outside_home": draw(st.booleans()), "in_school": draw(st.booleans())}) for a in ages]
    partner = draw(st.sampled_from([None, "1980-05-05"]))
    n = 1 + (partner is not None) + len(children)
    dwelling = draw(st.one_of(st.none(), st.integers(n, n + 4)))
    application, answers, by_person = case(
        period=period, partner=partner, children=children, rent=draw(st.integers(0, 12000)),
        months=draw(st.integers(0, 40)), jobbstimulans_since=draw(st.one_of(st.none(), MONTHS)), dwelling_size=dwelling,
    )
    earlier = application["history"]["child_earnings_this_year"] = {}
    for m in application["household"]["members"]:
        declared, registered = draw(st.integers(0, 15000)), draw(st.integers(0, 15000))
        if declared:
            application["declared_incomes"].append({"personnummer": m["personnummer"], "type": "salary", "amount": declared})
        if registered:
            by_person[m["personnummer"]]["SKV"]["employer_reported_pay"].append(pay(registered, draw(st.integers(0, 5000))))
        if m["role"] == "child":
            earlier[m["personnummer"]] = draw(st.integers(0, 70_000))
    return application, answers


def all_numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from all_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def check_invariants(decision):
    assert validator("decision").is_valid(decision), list(validator("decision").iter_errors(decision))
    assert all(type(n) is int for n in all_numbers(decision)), "money is integer kronor"
    assert all(r["code"] in CATALOGUE for r in decision["reasons"])
    c = decision["calculation"]
    if c.get("made") is False:  # no table or policy for the period, or an invalid application: no figures at all
        assert decision["outcome"] == "referred" and "amount" not in decision
        assert {r["code"] for r in decision["reasons"]} & {"NORM_TABLE_MISSING", "POLICY_MISSING", "INVALID_APPLICATION"}
        assert not {r["code"] for r in decision["reasons"]} & {"NO_DEFICIT", "AMOUNT_ABOVE_LIMIT", "CHILD_EARNINGS_ABOVE_LIMIT"}
        return
    assert c["norm"]["total"] == sum(line["amount"] for line in c["norm"]["lines"])
    assert c["need"] == c["norm"]["total"] + sum(c["costs"].values())
    assert c["counted_income"] == sum(c["income"].values()) - sum(c["disregarded_income"].values())
    assert c["deficit"] == c["need"] - c["counted_income"]
    assert sum(c.get("child_earnings", {}).values()) == c["disregarded_income"].get("children_earnings", 0)
    if decision["outcome"] == "granted":
        assert decision["reasons"] == []
        assert decision["amount"] == c["deficit"]
        assert 0 < decision["amount"] <= PARAMS.for_period(decision["period"])[1].amount_limit
    else:
        assert decision["outcome"] == "referred"  # the robot never refuses
        assert decision["reasons"] and "amount" not in decision


@SETTINGS
@given(cases())
def test_generated_cases_keep_the_invariants(c):
    application, answers = c
    before = copy.deepcopy((application, answers))
    decision = run(application, answers)
    check_invariants(decision)
    assert (application, answers) == before, "the rules never change their inputs"
    assert run(application, answers) == decision, "same inputs, same decision"


@SETTINGS
@given(households())
def test_households_built_fact_by_fact_keep_the_invariants(c):
    check_invariants(run(*c))


@SETTINGS
@given(st.integers(0, 2**32), PERIODS, st.data())
def test_any_failed_agency_of_any_member_refers(seed, period, data):
    application, answers = clean_case(random.Random(seed), "P", period)
    answer = data.draw(st.sampled_from(answers))
    agency = data.draw(st.sampled_from(sorted(answer["sources"])))
    answer["sources"][agency] = {"status": "error", "error": "down"}
    decision = run(application, answers)
    assert decision["outcome"] == "referred"
    if PARAMS.for_period(period)[1] is not None:  # without a policy version nothing says which agencies must answer
        assert "REGISTRY_UNAVAILABLE" in [r["code"] for r in decision["reasons"]]


@SETTINGS
@given(st.integers(0, 2**32), st.sampled_from(sorted(MUTATIONS)))
def test_each_generated_reason_is_found(seed, reason):
    application, answers = case_for(random.Random(seed), "P", "2023-11", reason)
    assert reason in [r["code"] for r in run(application, answers)["reasons"]]
