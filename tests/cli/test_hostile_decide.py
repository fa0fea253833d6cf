"""Every hostile input of tests/hostile.py through `casebot decide`: exit 2 with one line naming the file and
the problem, or exit 0 with a decision that validates against decision.schema.json; an invalid input is
never granted; never a traceback (exit 1)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from robots.cli import main
from robots.contract import validator
from tests.hostile import CORPUS, Hostile

CASEBOT = Path(sys.executable).parent / "casebot"
BY_NAME = {c.name: c for c in CORPUS}
NO_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def files(tmp_path: Path, case: Hostile) -> tuple[Path, Path]:
    application, registry = tmp_path / "application.json", tmp_path / "registry.json"
    application.write_bytes(case.body())
    registry.write_bytes(case.registry())
    return application, registry


def check(case: Hostile, status: int, stdout: str, stderr: str, application: Path) -> None:
    assert "Traceback" not in stderr and status != 1, stderr[-3000:]
    assert status == case.exit, (status, stderr[-1000:])
    if case.exit == 2:
        assert stdout == ""
        line = stderr.removesuffix("\n")
        named = application.with_name("registry.json") if case.name.startswith("register-") else application
        assert "\n" not in line and line.startswith(f"casebot: error: {named}: "), line[:500]
        assert case.says in line, line[:500]
        assert len(line) < 300 + len(str(named))  # names the problem, never quotes the input
        return
    assert stderr == ""
    decision = json.loads(stdout)
    errors = [f"{list(e.instance_path)}: {e.message}"[:200] for e in validator("decision").iter_errors(decision)]
    assert errors == []
    codes = {r["code"] for r in decision["reasons"]}
    if case.invalid:
        assert decision["outcome"] == "referred" and decision["reasons"], decision
    if case.codes:
        assert decision["outcome"] == "referred" and set(case.codes) <= codes, codes
    texts = " | ".join(r["text"] for r in decision["reasons"])
    assert case.says in texts, texts[:2000]
    assert not NO_TEXT.search(texts)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_casebot_decide_on_a_hostile_input(tmp_path, case):
    application, registry = files(tmp_path, case)
    result = CliRunner().invoke(main, ["decide", str(application), "--registry", str(registry)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    check(case, result.exit_code, result.stdout, result.stderr, application)


def test_contradictory_register_answers_make_that_person_unusable(tmp_path):
    """Two answers for one person that differ: which is true cannot be known, so the person's register data
    is unusable (REGISTRY_UNAVAILABLE), whichever comes first."""
    case = BY_NAME["register-answers-contradict"]
    for answers in (case.answers, case.answers[::-1]):
        application, registry = files(tmp_path, case)
        registry.write_text(json.dumps(answers), encoding="utf-8")
        result = CliRunner().invoke(main, ["decide", str(application), "--registry", str(registry)])
        decision = json.loads(result.stdout)
        assert decision["outcome"] == "referred"
        assert "REGISTRY_UNAVAILABLE" in {r["code"] for r in decision["reasons"]}


def test_a_register_file_that_is_hostile_exits_2_naming_it(tmp_path):
    case = BY_NAME["rent-has-15-digits"]
    application, registry = files(tmp_path, case)
    for content, says in ((b"[" * 100_000, "nested deeper than 32 levels"), (b'[{"personnummer": NaN}]', "NaN"),
                          (b"[" + b" " * (4 * 1024 * 1024) + b"]", "too large: more than 4194304 bytes (4 MiB)"),
                          (b'["\\udfff"]', "lone surrogate")):
        registry.write_bytes(content)
        result = CliRunner().invoke(main, ["decide", str(application), "--registry", str(registry)])
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(f"casebot: error: {registry}: ") and says in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("name", [
    "message-nested-100000-deep", "rent-has-5000-digits", "message-with-a-lone-surrogate", "rent-is-nan",
    "the-application-is-a-string", "the-application-is-a-number", "a-file-of-50-megabytes",
])
def test_casebot_decide_as_a_real_process_exits_2_with_one_line(tmp_path, name):
    case = BY_NAME[name]
    application, registry = files(tmp_path, case)
    result = subprocess.run([str(CASEBOT), "decide", str(application), "--registry", str(registry)],
                            capture_output=True, text=True, timeout=60)
    check(case, result.returncode, result.stdout, result.stderr, application)
