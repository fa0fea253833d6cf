"""Riksnorm: every cell of the 2021, 2023 and 2026 tables, age boundaries, household sizes, shared dwellings.

Expected amounts are written out here from DOMAIN (the published tables), not read from config/, so a
wrong table file fails these tests.
"""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robots.rules.case import parse_case
from robots.rules.norm import household_norm, round_half_up
from robots.rules.parameters import Amount, NormTable
from robots.rules.people import age_on_first_of_month
from tests.builders import born_aged, case
from tests.conftest import run

PERSONAL = {
    2021: {"child_0": 2180, "child_1_2": 2440, "child_3": 2170, "child_4_6": 2440, "child_7_10": 3060,
           "child_11_14": 3520, "child_15_18": 3970, "youth_19_20": 4000, "adult_alone": 3160, "adults_sambo": 5700},
    2023: {"child_0": 2420, "child_1_2": 2700, "child_3": 2410, "child_4_6": 2700, "child_7_10": 3380,
           "child_11_14": 3890, "child_15_18": 4390, "youth_19_20": 4430, "adult_alone": 3490, "adults_sambo": 6300},
    # SoF (2025:468) 12 kap. 2 § in the wording of SFS 2025:1046
    2026: {"child_0": 2740, "child_1_2": 3060, "child_3": 2720, "child_4_6": 3060, "child_7_10": 3820,
           "child_11_14": 4390, "child_15_18": 4960, "youth_19_20": 5000, "adult_alone": 3940, "adults_sambo": 7100},
}
LUNCH = {2021: {"child_0": 2050, "child_1_2": 2240, "child_3": 1990, "child_4_6": 2170},
         2026: {"child_0": 2560, "child_1_2": 2800, "child_3": 2500, "child_4_6": 2720}}
COMMON = {2021: [1020, 1130, 1420, 1610, 1860, 2100, 2270], 2023: [1130, 1250, 1580, 1790, 2060, 2330, 2510],
          2026: [1280, 1410, 1790, 2030, 2330, 2640, 2830]}
AGES = {"child_0": [0], "child_1_2": [1, 2], "child_3": [3], "child_4_6": [4, 5, 6], "child_7_10": [7, 8, 9, 10],
        "child_11_14": [11, 12, 13, 14], "child_15_18": [15, 16, 17, 18], "youth_19_20": [19, 20]}


def child_line(decision):
    return decision["calculation"]["norm"]["lines"][1]


@pytest.mark.parametrize("year", [2021, 2023, 2026])
@pytest.mark.parametrize("key,age", [(k, a) for k, ages in AGES.items() for a in ages])
def test_a_child_gets_the_personal_costs_of_its_age_bracket(year, key, age):
    period = f"{year}-03"
    application, answers, _ = case(period=period, children=[born_aged(age, period)])
    decision = run(application, answers)
    assert child_line(decision)["amount"] == PERSONAL[year][key]
    assert decision["calculation"]["norm"]["total"] == PERSONAL[year]["adult_alone"] + PERSONAL[year][key] + COMMON[year][1]
    assert decision["calculation"]["norm"]["provisional"] is False


@pytest.mark.parametrize("year", [2021, 2023, 2026])
def test_an_adult_living_alone_and_a_sambo_pair(year):
    period = f"{year}-06"
    alone = run(*case(period=period)[:2])
    pair = run(*case(period=period, partner="1987-02-02")[:2])
    assert alone["calculation"]["norm"]["lines"][0]["amount"] == PERSONAL[year]["adult_alone"]
    assert alone["calculation"]["norm"]["total"] == PERSONAL[year]["adult_alone"] + COMMON[year][0]
    assert pair["calculation"]["norm"]["lines"][0] == {"item": "personal costs, two cohabiting adults", "amount": PERSONAL[year]["adults_sambo"]}
    assert pair["calculation"]["norm"]["total"] == PERSONAL[year]["adults_sambo"] + COMMON[year][1]


@pytest.mark.parametrize("year", [2021, 2026])
@pytest.mark.parametrize("key,age", [(k, a) for k in LUNCH[2021] for a in AGES[k]])
def test_lunch_outside_the_home_for_children_0_to_6(year, key, age):
    period = f"{year}-09"
    application, answers, _ = case(period=period, children=[(born_aged(age, period), {"lunch_outside_home": True})])
    line = child_line(run(application, answers))
    assert line["amount"] == LUNCH[year][key]
    assert "lunch outside the home" in line["item"]
    assert "provisional" not in line


@pytest.mark.parametrize("key,age", [(k, AGES[k][0]) for k in LUNCH[2021]])
def test_2023_lacks_lunch_amounts_so_the_normal_amount_is_used_and_marked_provisional(key, age):
    period = "2023-09"
    application, answers, _ = case(period=period, children=[(born_aged(age, period), {"lunch_outside_home": True})])
    decision = run(application, answers)
    assert child_line(decision)["amount"] == PERSONAL[2023][key]
    assert child_line(decision)["provisional"] is True
    assert decision["calculation"]["norm"]["provisional"] is True
    assert decision["outcome"] == "granted"  # provisional is visible, not a reason to refer


def test_lunch_outside_home_does_not_change_a_school_childs_amount():
    period = "2021-09"
    application, answers, _ = case(period=period, children=[(born_aged(8, period), {"lunch_outside_home": True})])
    assert child_line(run(application, answers))["amount"] == PERSONAL[2021]["child_7_10"]


