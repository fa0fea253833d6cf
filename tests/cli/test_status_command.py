"""`casebot status` on a store with items in many states: counters as counted, Swedish time, referrals by
reason, `--json` against its schema, and `--check` for a monitor."""

import json
import subprocess
import sys

import jsonschema_rs

from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.write_back import write_back
from robots.status import SCHEMA, needs_a_person, render, status

ALL = (intake, fetch, decide, sample, write_back)


def a_busy_store(bench):
    """WRITTEN, WITH_CASEWORKER, WAITING and FAILED items, and a run recorded."""
    bench.file("A-1")
    bench.file("A-2", "RENT_CHANGED", seed=2)
    bench.through(*ALL)
    waiting = bench.file("A-3", seed=3)
    bench.gateway.failing.add(waiting["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)
    bench.file("A-4", seed=4)
    bench.cases.claims_down = True
    for _ in range(2):
        intake(bench.ctx)
        bench.advance(seconds=61)
    bench.cases.claims_down = False


def test_counters_states_and_reasons(bench):
    a_busy_store(bench)
    report = status(bench.ctx.store, now=bench.clock[0])
    assert jsonschema_rs.validator_for(SCHEMA).is_valid(report)
    assert {k: v for k, v in report["items"].items() if v} == {"WRITTEN": 1, "WITH_CASEWORKER": 1, "WAITING": 1, "FAILED": 1}
    assert report["referrals_by_reason"] == {"RENT_CHANGED": 1} and report["failed"] == 1
    assert needs_a_person(report) == ["1 item(s) FAILED: a person must look (casebot console, Drift)"]
    text = render(report)
    assert "WITH_CASEWORKER" in text and "RENT_CHANGED" in text and "of 1 grants sampled" in text


def test_the_command_prints_json_and_check_exits_1_on_a_failed_item(bench, tmp_path):
    a_busy_store(bench)
    env = {"CASEBOT_DATABASE_URL": str(bench.ctx.store.engine.url), "PATH": "", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "robots", "status", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert jsonschema_rs.validator_for(SCHEMA).is_valid(report) and report["items"]["FAILED"] == 1
    checked = subprocess.run([sys.executable, "-m", "robots", "status", "--check"], env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1 and "FAILED: a person must look" in checked.stdout
