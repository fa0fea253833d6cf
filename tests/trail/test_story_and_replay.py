"""`casebot audit show` tells a case's story in order, masked; `casebot audit replay` re-runs recorded
decisions to the same result, and with today's rules shows what a change of config/ would change."""

import re
import shutil
import subprocess
import sys

import pytest

from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.write_back import write_back
from robots.config import config_dir
from robots.trail.story import story

PERSONNUMMER = re.compile(r"(19|20)\d{6}-?\d{4}")


@pytest.fixture
def decided(bench):
    for n in range(3):
        bench.file(f"A-{n}", seed=n)
    bench.file("A-9", "RENT_ABOVE_CEILING")
    bench.through(intake, fetch, decide, sample, write_back)
    return bench


def casebot(bench, *args, config=None):
    env = {"CASEBOT_DATABASE_URL": str(bench.ctx.store.engine.url), "PATH": ""} | ({"CASEBOT_CONFIG_DIR": str(config)} if config else {})
    return subprocess.run([sys.executable, "-m", "robots", "audit", *args], env=env, capture_output=True, text=True, timeout=120)


def test_the_story_lists_every_step_in_order_with_the_decision_and_no_personnummer(decided):
    told = story(decided.ctx.store, "A-9")
    steps = re.findall(r"^\s+\d+  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (.*)$", told, re.M)
    assert [s.split(" [")[0].split(" —")[0] for s in steps] == [
        "taken in from the case system", "claimed in the case system", "register data fetched", "decided by the rules",
        "written back to the case system"]
    assert "[NEW -> CLAIMED]" in told and "[REFERRED -> WITH_CASEWORKER]" in told
    assert "reason RENT_ABOVE_CEILING:" in told and "decision casebot-A-9-2023-11: referred" in told
    assert not PERSONNUMMER.search(told)
    shown = casebot(decided, "show", "A-9")
    assert shown.returncode == 0 and shown.stdout.strip() == told
    assert casebot(decided, "show", "NOPE").stderr.strip() == "casebot: error: the store has no application NOPE"


def test_replay_gives_the_same_decisions_and_today_s_rules_show_the_difference(decided, tmp_path):
    one = casebot(decided, "replay", "A-1")
    assert one.returncode == 0 and one.stdout.startswith("A-1: same decision (granted, ")
    month = casebot(decided, "replay", "--period", "2023-11")
    assert month.returncode == 0 and month.stdout.strip().endswith("4 decision(s) re-run with the recorded parameter versions: 4 same, 0 differ, 0 cannot be re-run")

    config = tmp_path / "config"
    shutil.copytree(config_dir(), config)
    table = config / "norms" / "2023.toml"
    table.write_text(table.read_text(encoding="utf-8").replace("adult_alone = 3490", "adult_alone = 3500"), encoding="utf-8")
    assert casebot(decided, "replay", "--period", "2023-11", config=config).returncode == 0  # recorded versions: config/ does not matter
    today = casebot(decided, "replay", "--period", "2023-11", "--with-current-rules", config=config)
    assert today.returncode == 1 and "differs with today's rules and parameters" in today.stdout
    assert re.search(r"^    parameters\.norm_table\.sha256: \"[0-9a-f]{64}\" -> \"[0-9a-f]{64}\"$", today.stdout, re.M)
    assert "differ, 0 cannot be re-run" in today.stdout


def test_replay_needs_one_application_or_a_period(decided):
    assert casebot(decided, "replay").stderr.strip() == "casebot: error: name one APPLICATION_ID, or --period YYYY-MM"
    assert "no recorded decisions for 2020-01" in casebot(decided, "replay", "--period", "2020-01").stderr
