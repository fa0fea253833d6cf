"""`casebot seed`: deterministic, consistent across both stubs, and the configured mix."""

import subprocess
import sys
from collections import Counter

import pytest
import requests

from connectors.casesystem.standin import StandIn
from connectors.serving import StubProcess
from connectors.ssbtek.client import GatewayClient
from robots.config import load_seed_mix
from robots.rules.periods import months_between
from robots.synthetic import WORKING_CHILD_AGES, age_on, net, population
from tests.conftest import run

AGENCIES_OF = {"applicant": ["FK", "AF", "CSN", "SKV", "AKASSA", "PM", "TS", "MIV"], "partner": ["FK", "AF", "CSN", "SKV", "AKASSA", "PM", "TS", "MIV"],
               "child": ["FK", "CSN", "SKV"]}


def seed(stubs, n, s):
    gateway, cases = stubs
    result = subprocess.run(
        [sys.executable, "-m", "robots", "seed", "--applications", str(n), "--seed", str(s), "--casesystem", cases.url, "--ssbtek", gateway.url],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def snapshot(stubs) -> list:
    """Everything both stubs hold about each application, without the time it was filed."""
    gateway_stub, cases_stub = stubs
    cases = StandIn(cases_stub.url)
    with GatewayClient(gateway_stub.url) as gateway:
        out = []
        for item in cases.applications():
            record = cases.get(item["application_id"])
            application = record["application"]
            answers = [gateway.query(m["personnummer"], case_id=application["application_id"], period=application["period"],
                                     agencies=AGENCIES_OF[m["role"]])
                       for m in application["household"]["members"] if m.get("role") in AGENCIES_OF]
            out.append((application, [e["event"] for e in record["events"]], answers))
        return out


@pytest.fixture
def fresh_stubs(tmp_path):
    def start(name):
        return StubProcess(name, tmp_path / name / f"{name}.sqlite3")

    with start("ssbtek") as gateway, start("casesystem") as cases:
        yield gateway, cases


@pytest.fixture
def other_fresh_stubs(tmp_path):
    with StubProcess("ssbtek", tmp_path / "g2.sqlite3") as gateway, StubProcess("casesystem", tmp_path / "c2.sqlite3") as cases:
        yield gateway, cases


def test_the_same_seed_gives_identical_data(fresh_stubs, other_fresh_stubs):
    seed(fresh_stubs, 40, 5)
    seed(other_fresh_stubs, 40, 5)
    first, second = snapshot(fresh_stubs), snapshot(other_fresh_stubs)
    assert len(first) == 40 and first == second


def test_seeding_again_files_nothing_twice(fresh_stubs):
    out = seed(fresh_stubs, 20, 9)
    assert "Filed 20 applications (EB-2023-0000001 … EB-2023-0000020)" in out
    seed(fresh_stubs, 20, 9)
    counts = requests.get(fresh_stubs[1].url + "/health", timeout=5).json()["applications"]
    assert counts == {"submitted": 20}


def test_a_seeded_population_is_consistent_and_each_case_refers_for_its_reason(fresh_stubs):
    seed(fresh_stubs, 120, 11)
    intended = [c.reason for c in population(120, 11, "2023-11", load_seed_mix())]
    decided = [run(application, answers) for application, _, answers in snapshot(fresh_stubs)]
    for reason, decision in zip(intended, decided):
        codes = [r["code"] for r in decision["reasons"]]
        if reason is None:
            assert decision["outcome"] == "granted" or codes == ["NO_DEFICIT"], codes
        else:
            assert reason in codes, (reason, codes)


def test_each_seeded_application_gets_its_households_history_while_it_is_current(fresh_stubs):
    seed(fresh_stubs, 80, 12)
    cases = population(80, 12, "2023-11", load_seed_mix())
    filed = [application for application, _, _ in snapshot(fresh_stubs)]
    assert len(filed) == len(cases)
    since_kept = since_dropped = earnings = 0
    for case, application in zip(cases, filed):
        if case.history is None:
            assert "history" not in application
            continue
        expected = dict(case.history)
        since = expected.get("jobbstimulans_since")
        if since is not None and months_between(since, "2023-11") >= 24:
            del expected["jobbstimulans_since"]  # the two years are over
            since_dropped += 1
        elif since is not None:
            since_kept += 1
        earnings += "child_earnings_this_year" in expected
        assert application["history"] == expected
    assert since_kept and since_dropped and earnings


def pay_of(answer: dict) -> int:
    return sum(net(p) for p in answer["sources"]["SKV"]["employer_reported_pay"])


def salary_declared(application: dict, who: str) -> int:
    return sum(d["amount"] for d in application["declared_incomes"] if d["personnummer"] == who and d["type"] == "salary")


def test_synthetic_pay_is_gross_and_tax_withheld_and_the_net_is_declared():
    cases = population(3000, 7, "2023-11", load_seed_mix())
    adults = []
    for c in cases:
        for answer in c.answers:
            who = answer["personnummer"]
            for p in answer["sources"]["SKV"]["employer_reported_pay"]:
                assert set(p) == {"employer", "gross", "tax_withheld"}
                assert any(p["gross"] * pct // 100 == p["tax_withheld"] for pct in range(20, 33)), p
            if c.reason == "INCOME_MISMATCH" and who == c.application["household"]["members"][0]["personnummer"]:
                assert 500 <= pay_of(answer) - salary_declared(c.application, who) <= 2000
            else:
                assert salary_declared(c.application, who) == pay_of(answer)
            if c.reason is None and answer["sources"].get("AF"):
                adults.append(pay_of(answer))
    paid = [p for p in adults if p]
    assert 2000 <= min(paid) and max(paid) <= 9000 and len(paid) > len(adults) / 5


def test_synthetic_history_has_jobbstimulans_since_never_after_the_period():
    cases = population(3000, 8, "2023-11", load_seed_mix())
    seen = Counter()
    for c in cases:
        if c.history is None:
            continue
        since = c.history.get("jobbstimulans_since")
        if since is None:
            seen["absent"] += 1
            continue
        assert c.history["consecutive_months_on_assistance"] >= 6
        assert 0 <= months_between(since, "2023-11") <= 30
        seen["current" if months_between(since, "2023-11") < 24 else "expired"] += 1
    assert seen["absent"] and seen["current"] and seen["expired"]


def working_children(c) -> list[tuple[str, int, int]]:
    """(personnummer, earnings earlier in the year, net pay this month) of each child with earnings in the history."""
    earlier = (c.history or {}).get("child_earnings_this_year", {})
    answers = {a["personnummer"]: a for a in c.answers}
    return [(who, amount, pay_of(answers[who])) for who, amount in earlier.items()]


def test_a_working_child_in_a_clean_case_stays_well_below_a_prisbasbelopp():
    from datetime import date

    cases = [c for c in population(3000, 9, "2023-11", load_seed_mix()) if c.reason is None]
    found = 0
    for c in cases:
        for who, earlier, this_month in working_children(c):
            member = next(m for m in c.application["household"]["members"] if m["personnummer"] == who)
            assert member["role"] == "child" and age_on(who, date(2023, 11, 1)) in WORKING_CHILD_AGES
            assert 0 < this_month == salary_declared(c.application, who)
            assert earlier + this_month < 40_000  # the lowest prisbasbelopp in the tables is 47 600 (2021)
            found += 1
    assert found > 20


def test_child_earnings_above_the_limit_pass_60000_with_this_month_only():
    from datetime import date

    cases = [c for c in population(3000, 10, "2023-11", load_seed_mix()) if c.reason == "CHILD_EARNINGS_ABOVE_LIMIT"]
    assert cases
    for c in cases:
        members = [m["personnummer"] for m in c.application["household"]["members"]]
        assert c.history["previous_members"] == members
        assert all(sorted(a["sources"]["SKV"]["registered_at_address"]) == sorted(members) for a in c.answers)
        assert sorted(a["personnummer"] for a in c.answers) == sorted(members)
        above = [(who, earlier, this_month) for who, earlier, this_month in working_children(c) if earlier < 52_500 < 60_000 < earlier + this_month]
        assert above, working_children(c)
        for who, _, this_month in above:
            assert age_on(who, date(2023, 11, 1)) in WORKING_CHILD_AGES and salary_declared(c.application, who) == this_month


def test_the_mix_of_10000_applications_matches_the_configuration():
    mix = load_seed_mix()
    cases = population(10_000, 2024, "2023-11", mix)
    counted = Counter(c.reason for c in cases)
    weights = sum(mix.weights.values())
    assert abs(counted[None] / 10_000 - mix.clean) < 0.02
    for reason, weight in mix.weights.items():
        expected = (1 - mix.clean) * weight / weights
        assert abs(counted[reason] / 10_000 - expected) < 0.01, reason
    assert set(counted) - {None} == set(mix.weights)


def test_a_mix_file_with_an_unknown_reason_is_refused(tmp_path):
    from robots.config import ConfigError

    path = tmp_path / "seed.toml"
    path.write_text("clean = 0.5\n[reasons]\nNOT_A_REASON = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"seed.toml: reasons: Value error, unknown reasons \['NOT_A_REASON'\]"):
        load_seed_mix(path)


def test_seed_without_stubs_says_what_to_do(tmp_path):
    result = subprocess.run([sys.executable, "-m", "robots", "seed", "--applications", "1", "--casesystem", "http://127.0.0.1:9",
                             "--ssbtek", "http://127.0.0.1:9"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "are the stubs running?" in result.stderr
