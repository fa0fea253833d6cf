"""Every referral reason: the case just inside the condition is granted, the case just outside is referred."""

import dataclasses
import json
from datetime import date

import pytest

from robots.rules.reasons import CATALOGUE, cite, provision_keys
from tests.builders import FIXED_TIME, NEW_LAW_TIME, born_aged, case, pay, pnr
from tests.conftest import PARAMS, POLICY, codes, run, with_policy

REQUIRED_CODES = [
    "FIRST_APPLICATION", "INVALID_APPLICATION", "REGISTRY_UNAVAILABLE", "HOUSEHOLD_MISMATCH", "UNDECLARED_INCOME",
    "INCOME_MISMATCH", "NOT_REGISTERED_AF", "NO_ACTIVITY_PLAN", "CHANGES_REPORTED", "RENT_ABOVE_CEILING",
    "RENT_CHANGED", "OTHER_COSTS", "ASSETS_ABOVE_BUFFER", "VEHICLE_OWNER", "PERMIT_EXPIRED", "NO_DEFICIT",
    "AMOUNT_ABOVE_LIMIT", "NORM_TABLE_MISSING", "POLICY_MISSING", "CHILD_EARNINGS_ABOVE_LIMIT", "YOUTH_NOT_IN_SCHOOL",
]


def test_every_required_code_is_in_the_catalogue_with_text_and_legal_reference():
    for code in REQUIRED_CODES:
        assert code in CATALOGUE
        assert CATALOGUE[code].text
        assert provision_keys(CATALOGUE[code].rule) <= PARAMS.law.provisions.keys()
        assert "§" in cite(CATALOGUE[code].rule, PARAMS.law, date.today())


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
    app["period"] = "2024-11"  # no 2024 table: it is not computed from a percentage, it waits for the statute text
    for a in answers:
        a["period"] = "2024-11"


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
    assert reason["text"] and reason["rule"] == cite(CATALOGUE[code].rule, PARAMS.law, date.fromisoformat(FIXED_TIME[:10]))
    if code in ("INVALID_APPLICATION", "NORM_TABLE_MISSING"):
        assert decision["calculation"]["made"] is False  # nothing computed: no figure to mistake for a result
        assert set(decision["calculation"]) == {"made", "why"}
    else:
        assert decision["calculation"]["norm"]["total"] > 0
        assert decision["calculation"]["deficit"] == decision["calculation"]["need"] - decision["calculation"]["counted_income"]


def test_a_period_without_a_policy_version_is_referred_with_nothing_computed():
    later = dataclasses.replace(PARAMS, policies=(dataclasses.replace(POLICY, valid_from=date(2024, 1, 1)),))
    decision = run(*base()[:2], later)
    assert codes(decision) == ["POLICY_MISSING"]
    assert decision["calculation"]["made"] is False
    assert "delegation" not in decision and "policy" not in decision["parameters"]


def no_deficit(app, answers, by):
    app["declared_incomes"].append({"personnummer": applicant(app), "type": "salary", "amount": 30_000})
    by[applicant(app)]["SKV"]["employer_reported_pay"].append(pay(30_000, 9000))


def child_earnings_above_limit(app, answers, by):
    child = app["household"]["members"][1]["personnummer"]
    app["history"]["child_earnings_this_year"] = {child: 52_000}
    app["declared_incomes"].append({"personnummer": child, "type": "salary", "amount": 1000})
    by[child]["SKV"]["employer_reported_pay"].append(pay(1000, 100))


def walk_every_code():
    """(code, parameters, change) reaching each code of the catalogue, once at least."""
    amount_limit = with_policy(amount_limit=1)
    no_policy = dataclasses.replace(PARAMS, policies=(dataclasses.replace(POLICY, valid_from=date(2024, 1, 1)),))
    walks = [(code, PARAMS, change, None) for code, change in REFERRED]
    walks += [("NO_DEFICIT", PARAMS, no_deficit, None), ("AMOUNT_ABOVE_LIMIT", amount_limit, changes, None),
              ("CHILD_EARNINGS_ABOVE_LIMIT", PARAMS, child_earnings_above_limit, None), ("POLICY_MISSING", no_policy, changes, None),
              ("UNDECLARED_INCOME", PARAMS, lambda app, answers, by: by[applicant(app)]["FK"]["payments"].append(
                  {"benefit": "sickness_benefit", "amount": 900}), None),
              ("INCOME_MISMATCH", PARAMS, lambda app, answers, by: app["declared_incomes"].append(
                  {"personnummer": applicant(app), "type": "sickness_benefit", "amount": 900}), None),
              ("DUPLICATE_APPLICATION", PARAMS, lambda *a: None, {applicant(base()[0]).replace("-", ""): "EB-2023-0000001"})]
    return walks


