"""`casebot decide` as a user runs it: a real process, files on disk, JSON on stdout, errors on stderr."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from robots.config import config_dir
from robots.contract import EXAMPLES, validator
from tests.builders import case

CASEBOT = Path(sys.executable).parent / "casebot"
EXAMPLE = EXAMPLES / "repeat-single-parent"


def casebot(*args, cwd=None):
    return subprocess.run([str(CASEBOT), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=60)


def write(tmp_path, name, value):
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def test_the_worked_example_is_reproduced_figure_by_figure(tmp_path):
    result = casebot("decide", EXAMPLE.with_suffix(".application.json"), "--registry", EXAMPLE.with_suffix(".registry.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    expected = json.loads(EXAMPLE.with_suffix(".decision.json").read_text(encoding="utf-8"))
    for key in ("application_id", "period", "outcome", "amount", "calculation", "reasons"):
        assert decision[key] == expected[key], key
    assert validator("decision").is_valid(decision)
    assert decision["decided_by"].startswith("robot:")
    assert decision["rules_version"].startswith("casebot-rules ")


def test_not_json_exits_2_naming_the_file(tmp_path):
    bad = write(tmp_path, "app.json", '{"application_id": "A",')
    registry = write(tmp_path, "reg.json", [])
    result = casebot("decide", bad, "--registry", registry)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert f"{bad}: not valid JSON (line 1" in result.stderr


@pytest.mark.parametrize("application", [{"kind": "repeat"}, {"application_id": ""}, {"application_id": 12}, [1, 2]])
def test_an_application_without_usable_id_exits_2(tmp_path, application):
    path = write(tmp_path, "app.json", application)
    result = casebot("decide", path, "--registry", write(tmp_path, "reg.json", []))
    assert result.returncode == 2
    assert f"{path}: has no usable application_id" in result.stderr


def test_a_registry_file_that_is_not_an_array_exits_2(tmp_path):
    path = write(tmp_path, "reg.json", {"personnummer": "x"})
    result = casebot("decide", EXAMPLE.with_suffix(".application.json"), "--registry", path)
    assert result.returncode == 2 and f"{path}: must be a JSON array" in result.stderr


def test_a_missing_file_exits_2(tmp_path):
    result = casebot("decide", tmp_path / "nope.json", "--registry", tmp_path / "reg.json")
    assert result.returncode == 2 and "nope.json: no such file" in result.stderr


def test_a_schema_violation_is_a_referral_on_stdout_not_an_error(tmp_path):
    application, answers, _ = case()
    application["costs"]["rent"] = -1
    result = casebot("decide", write(tmp_path, "a.json", application), "--registry", write(tmp_path, "r.json", answers))
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["outcome"] == "referred"
    assert [r["code"] for r in decision["reasons"]] == ["INVALID_APPLICATION"]
    assert "costs.rent: -1 is less than the minimum of 0" in decision["reasons"][0]["text"]


def test_a_period_without_norm_table_refers(tmp_path):
    application, answers, _ = case(period="2024-03")
    result = casebot("decide", write(tmp_path, "a.json", application), "--registry", write(tmp_path, "r.json", answers))
    decision = json.loads(result.stdout)
    assert [r["code"] for r in decision["reasons"]] == ["NORM_TABLE_MISSING"]
    assert decision["calculation"]["made"] is False and "need" not in decision["calculation"]


def test_own_policy_and_norms_are_used_and_their_errors_are_clear(tmp_path):
    application, answers, _ = case(rent=4000)
    a, r = write(tmp_path, "a.json", application), write(tmp_path, "r.json", answers)
    policy = tmp_path / "policy.toml"  # one version given as a file
    policy.write_text((config_dir() / "policy" / "2021-01-01.toml").read_text(encoding="utf-8").replace("one_adult = 4474", "one_adult = 3999"), encoding="utf-8")
    decision = json.loads(casebot("decide", a, "--registry", r, "--policy", policy, "--norms", config_dir() / "norms").stdout)
    assert [x["code"] for x in decision["reasons"]] == ["RENT_ABOVE_CEILING"]
    policy.write_text("[policy]\n", encoding="utf-8")
    result = casebot("decide", a, "--registry", r, "--policy", policy)
    assert result.returncode == 2
    assert f"{policy}: policy.name: Field required" in result.stderr


def test_a_period_before_every_policy_version_refers_and_computes_nothing(tmp_path):
    application, answers, _ = case(period="2023-11")
    versions = tmp_path / "policy"
    versions.mkdir()
    text = (config_dir() / "policy" / "2026-01-01.toml").read_text(encoding="utf-8")
    (versions / "2026-01-01.toml").write_text(text, encoding="utf-8")
    result = casebot("decide", write(tmp_path, "a.json", application), "--registry", write(tmp_path, "r.json", answers), "--policy", versions)
    decision = json.loads(result.stdout)
    assert [r["code"] for r in decision["reasons"]] == ["POLICY_MISSING"]
    assert decision["calculation"] == {"made": False, "why": decision["calculation"]["why"]}
