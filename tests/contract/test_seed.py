"""`casebot seed`: deterministic, consistent across both stubs, and the configured mix."""

import subprocess
import sys
from collections import Counter

import pytest
import requests

from connectors.casesystem.client import CaseSystemClient
from connectors.serving import StubProcess
from connectors.ssbtek.client import GatewayClient
from robots.config import load_seed_mix
from robots.synthetic import population
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
    cases = CaseSystemClient(cases_stub.url)
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