@pytest.mark.parametrize("decided_at,cited,never", [
    (NEW_LAW_TIME, ["2025:400", "2025:468"], ["2001:453", "2001:937"]),
    ("2025-07-01T08:00:00+02:00", ["2025:400"], ["2001:453", "2001:937"]),  # the first day of the new law
    ("2025-06-30T16:00:00+02:00", ["2001:453"], ["2025:400", "2025:468"]),  # the last day of the old
])
def test_every_reason_cites_the_law_in_force_on_the_day_of_the_decision(decided_at, cited, never):
    reached, everything = set(), ""
    for code, params, change, elsewhere in walk_every_code() + [("(grant)", PARAMS, lambda *a: None, None)]:
        application, answers, by_person = base()  # for 2023-11: the decision day, not the period, picks the law cited
        change(application, answers, by_person)
        decision = run(application, answers, params, decided_at=decided_at, granted_elsewhere=elsewhere)
        text = json.dumps(decision, ensure_ascii=False)
        reached |= set(codes(decision)) or {"(grant)"}
        for old in never:
            assert old not in text, (code, decision["reasons"] or decision.get("legal_basis"))
        everything += text
        if decision["outcome"] == "granted":
            assert any("35 kap. 1 §" in b or "16 kap. 3 §" in b for b in decision["legal_basis"])  # how to appeal
    assert reached >= set(CATALOGUE) | {"(grant)"}, set(CATALOGUE) - reached
    assert all(new in everything for new in cited)


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
    params = with_policy(amount_limit=limit)
    application["costs"]["rent"] = application["history"]["previous_rent"] = 4000 + extra_rent
    decision = run(application, answers, params)
    assert decision["outcome"] == outcome
    assert codes(decision) == ([] if outcome == "granted" else ["AMOUNT_ABOVE_LIMIT"])


@pytest.mark.parametrize("income_below_need,outcome", [(1, "granted"), (0, "referred"), (-500, "referred")])
def test_no_deficit_is_referred_never_refused(income_below_need, outcome):
    application, answers, by_person = case()
    need = run(application, answers)["calculation"]["need"]
    pay_net = need - income_below_need
    application["declared_incomes"].append({"personnummer": applicant(application), "type": "salary", "amount": pay_net})
    by_person[applicant(application)]["SKV"]["employer_reported_pay"].append(pay(pay_net))
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


def test_a_member_granted_the_month_in_another_application_refers_naming_it():
    application, answers, _ = base()
    child = application["household"]["members"][1]["personnummer"]
    decision = run(application, answers, granted_elsewhere={child.replace("-", ""): "EB-2023-0000042"})
    assert codes(decision) == ["DUPLICATE_APPLICATION"]
    assert decision["reasons"][0]["personnummer"] == child
    assert "EB-2023-0000042" in decision["reasons"][0]["text"]
    assert decision["calculation"]["deficit"] > 0 and "amount" not in decision


@pytest.mark.parametrize("referral_delegation", [None, "punkt 3.2: automatiserad överlämning till handläggare"])
def test_a_grant_cites_the_grants_delegation_and_a_referral_only_one_for_referring(referral_delegation):
    params = with_policy(referral_delegation=referral_delegation)
    granted = run(*base()[:2], params)
    application, answers = base()[:2]
    application["changes_reported"] = True
    referred = run(application, answers, params)
    assert granted["outcome"] == "granted" and granted["delegation"] == POLICY.delegation
    assert referred["outcome"] == "referred" and referred.get("delegation") == referral_delegation
