"""The what-if's own arithmetic (robots/simulate.py): entitlement, change bins, referrals, household types,
pseudonyms."""

import pandas as pd
import pytest

from robots.simulate import Simulation, household_type, pseudonym
from robots.simulate_report import household_table

ONE_ADULT = {"household": {"members": [{"role": "applicant"}]}}


def decision(outcome, deficit=None, amount=None, reasons=()):
    d = {"application_id": "EB-2023-0000001", "outcome": outcome, "reasons": [{"code": r} for r in reasons],
         "calculation": {"made": False, "why": "x"} if deficit is None else {"deficit": deficit}}
    return d | ({"amount": amount} if amount is not None else {})


def simulation(*pairs, application=ONE_ADULT):
    return Simulation.of_decisions("2023-11", "x", [(f"EB-{i}", application, recorded, again) for i, (recorded, again) in enumerate(pairs)])


@pytest.mark.parametrize("recorded,again,change,granted", [
    (decision("granted", 5000, 5000), decision("granted", 5600, 5600), 600, (5000, 5600)),
    (decision("referred", 5000, reasons=["RENT_ABOVE_CEILING"]), decision("granted", 5000, 5000), 0, (0, 5000)),
    (decision("referred", -300, reasons=["NO_DEFICIT"]), decision("granted", 200, 200), 200, (0, 200)),  # a deficit below 0 is 0
    (decision("granted", 800, 800), decision("referred", -50, reasons=["NO_DEFICIT"]), -800, (800, 0)),
    (decision("referred", reasons=["INVALID_APPLICATION"]), decision("referred", reasons=["INVALID_APPLICATION"]), None, (0, 0)),
])
def test_a_households_change_is_its_calculated_entitlement_granted_or_referred(recorded, again, change, granted):
    sim = simulation((recorded, again))
    h = sim.household(0)
    assert h.change == change and (h.before_granted, h.after_granted) == granted
    totals = sim.totals()
    assert (totals["gain"], totals["lose"], totals["same"], totals["not_calculated"]) == (
        int((change or 0) > 0), int((change or 0) < 0), int(change == 0), int(change is None))
    assert (totals["granted_before"], totals["granted_after"]) == granted


@pytest.mark.parametrize("change,label", [(-5000, "under −1 000"), (-1000, "−1 000 – −501"), (-501, "−1 000 – −501"),
                                          (-500, "−500 – −1"), (-1, "−500 – −1"), (0, "0"), (1, "1 – 500"), (500, "1 – 500"),
                                          (501, "501 – 1 000"), (1000, "501 – 1 000"), (1001, "över 1 000")])
def test_each_change_falls_in_one_bin(change, label):
    sim = simulation((decision("granted", 10_000, 10_000), decision("granted", 10_000 + change, 10_000 + change)))
    assert dict(sim.histogram())[label] == 1 and sum(n for _, n in sim.histogram()) == 1


def test_referrals_are_counted_by_reason_before_and_after_the_largest_change_first():
    rent, assets = ["RENT_ABOVE_CEILING"], ["ASSETS_ABOVE_BUFFER"]
    sim = simulation((decision("referred", 5000, reasons=rent), decision("granted", 5000, 5000)),
                     (decision("referred", 5000, reasons=rent + assets), decision("referred", 5000, reasons=assets)),
                     (decision("referred", 5000, reasons=assets), decision("referred", 5000, reasons=assets)))
    assert sim.referrals() == [("RENT_ABOVE_CEILING", 2, 0), ("ASSETS_ABOVE_BUFFER", 2, 2)]
    assert sim.household(1).before_reasons == ("ASSETS_ABOVE_BUFFER", "RENT_ABOVE_CEILING")


def test_a_reason_the_batch_does_not_know_is_counted_all_the_same():
    sim = simulation((decision("referred", 5000, reasons=["AN_OLDER_RULES_REASON"]), decision("granted", 5000, 5000)))
    assert sim.referrals() == [("AN_OLDER_RULES_REASON", 1, 0)]


