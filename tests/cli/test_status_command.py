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


def a_store_in_every_state(bench):
    """One item in each state of the workflow (two with a caseworker: one waiting, one decided)."""
    from robots import casework

    bench.file("A-1")
    bench.file("A-2", "RENT_CHANGED", seed=2)
    bench.file("A-3", "RENT_CHANGED", seed=3)
    bench.through(*ALL)  # A-1 WRITTEN; WITH_CASEWORKER
    bench.cases.down = True  # a caseworker decides A-3 while the case system is down: not written yet
    casework.decide(bench.ctx, bench.items()["A-3"].id, casework.Person("anna", "caseworker"), "refused", "Motiverat.")
    bench.cases.down = False
    bench.file("A-4", seed=4)
    bench.cases.claims_down = True
    for _ in range(2):
        intake(bench.ctx)
        bench.advance(seconds=61)
    bench.cases.claims_down = False  # A-4 FAILED
    bench.file("A-5", seed=5)
    bench.cases.records["A-5"]["claimed_by"] = "casebot@another-host"
    intake(bench.ctx)  # A-5 WITHDRAWN
    waiting = bench.file("A-6", seed=6)
    bench.gateway.failing.add(waiting["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)  # A-6 WAITING
    bench.file("A-7", seed=7)
    bench.file("A-8", "RENT_CHANGED", seed=8)
    bench.through(intake, fetch, decide)  # A-7 DECIDED, A-8 REFERRED
    bench.file("A-9", seed=9)
    bench.through(intake, fetch)  # A-9 READY
    bench.file("A-10", seed=10)
    intake(bench.ctx)  # A-10 CLAIMED
    bench.file("A-11", seed=11)
    bench.cases.claims_down = True
    intake(bench.ctx)  # A-11 NEW, its claim to be tried again
    bench.cases.claims_down = False


def test_status_on_a_store_with_an_item_in_every_state(bench, tmp_path):
    a_store_in_every_state(bench)
    report = status(bench.ctx.store, now=bench.clock[0])
    assert jsonschema_rs.validator_for(SCHEMA).is_valid(report)
    assert report["items"] == {s: 1 for s in report["items"]}, report["items"]
    env = {"CASEBOT_DATABASE_URL": str(bench.ctx.store.engine.url), "PATH": "", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "robots", "status", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout)["items"] == report["items"]
    listed = subprocess.run([sys.executable, "-m", "robots", "items", "--all", "--json", "--limit", "100"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert sorted(i["state"] for i in json.loads(listed.stdout)) == sorted(report["items"])
    waiting = subprocess.run([sys.executable, "-m", "robots", "items", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert sorted(i["state"] for i in json.loads(waiting.stdout)) == sorted(  # by default what waits or failed: the SLA watch's
        ["NEW", "CLAIMED", "WAITING", "READY", "DECIDED", "REFERRED", "CASEWORKER_DECIDED", "FAILED"])
    text = subprocess.run([sys.executable, "-m", "robots", "status"], env=env, capture_output=True, text=True, timeout=60).stdout
    assert all(f"{state:18s}       1" in text for state in report["items"]), text
