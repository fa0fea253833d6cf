"""Income: register data wins, undeclared or differing income refers, jobbstimulans, children's earnings."""

import pytest

from tests.builders import born_aged, case
from tests.conftest import codes, run


def with_pay(application, by_person, who, declared=None, registered=None, kind="salary"):
    pnr = application["household"]["members"][who]["personnummer"]
    if declared is not None:
        application["declared_incomes"].append({"personnummer": pnr, "type": kind, "amount": declared})
    if registered is not None:
        if kind == "salary":
            by_person[pnr]["SKV"]["employer_reported_pay"].append({"employer": "Exempelbolaget AB", "amount": registered})
        else:
            agency = {"student_aid": "CSN", "unemployment_benefit": "AKASSA", "pension": "PM"}.get(kind, "FK")
            by_person[pnr][agency]["payments"].append({"benefit": kind, "amount": registered})


@pytest.mark.parametrize(
    "declared,registered,counted,reason",
    [
        (8000, 8000, 8000, None),
        (8000, 8100, 8100, None),  # within the tolerance of 100: the register's amount is counted
        (8000, 7900, 7900, None),
        (8000, 8101, 8101, "INCOME_MISMATCH"),
        (8000, 7899, 7899, "INCOME_MISMATCH"),
        (None, 3000, 3000, "UNDECLARED_INCOME"),
        (None, 1, 1, "UNDECLARED_INCOME"),  # any undeclared register income, however small
        (50, None, 0, None),  # a small declared amount no register shows: the register wins
        (3000, None, 0, "INCOME_MISMATCH"),
    ],
)
def test_register_income_wins_and_differences_refer(declared, registered, counted, reason):
    application, answers, by_person = case(rent=4400)
    with_pay(application, by_person, 0, declared, registered)
    decision = run(application, answers)
    assert decision["calculation"]["income"].get("salary", 0) == counted
    assert codes(decision) == ([reason] if reason else [])
    assert decision["outcome"] == ("referred" if reason else "granted")


@pytest.mark.parametrize("kind", ["sickness_benefit", "student_aid", "unemployment_benefit", "pension", "child_allowance"])
def test_undeclared_benefit_from_each_paying_agency_refers(kind):
    application, answers, by_person = case()
    with_pay(application, by_person, 0, None, 2000, kind)
    decision = run(application, answers)
    assert codes(decision) == ["UNDECLARED_INCOME"]
    assert decision["calculation"]["income"] == {kind: 2000}


def test_income_no_register_reports_is_counted_as_declared():
    application, answers, by_person = case()
    with_pay(application, by_person, 0, 1500, None, "other")
    decision = run(application, answers)
    assert decision["outcome"] == "granted"
    assert decision["calculation"]["income"] == {"other": 1500}


def test_agency_error_is_never_read_as_no_income():
    application, answers, by_person = case()
    pnr = application["household"]["members"][0]["personnummer"]
    with_pay(application, by_person, 0, 2000, None, "sickness_benefit")
    by_person[pnr]["FK"] = {"status": "error", "error": "Försäkringskassan timeout"}
    decision = run(application, answers)
    assert codes(decision) == ["REGISTRY_UNAVAILABLE"]  # not INCOME_MISMATCH, not a grant on 0 kr income
    assert decision["outcome"] == "referred"
    assert decision["calculation"]["income"] == {"sickness_benefit": 2000}  # what we know is still shown
    assert "Försäkringskassan timeout" in decision["reasons"][0]["text"]


@pytest.mark.parametrize(
    "months,used,applies",
    [
        (5, 0, False),  # five months in a row: not yet
        (6, 0, True),  # the sixth month: applies
        (7, 0, True),
        (30, 23, True),  # the 24th month of jobbstimulans
        (30, 24, False),  # the 25th: used up
        (0, 0, False),
    ],
)
def test_jobbstimulans_leaves_out_a_quarter_of_pay_after_six_months_for_at_most_24(months, used, applies):
    application, answers, by_person = case(months=months, jobbstimulans_used=used)
    with_pay(application, by_person, 0, 8002, 8002)
    decision = run(application, answers)
    calc = decision["calculation"]
    assert calc["disregarded_income"] == ({"jobbstimulans": 2001} if applies else {})  # 2000.5 rounds up
    assert calc["counted_income"] == (8002 - 2001 if applies else 8002)
    assert decision["outcome"] == "granted"


def test_jobbstimulans_is_per_adult_and_counts_pay_only():
    application, answers, by_person = case(partner="1988-08-08", months=12)
    with_pay(application, by_person, 0, 6000, 6000)
    with_pay(application, by_person, 1, 4001, 4001)
    with_pay(application, by_person, 1, 3000, 3000, "parental_benefit")
    calc = run(application, answers)["calculation"]
    assert calc["disregarded_income"] == {"jobbstimulans": 1500 + 1000}  # 1000.25 rounds down
    assert calc["income"] == {"salary": 10001, "parental_benefit": 3000}
    assert calc["counted_income"] == 10001 + 3000 - 2500


def test_a_schoolchilds_own_earnings_are_left_out_up_to_a_twelfth_of_a_prisbasbelopp():
    period = "2023-07"
    application, answers, by_person = case(period=period, children=[born_aged(16, period)])
    with_pay(application, by_person, 1, 3000, 3000)
    decision = run(application, answers)
    assert decision["outcome"] == "granted"
    assert decision["calculation"]["disregarded_income"] == {"children_earnings": 3000}
    assert decision["calculation"]["counted_income"] == 0


def test_a_schoolchild_earning_more_than_the_monthly_share_refers():
    period = "2023-07"  # prisbasbelopp 2023: 52 500, a twelfth 4 375
    application, answers, by_person = case(period=period, children=[born_aged(17, period)])
    with_pay(application, by_person, 1, 6000, 6000)
    decision = run(application, answers)
    assert codes(decision) == ["CHILD_EARNINGS_ABOVE_LIMIT"]
    assert decision["calculation"]["disregarded_income"] == {"children_earnings": 4375}
    assert decision["calculation"]["counted_income"] == 6000 - 4375


def test_a_youth_not_in_school_gets_no_earnings_disregard_and_refers():
    period = "2023-07"
    application, answers, by_person = case(period=period, children=[(born_aged(19, period), {"in_school": False})])
    with_pay(application, by_person, 1, 3000, 3000)
    decision = run(application, answers)
    assert codes(decision) == ["YOUTH_NOT_IN_SCHOOL"]
    assert decision["calculation"]["disregarded_income"] == {}