def test_household_types_and_the_most_affected_are_those_whose_entitlement_changes_most():
    family = {"household": {"members": [{"role": "applicant"}, {"role": "child"}, {"role": "child"}]}}
    sim = Simulation.of_decisions("2023-11", "x", [
        ("EB-1", ONE_ADULT, decision("granted", 1000, 1000), decision("granted", 1100, 1100)),
        ("EB-2", family, decision("granted", 1000, 1000), decision("granted", 1900, 1900)),
        ("EB-3", family, decision("granted", 1000, 1000), decision("granted", 1000, 1000)),
        ("EB-4", {}, decision("referred", reasons=["INVALID_APPLICATION"]), decision("referred", reasons=["INVALID_APPLICATION"])),
    ])
    assert sim.household_types() == [("1 vuxen, 2 barn", 2, 900, 450), ("1 vuxen", 1, 100, 100)]
    assert [sim.household(i).pseudonym for i in sim.most_affected(5)] == [pseudonym("EB-2"), pseudonym("EB-1")]
    assert sim.household(3).household_type == "okänd"

    # the report's table, built from the columns, says what each household says
    table = household_table(sim).to_dict("records")
    for h, row in zip(sim.households, table):
        assert (row["Hushåll"], row["Typ"], row["Beslut"], row["Beslut (simulerat)"], row["Beviljat (kr)"], row["Skäl (simulerat)"]) == (
            h.pseudonym, h.household_type, h.before_outcome, h.after_outcome, h.before_granted, ", ".join(h.after_reasons))
        assert (None if row["Förändring (kr)"] is pd.NA else row["Förändring (kr)"]) == h.change
        assert (None if row["Beräknat (kr)"] is pd.NA else row["Beräknat (kr)"]) == h.before_entitlement
    assert household_table(sim, sim.most_affected(1))["Hushåll"].tolist() == [pseudonym("EB-2")]


@pytest.mark.parametrize("roles,expected", [(["applicant"], "1 vuxen"), (["applicant", "partner"], "2 vuxna"),
                                            (["applicant", "child", "child"], "1 vuxen, 2 barn"),
                                            (["applicant", "partner", "child"], "2 vuxna, 1 barn")])
def test_household_types_say_adults_and_children(roles, expected):
    assert household_type({"household": {"members": [{"role": r} for r in roles]}}) == expected


def test_a_pseudonym_is_stable_and_says_nothing_of_the_application():
    assert pseudonym("EB-2023-0000001") == pseudonym("EB-2023-0000001") != pseudonym("EB-2023-0000002")
    assert pseudonym("EB-2023-0000001").startswith("H-") and len(pseudonym("EB-2023-0000001")) == 18


def test_applications_from_a_file_are_decided_on_columns_as_the_engine_decides_them_one_by_one():
    import dataclasses

    from robots.simulate import _decided_entries, simulate_entries
    from tests.unit.test_batch import PARAMS, households

    entries = [(a["application_id"], a, answers) for month in ("2023-11", "2026-02")
               for a, answers, _ in households(60, 11, month)]
    entries.append(("B-bad", {"application_id": "B-bad", "period": "2023-13", "household": {}}, []))  # no month: broken
    _, policy = PARAMS.for_period("2023-11")
    raised = dataclasses.replace(policy, rent_ceiling_one_adult=policy.rent_ceiling_one_adult + 4000,
                                 rent_ceiling_two_adults=policy.rent_ceiling_two_adults + 4000,
                                 rent_ceiling_with_children=tuple(c + 4000 for c in policy.rent_ceiling_with_children),
                                 valid_from=min(p.valid_from for p in PARAMS.policies))
    after = dataclasses.replace(PARAMS, policies=(raised,))
    on_columns = simulate_entries(entries, "two months", PARAMS, after, "raised ceilings")
    one_by_one = _decided_entries(entries, "two months", PARAMS, after, "raised ceilings")
    assert on_columns.households == one_by_one.households and on_columns.totals() == one_by_one.totals()
    rent = {r: (b, a) for r, b, a in on_columns.referrals()}["RENT_ABOVE_CEILING"]
    assert rent[1] < rent[0]
    assert on_columns.household(len(entries) - 1).after_reasons == ("INVALID_APPLICATION",)