@pytest.mark.parametrize(
    "born,period,expected_key",
    [
        ("2016-11-01", "2023-11", "child_7_10"),  # turns 7 on the first: counts as 7
        ("2016-11-02", "2023-11", "child_4_6"),  # turns 7 on the second: still 6
        ("2008-11-01", "2023-11", "child_15_18"),  # 15 on the first
        ("2008-11-02", "2023-11", "child_11_14"),
        ("2004-11-01", "2023-11", "youth_19_20"),
        ("2004-11-02", "2023-11", "child_15_18"),
        ("2022-11-01", "2023-11", "child_1_2"),
        ("2022-11-02", "2023-11", "child_0"),
        ("2020-01-01", "2023-01", "child_3"),  # new year's day
        ("2019-12-31", "2023-01", "child_3"),
        ("2019-02-28", "2023-03", "child_4_6"),
    ],
)
def test_age_is_counted_on_the_first_day_of_the_month(born, period, expected_key):
    application, answers, _ = case(period=period, children=[born])
    assert child_line(run(application, answers))["amount"] == PERSONAL[int(period[:4])][expected_key]


def test_age_of_a_samordningsnummer_takes_60_off_the_day():
    assert age_on_first_of_month("19900375-0006", 2023, 3) == 32  # born 1990-03-15
    assert age_on_first_of_month("19900361-0002", 2023, 3) == 33  # born 1990-03-01


@settings(max_examples=2000, deadline=None)
@given(born=st.dates(date(1900, 1, 1), date(2030, 12, 31)), year=st.integers(1900, 2040), month=st.integers(1, 12),
       samordningsnummer=st.booleans())
def test_age_is_the_calendars(born, year, month, samordningsnummer):
    day = born.day + 60 if samordningsnummer else born.day
    first = date(year, month, 1)
    assert age_on_first_of_month(f"{born:%Y%m}{day:02d}-0000", year, month) == first.year - born.year - ((first.month, first.day) < (born.month, born.day))


@pytest.mark.parametrize("year", [2021, 2023, 2026])
@pytest.mark.parametrize("size", range(1, 10))
def test_households_of_1_to_9_persons(year, size):
    period = f"{year}-05"
    application, answers, _ = case(period=period, children=[born_aged(8, period)] * (size - 1))
    common = COMMON[year]
    expected_common = common[size - 1] if size <= 7 else common[6] + (size - 7) * (common[6] - common[5])
    norm = run(application, answers)["calculation"]["norm"]
    assert norm["lines"][-1] == {"item": f"common household costs, {size} persons", "amount": expected_common}
    assert norm["total"] == PERSONAL[year]["adult_alone"] + (size - 1) * PERSONAL[year]["child_7_10"] + expected_common


def test_more_than_seven_adds_the_seven_minus_six_difference_per_extra_person():
    # 2021: 2270 + 2 x (2270 - 2100) = 2610 for nine persons
    application, answers, _ = case(period="2021-05", children=[born_aged(8, "2021-05")] * 8)
    assert run(application, answers)["calculation"]["norm"]["lines"][-1]["amount"] == 2610


@pytest.mark.parametrize(
    "year,members,dwelling,share",
    [
        (2023, 1, 5, 412),  # 2060 / 5
        (2021, 1, 3, 473),  # 1420 / 3 = 473.33
        (2021, 2, 3, 947),  # 1420 x 2 / 3 = 946.67
        (2021, 1, 4, 403),  # 1610 / 4 = 402.5: halves up
        (2023, 2, 9, 638),  # (2510 + 2 x 180) x 2 / 9 = 637.8
    ],
)
def test_an_applicant_sharing_a_dwelling_pays_a_share_of_its_common_costs(year, members, dwelling, share):
    period = f"{year}-04"
    children = [born_aged(8, period)] * (members - 1)
    application, answers, _ = case(period=period, children=children, dwelling_size=dwelling)
    for a in answers:  # the others in the dwelling are registered there too
        a["sources"]["SKV"]["registered_at_address"] += [f"19700101-00{i}{i}" for i in range(dwelling - members)]
    decision = run(application, answers)
    line = decision["calculation"]["norm"]["lines"][-1]
    assert line["amount"] == share
    assert f"dwelling of {dwelling} persons" in line["item"]
    assert decision["outcome"] == "granted", decision["reasons"]


def test_socialstyrelsens_worked_example_with_2014_amounts():
    """Socialstyrelsen: an adult sharing a dwelling of five, 2014 amounts: 1 710 / 5 + 2 950 = 3 292."""
    cell = Amount
    table = NormTable(
        name="riksnorm 2014 (excerpt)", valid_from=date(2014, 1, 1), valid_to=date(2014, 12, 31), source="test",
        prisbasbelopp=44400, personal={"adult_alone": cell(2950)}, lunch_outside_home={},
        common=(cell(0), cell(0), cell(0), cell(0), cell(1710), cell(0), cell(0)),
    )
    application, _, _ = case(period="2014-05", dwelling_size=5)
    total, lines, provisional = household_norm(parse_case(application, {}).members, 5, table)
    assert (total, provisional) == (3292, False)
    assert [line["amount"] for line in lines] == [2950, 342]


@pytest.mark.parametrize("n,d,expected", [(1, 2, 1), (1, 3, 0), (5, 2, 3), (7, 2, 4), (2, 3, 1), (0, 7, 0)])
def test_round_half_up(n, d, expected):
    assert round_half_up(n, d) == expected


def test_2026_is_the_official_table_and_nothing_in_it_is_provisional():
    period = "2026-02"
    alone = run(*case(period=period)[:2])["calculation"]["norm"]
    assert (alone["total"], alone["table"], alone["provisional"]) == (3940 + 1280, "riksnorm 2026", False)
    pair = run(*case(period=period, partner="1990-01-01")[:2])["calculation"]["norm"]
    assert (pair["total"], pair["provisional"]) == (8510, False)  # the government's published couple total
