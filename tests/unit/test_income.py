"""Income: register data wins, undeclared or differing income refers, jobbstimulans, children's earnings."""

import pytest

from tests.builders import NEW_LAW_TIME, born_aged, case, pay
from tests.conftest import codes, run


def with_pay(application, by_person, who, declared=None, registered=None, kind="salary", tax_withheld=0):
    """Income of member `who`: declared in the application and/or in a register (pay: net, with tax beside it)."""
    pnr = application["household"]["members"][who]["personnummer"]
    if declared is not None:
        application["declared_incomes"].append({"personnummer": pnr, "type": kind, "amount": declared})
    if registered is not None:
        if kind == "salary":
            by_person[pnr]["SKV"]["employer_reported_pay"].append(pay(registered, tax_withheld))
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
    assert "Försäkringskassan (myndigheten svarade med ett fel)" in decision["reasons"][0]["text"]
    assert "timeout" not in decision["reasons"][0]["text"]  # the agency's own words never reach the letter


def test_pay_is_counted_net_of_the_tax_withheld():
    application, answers, by_person = case(rent=4400)
    with_pay(application, by_person, 0, 7400, 7400, tax_withheld=2600)  # gross 10 000
    decision = run(application, answers)
    assert decision["outcome"] == "granted"
    assert decision["calculation"]["income"] == {"salary": 7400}


def test_pay_from_two_employers_is_added_net():
    application, answers, by_person = case(rent=4400)
    pnr = application["household"]["members"][0]["personnummer"]
    by_person[pnr]["SKV"]["employer_reported_pay"] += [pay(3000, 900, "A AB"), pay(2000, 0, "B AB")]
    application["declared_incomes"].append({"personnummer": pnr, "type": "salary", "amount": 5000})
    assert run(application, answers)["calculation"]["income"] == {"salary": 5000}


def test_more_tax_withheld_than_gross_pay_is_a_broken_answer_so_skatteverket_failed():
    application, answers, by_person = case(rent=4400)
    pnr = application["household"]["members"][0]["personnummer"]
    application["declared_incomes"].append({"personnummer": pnr, "type": "salary", "amount": 5000})
    by_person[pnr]["SKV"]["employer_reported_pay"].append({"employer": "X AB", "gross": 3000, "tax_withheld": 3001})
    decision = run(application, answers)
    assert codes(decision) == ["REGISTRY_UNAVAILABLE"]
    assert "Skatteverket (svaret följde inte formatet)" in decision["reasons"][0]["text"]
    assert decision["calculation"]["income"] == {"salary": 5000}  # as declared: never a negative or zero pay


@pytest.mark.parametrize(
    "months,since,applies",
    [
        (5, None, False),  # five months in a row: not yet
        (6, None, True),  # the sixth month, no period started: it starts now
        (7, None, True),
        (30, "2023-11", True),  # month 1 of the period (the period applied for is 2023-11)
        (30, "2021-12", True),  # month 24 of the period
        (30, "2021-11", False),  # month 25: the two years are over
        (5, "2023-01", False),  # within the two years, but not six months in a row now
        (30, "2023-12", False),  # a period starting after the month applied for is not this one's
        (0, None, False),
    ],
)
def test_jobbstimulans_leaves_out_a_quarter_of_net_pay_after_six_months_for_two_years(months, since, applies):
    application, answers, by_person = case(months=months, jobbstimulans_since=since)
    with_pay(application, by_person, 0, 8002, 8002, tax_withheld=2500)
    decision = run(application, answers)
    calc = decision["calculation"]
    assert calc["disregarded_income"] == ({"jobbstimulans": 2001} if applies else {})  # 2000.5 rounds up; of net pay
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


# SoL 12 kap. 9 §: a child's own earnings. (age, in school, earned earlier this year, this month) ->
# (left out, counted, reasons). Prisbasbelopp 2026: 59 200.
@pytest.mark.parametrize(
    "age,in_school,earlier,this_month,left_out,counted,reasons",
    [
        (16, False, 0, 3000, 3000, 0, []),  # under 18, not in school: not counted
        (16, True, 0, 3000, 3000, 0, []),
        (17, True, 50_000, 9200, 9200, 0, []),  # exactly one prisbasbelopp this year: not above it
        (17, True, 50_000, 9201, 9201, 0, ["CHILD_EARNINGS_ABOVE_LIMIT"]),  # crossed this month: referred, excess never counted
        (18, True, 0, 3000, 3000, 0, []),  # 18-20 in school: not counted
        (19, True, 0, 3000, 3000, 0, []),  # a 19-year-old in school with pay: not counted
        (18, False, 0, 3000, 0, 3000, []),  # 18, not in school: own earnings counted
        (19, False, 0, 3000, 0, 3000, ["YOUTH_NOT_IN_SCHOOL"]),  # 19 not in school: a person decides
    ],
)
def test_childrens_and_school_youths_own_earnings(age, in_school, earlier, this_month, left_out, counted, reasons):
    period = "2026-07"
    application, answers, by_person = case(period=period, months=12, children=[(born_aged(age, period), {"in_school": in_school})])
    child = application["household"]["members"][1]["personnummer"]
    application["history"]["child_earnings_this_year"] = {child: earlier} if earlier else {}
    with_pay(application, by_person, 1, this_month, this_month, tax_withheld=400)
    decision = run(application, answers, decided_at=NEW_LAW_TIME)
    calc = decision["calculation"]
    assert codes(decision) == reasons
    assert calc["disregarded_income"] == ({"children_earnings": left_out} if left_out else {})  # never jobbstimulans
    assert calc.get("child_earnings", {}) == ({child: left_out} if left_out else {})
    assert calc["counted_income"] == counted
    if reasons == ["CHILD_EARNINGS_ABOVE_LIMIT"]:
        assert "överskjutande del 1 kr" in decision["reasons"][0]["text"]
        assert "12 kap. 9 §" in decision["reasons"][0]["rule"]


@pytest.mark.parametrize("first", ["error", "ok"])
def test_two_different_answers_for_one_person_make_the_persons_data_unusable_whatever_their_order(first):
    application, answers, by_person = case()
    pnr = application["household"]["members"][0]["personnummer"]
    ok_answer = answers[0]
    failing = {**ok_answer, "sources": {**ok_answer["sources"], "FK": {"status": "error", "error": "<b>Ring 112</b>"}}}
    answers[:] = [failing, ok_answer] if first == "error" else [ok_answer, failing]
    decision = run(application, answers)
    assert codes(decision) == ["REGISTRY_UNAVAILABLE"]
    assert decision["reasons"][0]["personnummer"] == pnr
    assert "motstridiga svar om samma person" in decision["reasons"][0]["text"]
    assert "Ring 112" not in decision["reasons"][0]["text"]


def test_the_same_answer_twice_is_one_answer():
    application, answers, _ = case()
    answers.append(answers[0])
    assert run(application, answers)["outcome"] == "granted"
