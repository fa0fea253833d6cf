"""Bad input: every problem with an application is listed in one INVALID_APPLICATION referral; a register
answer that breaks its schema fails that agency (REGISTRY_UNAVAILABLE), never reads as "no data"."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robots.contract import validator
from robots.contract.limits import MAX_DEPTH, MAX_PROBLEM_CHARS, MAX_PROBLEMS
from robots.contract.validate import (
    application_problems,
    first_float,
    registry_sources,
    usable_application_id,
)
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
        (lambda a: a["costs"].update(rent=12.5), "costs.rent: 12.5 is not a whole number of kronor written as an integer"),
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


@pytest.mark.parametrize("part", ["hello", None, [1, 2], {"status": "ok"}, {"status": "error", "error": "down"}])
def test_a_part_from_an_agency_the_contract_does_not_name_is_left_out(part):
    application, answers, _ = case()
    expected = run(application, answers)
    answers[0]["sources"]["XYZ"] = part  # the schema lets it in; the rules read no such agency
    key, sources, problems = registry_sources(answers[0], "2023-11")
    assert "XYZ" not in sources and not problems
    assert run(application, answers) == expected


def test_a_register_answer_that_is_not_an_object_is_ignored_and_the_member_counts_as_unanswered():
    application, answers, _ = case()
    answers[0] = "not an answer"
    assert codes(run(application, answers)) == ["REGISTRY_UNAVAILABLE"]


# --- the limits (robots/contract/limits.py): each breach one problem line, never an exception ----------

def children(n):
    """n children of distinct ages 0-19, so that nothing but their number is wrong."""
    return [born_aged(age, "2023-11") for age in range(n)]


def deep(levels):
    value = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda a: a["costs"].update(rent=7200.0), "costs.rent: 7200.0 is not a whole number of kronor written as an integer"),
        (lambda a: a["declared_incomes"].append({"personnummer": a["household"]["members"][0]["personnummer"], "type": "other", "amount": 1e3}),
         "declared_incomes.0.amount: 1000.0 is not a whole number of kronor written as an integer"),
        (lambda a: a["household"].update(dwelling_size=2.0), "household.dwelling_size: 2.0 is not a whole number written as an integer"),
        (lambda a: a["costs"].update(rent=float("nan")), "costs.rent: nan is not a whole number of kronor written as an integer"),
        (lambda a: a["costs"].update(rent=10**5000), "costs.rent: a number of more than 15 digits is not one this system takes"),
        (lambda a: a["costs"].update(rent=-(10**5000)), "costs.rent: a number of more than 15 digits is not one this system takes"),
        (lambda a: a["costs"].update(rent=1_000_001), "costs.rent: 1000001 kr is more than the 1000000 kr this system takes"),
        (lambda a: a["costs"].update(other=[{"description": "tandvård", "amount": 1_000_001}]),
         "costs.other.0.amount: 1000001 kr is more than the 1000000 kr this system takes"),
        (lambda a: a["assets"].update(bank_balance=100_000_001), "assets.bank_balance: 100000001 kr is more than the 100000000 kr this system takes"),
        (lambda a: a["history"].update(previous_rent=1_000_001), "history.previous_rent: 1000001 kr is more than the 1000000 kr this system takes"),
        (lambda a: a["household"].update(dwelling_size=31), "household.dwelling_size: 31 persons is more than the 30 this system takes"),
        (lambda a: a["household"].update(dwelling_size=10**9), "household.dwelling_size: 1000000000 persons is more than the 30 this system takes"),
        (lambda a: a["history"].update(consecutive_months_on_assistance=1201),
         "history.consecutive_months_on_assistance: 1201 months is more than the 1200 this system takes"),
        (lambda a: a["declared_incomes"].extend(
            [{"personnummer": a["household"]["members"][0]["personnummer"], "type": "other", "amount": 1}] * 101),
         "declared_incomes: 101 incomes; at most 100 are taken"),
        (lambda a: a["costs"].update(other=[{"description": "x", "amount": 1}] * 51), "costs.other: 51 costs; at most 50 are taken"),
        (lambda a: a["history"].update(previous_members=a["history"]["previous_members"][:1] * 21), "history.previous_members: 21 members; at most 20 are taken"),
        (lambda a: a.update(message="x" * 4001), "message: 4001 characters; at most 4000 are taken"),
        (lambda a: a.update(message="hej\x00"), "message: holds a control character (U+0000)"),
        (lambda a: a.update(message="hej \u202egnap"), "message: holds a control character (U+202E)"),
        (lambda a: a.update(message="bad \x85 next line"), "message: holds a control character (U+0085)"),
        (lambda a: a.update(application_id="T-1\n"), "application_id: holds a control character (U+000A)"),
        (lambda a: a.update(kind="rep\ud800eat"), "kind: holds a lone surrogate, which is no character"),
        (lambda a: a["costs"].update({"\udc00": 1}), "costs: a property name holds a lone surrogate, which is no character"),
        (lambda a: a["costs"].update(other=deep(100_000)), "costs.other" + ".0" * (MAX_DEPTH - 2) + ": nested deeper than 32 levels"),
    ],
)
def test_each_limit_breach_is_exactly_one_problem_line(change, expected):
    assert problems_after(change) == [expected]


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["costs"].update(rent=1_000_000),
        lambda a: a["assets"].update(bank_balance=100_000_000),
        lambda a: a["household"].update(dwelling_size=30),
        lambda a: a["history"].update(consecutive_months_on_assistance=1200),
        lambda a: a.update(message="x" * 4000),
        lambda a: a.update(message="Hej!\r\n\tVi har flyttat. <script>alert(1)</script> ＡＢＣ مرحبا 😀"),
        lambda a: a["costs"].update(other=[{"description": "x", "amount": 1}] * 50),
        lambda a: a["costs"].update(other=deep(MAX_DEPTH - 2)),  # other is level 3: 32 levels in all
    ],
)
def test_at_the_limits_nothing_is_wrong_but_the_schema(change):
    problems = problems_after(change)
    assert not any("this system takes" in p or "control" in p or "nested" in p or "are taken" in p for p in problems), problems


def test_a_household_of_twenty_is_taken_and_of_twenty_one_is_not():
    application, _, _ = case(children=children(19))
    application["history"]["previous_members"] = [m["personnummer"] for m in application["household"]["members"]]
    assert application_problems(application) == []
    application, _, _ = case(children=children(20))
    application["history"]["previous_members"] = []
    assert application_problems(application) == ["household.members: 21 members; at most 20 are taken"]


def test_problems_are_bounded_in_number_and_length_and_hold_nothing_that_is_no_text():
    application, answers, _ = case()
    members = application["household"]["members"]
    members.extend([dict(members[0]) for _ in range(10_000)])
    application["kind"] = "<" + "\u202e" * 2 + "x" * 5000 + ">"
    problems = application_problems(application)
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1].startswith("and ") and problems[-1].endswith(" more problems")
    assert all(len(p) <= MAX_PROBLEM_CHARS for p in problems)
    assert "household.members: 10001 members; at most 20 are taken" in problems
    application["kind"] = "x" * 3000  # the schema quotes the value: cut
    [line] = [p for p in application_problems(application) if p.startswith("kind:")]
    assert len(line) == MAX_PROBLEM_CHARS and line.endswith("…")
    decision = run(application, answers)
    assert decision["outcome"] == "referred" and set(codes(decision)) == {"INVALID_APPLICATION"}


@pytest.mark.parametrize("value", ["\ud800", "a\x00b", "\u2066x"])
def test_a_property_name_that_is_no_text_never_reaches_a_problem_line(value):
    application, _, _ = case()
    application[value] = 1
    problems = application_problems(application)
    assert problems and not any(c in p for p in problems for c in value if not c.isalnum())


def test_the_first_float_is_found_wherever_it_is():
    assert first_float({"a": [1, {"b": 2.0}], "c": 3.5}) == "a.1.b"
    assert first_float({"a": [1, True, None, "1.5"]}) is None
    assert first_float(7.0) == "(the value)"


def register_change(change):
    application, answers, by_person = case()
    sources = by_person[application["household"]["members"][0]["personnummer"]]
    change(sources, answers[0])
    return application, answers, registry_sources(answers[0], "2023-11")


@pytest.mark.parametrize(
    "change,agency,expected",
    [
        (lambda s, a: s["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 7200.0}), "FK",
         "payments.0.amount: 7200.0 is not a whole number of kronor written as an integer"),
        (lambda s, a: s["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 1_000_001}), "FK",
         "payments.0.amount: 1000001 kr is more than the 1000000 kr this system takes"),
        (lambda s, a: s["SKV"]["employer_reported_pay"].append({"employer": "X", "gross": 2_000_000, "tax_withheld": 0}), "SKV",
         "employer_reported_pay.0.gross: 2000000 kr is more than the 1000000 kr this system takes"),
        (lambda s, a: s["SKV"].update(employer_reported_pay=[{"employer": "X", "gross": 1, "tax_withheld": 0}] * 101), "SKV",
         "employer_reported_pay: 101 entries; at most 100 are taken"),
        (lambda s, a: s["AF"].update(registered_since="\ud800"), "AF", "registered_since: holds a lone surrogate, which is no character"),
        (lambda s, a: s["SKV"].update(address_id="A\x00"), "SKV", "address_id: holds a control character (U+0000)"),
        (lambda s, a: s["TS"]["vehicles"].append({"registration": "ABC123", "model_year": 2001.0}), "TS",
         "vehicles.0.model_year: 2001.0 is not a whole number written as an integer"),
        (lambda s, a: s["CSN"].update(payments=deep(100_000)), "CSN", "payments" + ".0" * (MAX_DEPTH - 3) + ": nested deeper than 32 levels"),
    ],
)
def test_a_register_answer_breaking_a_limit_fails_that_agency_only(change, agency, expected):
    application, answers, (key, sources, problems) = register_change(change)
    assert problems == [f"sources.{agency}: {expected}"]
    assert sources[agency]["status"] == "error"
    assert all(s["status"] == "ok" for name, s in sources.items() if name != agency)
    decision = run(application, answers)
    assert decision["outcome"] == "referred" and codes(decision) == ["REGISTRY_UNAVAILABLE"]


def test_a_float_outside_every_agency_makes_the_whole_answer_unusable():
    application, answers, (key, sources, problems) = register_change(lambda s, a: a.update(extra=1.5))
    assert problems == ["extra: 1.5 is not a whole number written as an integer"]
    assert all(s["status"] == "error" for s in sources.values())
    assert codes(run(application, answers)) == ["REGISTRY_UNAVAILABLE"]


# --- whatever a value holds, validation answers with problems and decide with a valid decision ---------

NASTY = ["\ud800", "x\udfff", "\x00", "\u202e", "\n", "２０２３-１１", "<script>", 7200.0, float("nan"), float("inf"), -(10**20), True]
ANYTHING = st.recursive(
    st.sampled_from(NASTY) | st.none() | st.booleans() | st.floats() | st.integers() | st.integers(min_value=10**4000, max_value=10**4200)
    | st.text(st.characters(exclude_categories=()), max_size=20) | st.text(max_size=5000).map(lambda s: s * 2),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(st.characters(exclude_categories=()), max_size=5), children, max_size=4),
    max_leaves=12,
)
PLACES = ["kind", "period", "costs.rent", "costs.other", "household", "household.members.0", "household.members.0.role",
          "household.dwelling_size", "declared_incomes", "message", "history.previous_members", "assets.bank_balance", "unknown"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(place=st.sampled_from(PLACES), value=ANYTHING, register_value=ANYTHING)
def test_anything_anywhere_gives_problems_and_a_valid_decision_never_an_exception(place, value, register_value):
    application, answers, by_person = case()
    by_person[application["household"]["members"][0]["personnummer"]]["FK"]["payments"] = register_value
    *parents, last = [int(p) if p.isdigit() else p for p in place.split(".")]
    target = application
    for p in parents:
        target = target[p]
    target[last] = value
    decision = run(application, answers)
    assert validator("decision").is_valid(decision)
    json.dumps(decision, ensure_ascii=False).encode("utf-8")  # nothing that is no text got into it
    if application_problems(application):
        assert decision["outcome"] == "referred" and "INVALID_APPLICATION" in codes(decision)
    elif not (isinstance(register_value, list) and register_value == []):
        assert decision["outcome"] == "referred"  # the register part is broken (or names a payment)


def _stdnum_says_valid(digits: str) -> bool:
    """The library's verdict (a samordningsnummer, day + 60, it does not know: Luhn and the date by hand)."""
    from datetime import date

    from stdnum import luhn
    from stdnum.se import personnummer

    if int(digits[6:8]) <= 60:
        return personnummer.is_valid(f"{digits[:8]}-{digits[8:]}")
    try:
        luhn.validate(digits[2:])
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]) - 60)
    except Exception:  # noqa: BLE001
        return False
    return True


