"""Kill the worker (SIGKILL) in the middle of runs, start it again, and find every application
processed exactly once: one decision each in the case system, at most one payment each."""

import os
import random
import signal
import subprocess
import sys
import time

import requests
from sqlalchemy import func, select

from connectors.casesystem.client import CaseSystemClient
from robots.store import AuditEvent, WorkItem, open_store


def audit_events(world) -> int:
    store = open_store(world.database_url)
    try:
        with store.sessions() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent))
    finally:
        store.engine.dispose()


def start_worker(world) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "robots", "run"], env=world.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def test_killed_mid_run_and_restarted_every_application_is_processed_exactly_once(world):
    world.seed(120, seed=21)
    # slow the gateway down so that runs are long enough to be killed in the middle
    requests.put(world.gateway.url + "/admin/faults", json={"latency_ms": 120, "jitter_ms": 40}, timeout=5).raise_for_status()
    rng = random.Random(5)
    kills = 0
    for _ in range(4):
        before = audit_events(world) if kills else 0
        worker = start_worker(world)
        # kill it once it is at work (whatever the machine's speed), at a random moment
        deadline = time.monotonic() + 60
        while audit_events(world) <= before and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.0))
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait()
    assert kills >= 2, "the runs finished before they could be killed; slow the gateway down"
    deadline = time.monotonic() + 180
    while world.open_items() and time.monotonic() < deadline:
        finished = subprocess.run([sys.executable, "-m", "robots", "run"], env=world.env, capture_output=True, text=True, timeout=300)
        assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
        time.sleep(1)  # leases of killed runs lapse after 3 s in this world
    assert world.open_items() == 0

    cases = CaseSystemClient(world.cases.url)
    records = [cases.get(a["application_id"]) for status in ("decided", "referred", "submitted", "claimed") for a in cases.applications(status)]
    assert len(records) == 120
    assert all(len(r["decisions"]) == 1 for r in records), "exactly one decision per application"
    assert all(r["status"] in ("decided", "referred") for r in records)
    grants = [r for r in records if r["decisions"][0]["outcome"] == "granted"]
    assert all(len(r["payments"]) == 1 for r in grants) and sum(len(r["payments"]) for r in records) == len(grants)
    store = open_store(world.database_url)
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 120
        assert set(session.scalars(select(WorkItem.state))) <= {"WRITTEN", "REFERRED"}
    assert store.verify_audit_chain() is None
    store.engine.dispose()
