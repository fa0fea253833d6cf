"""The what-if's own arithmetic (robots/simulate.py): entitlement, change bins, household types, pseudonyms."""

import pytest

from robots.simulate import Household, Simulation, compare, household_type, pseudonym


def decision(outcome, deficit=None, amount=None, reasons=()):
    d = {"application_id": "EB-2023-0000001", "outcome": outcome, "reasons": [{"code": r} for r in reasons],
         "calculation": {"made": False, "why": "x"} if deficit is None else {"deficit": deficit}}
    return d | ({"amount": amount} if amount is not None else {})


@pytest.mark.parametrize("recorded,again,change,granted", [
    (decision("granted", 5000, 5000), decision("granted", 5600, 5600), 600, (5000, 5600)),
    (decision("referred", 5000, reasons=["RENT_ABOVE_CEILING"]), decision("granted", 5000, 5000), 0, (0, 5000)),
    (decision("referred", -300, reasons=["NO_DEFICIT"]), decision("granted", 200, 200), 200, (0, 200)),  # a deficit below 0 is 0
    (decision("granted", 800, 800), decision("referred", -50, reasons=["NO_DEFICIT"]), -800, (800, 0)),
    (decision("referred", reasons=["INVALID_APPLICATION"]), decision("referred", reasons=["INVALID_APPLICATION"]), None, (0, 0)),
])
def test_a_households_change_is_its_calculated_entitlement_granted_or_referred(recorded, again, change, granted):
    h = compare({"household": {"members": [{"role": "applicant"}]}}, recorded, again)
    assert h.change == change and (h.before_granted, h.after_granted) == granted


@pytest.mark.parametrize("change,label", [(-5000, "under −1 000"), (-1000, "−1 000 – −501"), (-501, "−1 000 – −501"),
                                          (-500, "−500 – −1"), (-1, "−500 – −1"), (0, "0"), (1, "1 – 500"), (500, "1 – 500"),
                                          (501, "501 – 1 000"), (1000, "501 – 1 000"), (1001, "över 1 000")])
def test_each_change_falls_in_one_bin(change, label):
    h = Household("H-1", "1 vuxen", "granted", "granted", 1000, 1000 + change, 0, 0, (), ())
    assert dict(Simulation("2023-11", "x", [h]).histogram())[label] == 1


@pytest.mark.parametrize("roles,expected", [(["applicant"], "1 vuxen"), (["applicant", "partner"], "2 vuxna"),
                                            (["applicant", "child", "child"], "1 vuxen, 2 barn"),
                                            (["applicant", "partner", "child"], "2 vuxna, 1 barn")])
def test_household_types_say_adults_and_children(roles, expected):
    assert household_type({"household": {"members": [{"role": r} for r in roles]}}) == expected


def test_a_pseudonym_is_stable_and_says_nothing_of_the_application():
    assert pseudonym("EB-2023-0000001") == pseudonym("EB-2023-0000001") != pseudonym("EB-2023-0000002")
    assert pseudonym("EB-2023-0000001").startswith("H-") and len(pseudonym("EB-2023-0000001")) == 18
