"""The calculation on columns (robots/rules/batch.py) equals the per-case engine figure for figure, on
generated households, under the real parameters and under changed ones."""

import copy
import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from robots.config import load_parameters, load_seed_mix
from robots.contract.validate import application_problems
from robots.decide import decide, register_answers
from robots.rules import conditions, parse_case
from robots.rules.batch import COLUMN_CHECKS, FIXED_CHECKS, evaluate, features
from robots.rules.parameters import Parameters
from robots.synthetic import population

PARAMS = load_parameters()
DECIDED_AT = "2026-11-26T10:00:00+01:00"


def households(n, seed, period):
    """Generated households, varied where the parameters bite: shared dwellings, lunch outside the home, assets,
    rents and declared incomes about the policy's edges, childcare fees; and children out of school, 'other'
    income, a member with no register answer, a member paid elsewhere this month."""
    rng = random.Random(seed)
    for i, case in enumerate(population(n, seed, period, load_seed_mix())):
        application = copy.deepcopy(case.application) | {"application_id": f"B-{i}"} | ({"history": case.history} if case.history else {})
        members = application["household"]["members"]
        if rng.random() < 0.3:
            application["household"]["dwelling_size"] = len(members) + rng.randint(1, 6)
        for m in members:
            if m["role"] == "child":
                m["lunch_outside_home"] = rng.random() < 0.4
        if rng.random() < 0.4:
            application["assets"] = {"bank_balance": rng.choice([0, 9999, 10000, 10001, rng.randint(0, 30000)])}
        if rng.random() < 0.4:
            application["costs"]["rent"] = rng.randint(3000, 14000)
        if rng.random() < 0.2:
            application["costs"]["childcare"] = rng.randint(100, 1500)
        for declared in application.get("declared_incomes", []):
            if rng.random() < 0.3:
                declared["amount"] = max(0, declared["amount"] + rng.choice([-101, -100, 100, 101, rng.randint(-2000, 2000)]))
        for m in members:
            if m["role"] == "child" and rng.random() < 0.2:
                m["in_school"] = False
        if rng.random() < 0.1:
            application.setdefault("declared_incomes", []).append(
                {"personnummer": members[0]["personnummer"], "type": "other", "amount": rng.randint(1, 3000)})
        answers = list(case.answers)
        if rng.random() < 0.1 and answers:
            answers.pop(rng.randrange(len(answers)))  # a member the registers were never asked about
        elsewhere = {members[-1]["personnummer"].replace("-", ""): "EB-OTHER"} if rng.random() < 0.1 else {}
        yield application, answers, elsewhere


def changed(policy, change):
    """A policy version changed as a committee might change it."""
    return {
        "as it is": policy,
        "raised ceilings": dataclasses.replace(policy, rent_ceiling_one_adult=policy.rent_ceiling_one_adult + 4000,
                                               rent_ceiling_two_adults=policy.rent_ceiling_two_adults + 4000,
                                               rent_ceiling_with_children=tuple(c + 4000 for c in policy.rent_ceiling_with_children)),
        "strict": dataclasses.replace(policy, income_tolerance=100, asset_buffer=10000, amount_limit=9000,
                                      adult_sources=policy.adult_sources + ("TS",), child_sources=("SKV", "CSN")),
        "childcare accepted": dataclasses.replace(policy, accepted_costs=("childcare",), income_tolerance=2000),
    }[change]


def test_every_check_of_the_engine_is_fixed_or_a_column_in_the_batch():
    assert set(FIXED_CHECKS) | set(COLUMN_CHECKS) == set(conditions.CHECKS)
    assert not set(FIXED_CHECKS) & set(COLUMN_CHECKS)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), period=st.sampled_from(["2021-06", "2023-11", "2026-02", "2026-12"]),
       change=st.sampled_from(["as it is", "raised ceilings", "strict", "childcare accepted"]))
def test_the_batch_gives_the_engines_figures_outcome_and_reasons(seed, period, change):
    table, policy = PARAMS.for_period(period)
    policy = changed(policy, change)
    params = Parameters((table,), (dataclasses.replace(policy, valid_from=min(policy.valid_from, table.valid_from)),), PARAMS.law)
    cases, expected = [], []
    for application, answers, elsewhere in households(30, seed, period):
        cases.append(None if application_problems(application) else parse_case(application, register_answers(answers, period), elsewhere))
        expected.append(decide(application, answers, params, decided_at=DECIDED_AT, granted_elsewhere=elsewhere))
    out = evaluate(features(period, cases), table, params.policies[0])
    for i, d in enumerate(expected):
        got = {"outcome": "granted" if out.granted[i] else "referred", "reasons": set(out.codes(i)),
               "amount": int(out.amount[i]) if out.granted[i] else None}
        want = {"outcome": d["outcome"], "reasons": {r["code"] for r in d["reasons"]}, "amount": d.get("amount")}
        assert got == want, (i, d["application_id"])
        c = d["calculation"]
        if c.get("made") is not False:
            assert (int(out.norm[i]), int(out.need[i]), int(out.counted_income[i]), int(out.deficit[i])) == (
                c["norm"]["total"], c["need"], c["counted_income"], c["deficit"]), (i, d["application_id"])
        else:
            assert not out.made[i]
