"""`casebot items`: what waits or failed, with why, as text and JSON; retry, release and resolve, each an
audited workflow move that names the person."""

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from robots import casework
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.casework import NotPossible, Person
from robots.items import find
from robots.store import AuditEvent
from tests.cli.test_status_command import a_busy_store

OLLE = Person("olle", "operator")


def casebot(bench, tmp_path, *args):
    env = {"CASEBOT_DATABASE_URL": str(bench.ctx.store.engine.url), "PATH": "", "HOME": str(tmp_path), "USER": "olle"}
    return subprocess.run([sys.executable, "-m", "robots", "items", *args], env=env, capture_output=True, text=True, timeout=60)


def test_items_by_state_and_reason_with_why(bench, tmp_path):
    a_busy_store(bench)
    failed = find(bench.ctx.store, state="FAILED")
    assert [(i["application_id"], i["error_kind"], i["attempts"]) for i in failed] == [("A-4", "SYSTEM", 2)]
    assert "fake outage" in failed[0]["last_error"]
    waiting = find(bench.ctx.store, state="WAITING")[0]
    assert waiting["application_id"] == "A-3" and waiting["next_attempt"] is not None
    assert [i["application_id"] for i in find(bench.ctx.store, reason="RENT_CHANGED")] == ["A-2"]
    done = casebot(bench, tmp_path, "--state", "FAILED", "--json")
    assert done.returncode == 0 and [i["application_id"] for i in json.loads(done.stdout)] == ["A-4"]
    text = casebot(bench, tmp_path, "--reason", "RENT_CHANGED").stdout
    assert "A-2" in text and "WITH_CASEWORKER" in text and "A-1" not in text


def test_retry_makes_a_waiting_item_due_and_requeues_a_failed_one(bench):
    a_busy_store(bench)
    items = bench.items()
    assert casework.retry_now(bench.ctx, items["A-3"].id, OLLE, "") == "WAITING"
    assert bench.items()["A-3"].next_attempt_at is None
    assert casework.retry_now(bench.ctx, items["A-4"].id, OLLE, "") == "NEW"
    intake(bench.ctx)
    assert bench.items()["A-4"].state == "CLAIMED"


def test_release_gives_the_claim_back_and_resolve_closes_a_failed_item(bench, tmp_path):
    a_busy_store(bench)
    items = bench.items()
    with pytest.raises(NotPossible, match="--note"):
        casework.release(bench.ctx, items["A-3"].id, OLLE, " ")
    casework.release(bench.ctx, items["A-3"].id, OLLE, "Handläggaren tar ärendet.")
    assert bench.items()["A-3"].state == "WITHDRAWN" and bench.cases.records["A-3"]["status"] == "submitted"
    with pytest.raises(NotPossible, match="without a decision"):
        casework.release(bench.ctx, items["A-2"].id, OLLE, "x")
    done = casebot(bench, tmp_path, "resolve", str(items["A-4"].id), "--note", "Beslutat i verksamhetssystemet.")
    assert done.returncode == 0, done.stderr
    assert bench.items()["A-4"].state == "WITHDRAWN"
    refused = casebot(bench, tmp_path, "resolve", str(items["A-1"].id), "--note", "x")
    assert refused.returncode == 2 and refused.stderr.strip() == f"casebot: error: item {items['A-1'].id} is WRITTEN: only a FAILED item is resolved by hand"
    with bench.ctx.store.sessions() as session:
        steps = [(e.step, e.detail.get("by")) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("released", "operator:olle") in steps and ("resolved", "operator:olle") in steps
    fetch(bench.ctx)  # the released item is not the robot's any more
    assert bench.items()["A-3"].state == "WITHDRAWN"
