"""Every referral reason: the case just inside the condition is granted, the case just outside is referred."""

import dataclasses

import pytest

from robots.rules.reasons import CATALOGUE
from tests.builders import born_aged, case, pnr
from tests.conftest import POLICY, codes, run

REQUIRED_CODES = [
    "FIRST_APPLICATION", "INVALID_APPLICATION", "REGISTRY_UNAVAILABLE", "HOUSEHOLD_MISMATCH", "UNDECLARED_INCOME",
    "INCOME_MISMATCH", "NOT_REGISTERED_AF", "NO_ACTIVITY_PLAN", "CHANGES_REPORTED", "RENT_ABOVE_CEILING",
    "RENT_CHANGED", "OTHER_COSTS", "ASSETS_ABOVE_BUFFER", "VEHICLE_OWNER", "PERMIT_EXPIRED", "NO_DEFICIT",
    "AMOUNT_ABOVE_LIMIT", "NORM_TABLE_MISSING",
]


def test_every_required_code_is_in_the_catalogue_with_text_and_legal_reference():
    for code in REQUIRED_CODES:
        assert code in CATALOGUE
        assert CATALOGUE[code].text
        assert "§" in CATALOGUE[code].rule


def applicant(application):
    return application["household"]["members"][0]["personnummer"]


def first(app, answers, by):
    app["kind"] = "first"


def registry_error(app, answers, by):
    by[applicant(app)]["AF"] = {"status": "error", "error": "503 from Arbetsförmedlingen"}


def registry_not_asked(app, answers, by):
    del by[applicant(app)]["MIV"]


def registry_missing_person(app, answers, by):
    answers.pop()


def lodger_at_address(app, answers, by):
    by[applicant(app)]["SKV"]["registered_at_address"].append(pnr("1960-01-01", 99))


def child_elsewhere(app, answers, by):
    child = app["household"]["members"][1]["personnummer"]
    by[child]["SKV"]["address_id"] = "ADDR-OTHER"


def household_changed(app, answers, by):
    app["history"]["previous_members"] = app["history"]["previous_members"][:1]


def not_registered(app, answers, by):
    by[applicant(app)]["AF"].update(registered=False, activity_plan=False)


def no_plan(app, answers, by):
    by[applicant(app)]["AF"]["activity_plan"] = False


def changes(app, answers, by):
    app["changes_reported"] = True


def rent_above(app, answers, by):
    app["costs"]["rent"] = app["history"]["previous_rent"] = POLICY.rent_ceiling_with_children[0] + 1


def rent_changed(app, answers, by):
    app["history"]["previous_rent"] = app["costs"]["rent"] - 1


def other_costs(app, answers, by):
    app["costs"]["other"] = [{"description": "Tandvård", "amount": 900}]


def assets(app, answers, by):
    app["assets"] = {"bank_balance": POLICY.asset_buffer, "other": 1}


def vehicle(app, answers, by):
    by[applicant(app)]["TS"]["vehicles"] = [{"registration": "ABC123", "model_year": 2011}]


def permit_ends_in_month(app, answers, by):
    by[applicant(app)]["MIV"]["permit_valid_until"] = "2023-11-29"


def youth_out_of_school(app, answers, by):
    app["household"]["members"][1]["in_school"] = False


def table_missing(app, answers, by):
    app["period"] = "2019-11"
    for a in answers:
        a["period"] = "2019-11"


def bad_check_digit(app, answers, by):
    p = applicant(app)
    app["household"]["members"][0]["personnummer"] = p[:-1] + str((int(p[-1]) + 1) % 10)


REFERRED = [
    ("FIRST_APPLICATION", first),
    ("INVALID_APPLICATION", bad_check_digit),
    ("REGISTRY_UNAVAILABLE", registry_error),
    ("REGISTRY_UNAVAILABLE", registry_not_asked),
    ("REGISTRY_UNAVAILABLE", registry_missing_person),
    ("HOUSEHOLD_MISMATCH", lodger_at_address),
    ("HOUSEHOLD_MISMATCH", child_elsewhere),
    ("HOUSEHOLD_CHANGED", household_changed),
    ("NOT_REGISTERED_AF", not_registered),
    ("NO_ACTIVITY_PLAN", no_plan),
    ("CHANGES_REPORTED", changes),
    ("RENT_ABOVE_CEILING", rent_above),
    ("RENT_CHANGED", rent_changed),
    ("OTHER_COSTS", other_costs),
    ("ASSETS_ABOVE_BUFFER", assets),
    ("VEHICLE_OWNER", vehicle),
    ("PERMIT_EXPIRED", permit_ends_in_month),
    ("YOUTH_NOT_IN_SCHOOL", youth_out_of_school),
    ("NORM_TABLE_MISSING", table_missing),
]


