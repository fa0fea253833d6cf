"""Bad input: every problem with an application is listed in one INVALID_APPLICATION referral; a register
answer that breaks its schema fails that agency (REGISTRY_UNAVAILABLE), never reads as "no data"."""

import pytest

from robots.contract.validate import application_problems, registry_sources, usable_application_id
from tests.builders import born_aged, case, pnr
from tests.conftest import codes, run


def problems_after(change):
    application, _, _ = case(children=[born_aged(5, "2023-11")])
    change(application)
    return application_problems(application)


def test_a_valid_application_has_no_problems():
    assert problems_after(lambda a: None) == []


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda a: a.pop("kind"), '"kind" is a required property'),
        (lambda a: a["costs"].update(rent=-1), "costs.rent: -1 is less than the minimum of 0"),
        (lambda a: a.update(period="2023-13"), "period:"),
        (lambda a: a.update(submitted_at="yesterday"), "submitted_at:"),
        (lambda a: a.update(application_id="X" * 32), "application_id:"),
        (lambda a: a["household"]["members"][0].update(role="boss"), "household.members.0.role:"),
        (lambda a: a.update(unexpected=1), "Additional properties are not allowed"),
        (lambda a: a["costs"].update(rent=12.5), "costs.rent: 12.5 is not of type \"integer\""),
    ],
)
def test_schema_violations_are_named_by_their_place(change, expected):
    assert any(expected in p for p in problems_after(change)), problems_after(change)


def bad_digit(p):
    return p[:-1] + str((int(p[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda a: a["household"]["members"][0].update(personnummer=bad_digit(a["household"]["members"][0]["personnummer"])),
         "household.members.0.personnummer: 19850615-****: not a valid personnummer"),
        (lambda a: a["household"]["members"][1].update(personnummer=pnr(born_aged(21, "2023-11"), 3)),
         "household.members.1: a child must be at most 20 years old; this one is 21"),
        (lambda a: a["household"]["members"].append(dict(a["household"]["members"][1])),
         "household.members.2.personnummer: 20171115-****: the same person is listed twice"),
        (lambda a: a["household"]["members"].append({"personnummer": pnr("1990-01-01", 5), "role": "applicant"}),
         "must have exactly one applicant, has 2"),
        (lambda a: a["household"].update(dwelling_size=1), "household.dwelling_size: 1 is fewer than the 2 members"),
        (lambda a: a["declared_incomes"].append({"personnummer": pnr("1990-01-01", 5), "type": "salary", "amount": 1}),
         "is not a member of the household"),
        (lambda a: a["history"]["previous_members"].append("19850615-0000"), "history.previous_members.2:"),
        (lambda a: a["household"]["members"][1].update(personnummer=pnr("2023-12-05", 3)), "born after the month applied for"),
    ],
)
def test_checks_a_schema_cannot_express(change, expected):
    assert any(expected in p for p in problems_after(change)), problems_after(change)


def test_every_problem_is_listed_in_one_referral():
    application, answers, _ = case()
    application["costs"]["rent"] = -5
    application.pop("kind")
    m = application["household"]["members"][0]
    m["personnummer"] = bad_digit(m["personnummer"])
    decision = run(application, answers)
    assert decision["outcome"] == "referred"
    assert set(codes(decision)) == {"INVALID_APPLICATION"}
    texts = " | ".join(r["text"] for r in decision["reasons"])
    assert "costs.rent" in texts and '"kind"' in texts and "not a valid personnummer" in texts
    assert len(decision["reasons"]) == 3
    assert m["personnummer"] not in texts  # the caseworker sees a masked number in free text


def test_an_unparseable_period_is_filed_under_the_month_it_was_handled():
    application, answers, _ = case()
    application["period"] = "november"
    decision = run(application, answers)
    assert decision["period"] == "2023-10" and codes(decision) == ["INVALID_APPLICATION"]


@pytest.mark.parametrize("app,usable", [({"application_id": "A-1"}, "A-1"), ({"application_id": ""}, None),
                                        ({"application_id": 7}, None), ({}, None), ([], None)])
def test_usable_application_id(app, usable):
    assert usable_application_id(app) == usable


def test_a_register_answer_breaking_its_schema_fails_that_agency_only():
    application, answers, by_person = case()
    p = application["household"]["members"][0]["personnummer"]
    by_person[p]["FK"] = {"status": "ok", "payments": [{"benefit": "sickness_benefit", "amount": "lots"}]}
    key, sources, problems = registry_sources(answers[0], "2023-11")
    assert sources["FK"]["status"] == "error" and "invalid answer" in sources["FK"]["error"]
    assert sources["SKV"]["status"] == "ok"
    assert problems and problems[0].startswith("sources.FK")
    decision = run(application, answers)
    assert codes(decision) == ["REGISTRY_UNAVAILABLE"]
    assert "Försäkringskassan" in decision["reasons"][0]["text"]


@pytest.mark.parametrize("breakage", ["period", "sources", "status"])
def test_an_unusable_register_answer_is_never_read_as_no_data(breakage):
    application, answers, by_person = case()
    p = application["household"]["members"][0]["personnummer"]
    by_person[p]["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 9000})  # undeclared
    if breakage == "period":
        answers[0]["period"] = "2023-10"
    elif breakage == "sources":
        answers[0]["sources"] = "garbage"
    else:
        by_person[p]["FK"].pop("status")
    decision = run(application, answers)
    assert decision["outcome"] == "referred"
    assert "REGISTRY_UNAVAILABLE" in codes(decision)


def test_a_register_answer_that_is_not_an_object_is_ignored_and_the_member_counts_as_unanswered():
    application, answers, _ = case()
    answers[0] = "not an answer"
    assert codes(run(application, answers)) == ["REGISTRY_UNAVAILABLE"]
