"""`casebot check`, and `casebot run` and the scheduler refusing to start on what it finds: each problem
one line naming what to fix, exit 2."""

import json
import os
import shutil
import subprocess
import sys
from datetime import date

from robots.check import problems
from robots.config import config_dir


def a_config(tmp_path):
    shutil.copytree(config_dir(), tmp_path / "config")
    return tmp_path / "config"


def env_for(tmp_path, config, **urls):
    return os.environ | {"CASEBOT_CONFIG_DIR": str(config), "CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'casebot.sqlite3'}",
                         "CASEBOT_CASESYSTEM_URL": urls.get("casesystem", "http://127.0.0.1:9"),
                         "CASEBOT_SSBTEK_URL": urls.get("ssbtek", "http://127.0.0.1:9")}


def casebot(env, *args):
    return subprocess.run([sys.executable, "-m", "robots", *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_missing_next_year_table_is_a_problem_from_the_first_of_december(tmp_path, monkeypatch):
    config = a_config(tmp_path)
    monkeypatch.setenv("CASEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    year = max(int(p.stem) for p in (config / "norms").glob("*.toml"))
    november = [p for p in problems(config, date(year, 11, 30)) if "norm table" in p]
    december = [p for p in problems(config, date(year, 12, 1)) if "norm table" in p]
    assert november == []
    assert len(december) == 1 and f"no norm table covers {year + 1}-01" in december[0] and f"config/norms/{year + 1}.toml" in december[0]


def test_a_broken_policy_is_one_line_naming_the_file(tmp_path, monkeypatch):
    config = a_config(tmp_path)
    monkeypatch.setenv("CASEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    newest = sorted((config / "policy").glob("*.toml"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\nnot valid toml = = =\n", encoding="utf-8")
    found = [p for p in problems(config, date(2026, 6, 1)) if newest.name in p]
    assert len(found) == 1 and "\n" not in found[0]


def test_unreachable_systems_are_named_by_url_and_run_and_scheduler_refuse(tmp_path):
    env = env_for(tmp_path, a_config(tmp_path)) | {"CASEBOT_LOG_DIR": str(tmp_path / "logs")}
    for command in (["check"], ["run"], ["scheduler"]):
        done = casebot(env, *command)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (command, done.stderr)
        assert any("case system at http://127.0.0.1:9 does not answer" in line for line in lines), done.stderr
        assert any("register gateway at http://127.0.0.1:9 does not answer" in line for line in lines), done.stderr
        assert "Traceback" not in done.stderr and "scheduler started" not in done.stdout + done.stderr
    # the run and the scheduler that did not start say so in a run folder, as a failed run does
    summaries = [json.loads(f.read_text(encoding="utf-8")) for f in (tmp_path / "logs" / "runs").glob("*/summary.json")]
    assert sorted(s["errors"][0].split(" did not start")[0] for s in summaries) == ["casebot run", "casebot scheduler"]
    assert all(s["outcome"] == "failed" and any("does not answer" in e for e in s["errors"]) for s in summaries)


def test_a_ready_installation_passes(tmp_path, world):
    done = casebot(world.env | {"CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'casebot.sqlite3'}"}, "check")
    assert done.returncode == 0 and "ready" in done.stdout, done.stderr