def base():
    period = "2023-11"
    return case(period=period, children=[born_aged(19, period)], rent=6000)


def test_the_base_case_is_granted():
    decision = run(*base()[:2])
    assert decision["outcome"] == "granted", decision["reasons"]
    assert decision["amount"] == decision["calculation"]["deficit"] > 0


@pytest.mark.parametrize("code,change", REFERRED, ids=[f"{c}-{f.__name__}" for c, f in REFERRED])
def test_each_reason_refers_with_the_calculation_filled_in(code, change):
    application, answers, by_person = base()
    change(application, answers, by_person)
    decision = run(application, answers)
    assert decision["outcome"] == "referred"
    assert "amount" not in decision
    assert codes(decision) == [code] * len(decision["reasons"]), decision["reasons"]
    reason = decision["reasons"][0]
    assert reason["text"] and reason["rule"] == CATALOGUE[code].rule
    if code not in ("INVALID_APPLICATION", "NORM_TABLE_MISSING"):
        assert decision["calculation"]["norm"]["total"] > 0
        assert decision["calculation"]["deficit"] == decision["calculation"]["need"] - decision["calculation"]["counted_income"]


def grant_edge(app, answers, by):
    """Each condition at its edge, all at once: still a grant."""
    app["costs"]["rent"] = app["history"]["previous_rent"] = POLICY.rent_ceiling_with_children[0]
    app["assets"] = {"bank_balance": POLICY.asset_buffer - 100, "other": 100}
    by[applicant(app)]["MIV"]["permit_valid_until"] = "2023-11-30"
    app["history"]["previous_members"] = [p.replace("-", "") for p in app["history"]["previous_members"]]
    app["costs"]["other"] = []


def test_conditions_met_at_their_edges_still_grant():
    application, answers, by_person = base()
    grant_edge(application, answers, by_person)
    decision = run(application, answers)
    assert decision["outcome"] == "granted", decision["reasons"]


@pytest.mark.parametrize("extra_rent,outcome", [(0, "granted"), (1, "referred")])
def test_amount_above_the_limit_refers(extra_rent, outcome):
    application, answers, _ = case(rent=4000)
    limit = run(application, answers)["calculation"]["deficit"]  # no income: the deficit at rent 4 000
    policy = dataclasses.replace(POLICY, amount_limit=limit)
    application["costs"]["rent"] = application["history"]["previous_rent"] = 4000 + extra_rent
    decision = run(application, answers, policy=policy)
    assert decision["outcome"] == outcome
    assert codes(decision) == ([] if outcome == "granted" else ["AMOUNT_ABOVE_LIMIT"])


@pytest.mark.parametrize("income_below_need,outcome", [(1, "granted"), (0, "referred"), (-500, "referred")])
def test_no_deficit_is_referred_never_refused(income_below_need, outcome):
    application, answers, by_person = case()
    need = run(application, answers)["calculation"]["need"]
    pay = need - income_below_need
    application["declared_incomes"].append({"personnummer": applicant(application), "type": "salary", "amount": pay})
    by_person[applicant(application)]["SKV"]["employer_reported_pay"].append({"employer": "X AB", "amount": pay})
    decision = run(application, answers)
    assert decision["outcome"] == outcome != "refused"
    assert decision["calculation"]["deficit"] == income_below_need
    if outcome == "granted":
        assert decision["amount"] == 1
    else:
        assert codes(decision) == ["NO_DEFICIT"]


def test_all_reasons_are_listed_not_just_the_first():
    application, answers, by_person = base()
    for change in (first, vehicle, changes, other_costs):
        change(application, answers, by_person)
    assert codes(run(application, answers)) == ["FIRST_APPLICATION", "CHANGES_REPORTED", "OTHER_COSTS", "VEHICLE_OWNER"]


def test_the_rent_ceiling_follows_the_household_composition():
    from robots.rules.costs import rent_ceiling

    assert rent_ceiling(1, 0, POLICY) == 4474
    assert rent_ceiling(2, 0, POLICY) == 5581
    assert [rent_ceiling(1, c, POLICY) for c in range(1, 8)] == [6192, 7416, 8046, 8650, 9255, 9255, 9255]
    assert rent_ceiling(2, 2, POLICY) == 7416