@settings(max_examples=3000, deadline=None)
@given(year=st.one_of(st.integers(1890, 2030), st.integers(0, 9999)), month=st.integers(0, 13), day=st.integers(0, 92),
       serial=st.integers(0, 9999), dash=st.booleans())
def test_the_fast_personnummer_check_gives_the_librarys_verdict(year, month, day, serial, dash):
    from robots.contract.validate import _personnummer_problem, _plainly_valid_number

    digits = f"{year:04d}{month:02d}{day:02d}{serial:04d}"
    value = f"{digits[:8]}-{digits[8:]}" if dash else digits
    verdict = _stdnum_says_valid(digits)
    assert _plainly_valid_number(digits) == verdict, digits
    assert (_personnummer_problem(value) is None) == verdict, value


@pytest.mark.parametrize("born, valid", [("20000229", True), ("19000229", False), ("20240289", True), ("20230289", False),
                                         ("00000101", False), ("19991231", True), ("19991131", False), ("19990100", False)])
def test_the_fast_personnummer_check_knows_leap_years_and_year_zero(born, valid):
    from stdnum import luhn

    from robots.contract.validate import _plainly_valid_number

    digits = born + "123" + luhn.calc_check_digit(born[2:] + "123")
    assert _plainly_valid_number(digits) == _stdnum_says_valid(digits) == valid, digits
