"""`casebot audit verify` on a trail the bots wrote: it holds untouched, and every change made behind the
worker's back — to an event, a stored body, the order of events — is found and named."""

import subprocess
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.write_back import write_back
from robots.store import AuditEvent
from robots.trail.verify import verify

TRIGGERS = ("audit_events_no_update", "audit_events_no_delete", "register_answers_no_update", "register_answers_no_delete")


@pytest.fixture
def trail(bench):
    for n in range(4):
        bench.file(f"A-{n}", seed=n)
    bench.file("A-9", "RENT_ABOVE_CEILING")  # a referral too
    bench.through(intake, fetch, decide, sample, write_back)
    return bench.ctx.store


def behind_the_workers_back(store, sql: str, **params) -> None:
    """A change by someone with the database owner's rights: the append-only triggers dropped first."""
    with store.engine.begin() as connection:
        for trigger in TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(sql), params)


def event_of(store, application_id: str, step: str) -> int:
    with store.sessions() as session:
        return session.scalar(text("SELECT e.id FROM audit_events e JOIN work_items w ON w.id = e.item_id"
                                   " WHERE w.application_id = :a AND e.step = :s ORDER BY e.seq DESC LIMIT 1"), {"a": application_id, "s": step})


def test_an_untouched_trail_holds(trail):
    verdict = verify(trail)
    assert verdict.holds and verdict.chains == 5 and verdict.events >= 5 * 4 and verdict.answers > 5


@pytest.mark.parametrize(("change", "step", "why"), [
    ("UPDATE work_items SET decision = json_set(decision, '$.amount', json_extract(decision, '$.amount') + 1) WHERE application_id = 'A-1'",
     "decided", "the decision kept is not the one decided"),
    ("UPDATE work_items SET application = json_set(application, '$.costs.rent', 1) WHERE application_id = 'A-2'",
     "claimed", "the application kept is not the one claimed"),
    ("UPDATE register_answers SET answer = json_set(answer, '$.period', '2023-12')"
     " WHERE id = (SELECT min(r.id) FROM register_answers r JOIN work_items w ON w.id = r.item_id WHERE w.application_id = 'A-3')",
     "fetched", "the register answers of fetch attempt 1 are not the ones received"),
    ("DELETE FROM register_answers WHERE id = (SELECT min(r.id) FROM register_answers r JOIN work_items w ON w.id = r.item_id"
     " WHERE w.application_id = 'A-0')", "fetched", "the register answers of fetch attempt 1 are not the ones received"),
])
def test_a_changed_body_is_found_at_the_event_that_recorded_it(trail, change, step, why):
    application = change.split("application_id = '")[1][:3]
    behind_the_workers_back(trail, change)
    verdict = verify(trail)
    assert [(p.event_id, p.application_id, p.why) for p in verdict.problems] == [(event_of(trail, application, step), application, why)]


def test_a_changed_event_time_or_a_deleted_event_is_found(trail):
    decided = event_of(trail, "A-1", "decided")
    behind_the_workers_back(trail, "UPDATE audit_events SET at = replace(at, '2', '3') WHERE id = :id", id=decided)
    claimed = event_of(trail, "A-2", "claimed")
    behind_the_workers_back(trail, "DELETE FROM audit_events WHERE id = :id", id=claimed)
    problems = {p.application_id: p.why for p in verify(trail).problems}
    assert problems["A-1"] == "its content (time, step, run or detail) is not what was recorded"
    assert problems["A-2"].startswith("numbered 3 on item") and problems["A-2"].endswith("an event is missing or moved")


@pytest.mark.parametrize("sql", ["UPDATE audit_events SET step = 'x'", "DELETE FROM audit_events", "UPDATE register_answers SET attempt = 9",
                                 "DELETE FROM register_answers"])
def test_the_database_refuses_to_change_the_trail(trail, sql):
    with pytest.raises(DatabaseError, match="is append-only"), trail.engine.begin() as connection:
        connection.execute(text(sql))
    assert verify(trail).holds


def test_casebot_audit_verify_says_it_holds_or_names_the_first_problem(trail, monkeypatch):
    env = {"CASEBOT_DATABASE_URL": str(trail.engine.url), "PATH": ""}
    ok = subprocess.run([sys.executable, "-m", "robots", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.startswith("audit trail holds: ") and "on 5 work items" in ok.stdout
    with trail.sessions() as session:
        target = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).limit(1).offset(3))
    behind_the_workers_back(trail, "UPDATE audit_events SET detail = '{}' WHERE id = :id", id=target)
    bad = subprocess.run([sys.executable, "-m", "robots", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "does NOT hold" in bad.stdout
    assert f"first: event {target} (" in bad.stdout and "is not what was recorded" in bad.stdout


def test_an_anchor_finds_a_chain_cut_short_which_the_chain_alone_cannot(trail):
    anchored = trail.anchor("run-1")
    assert anchored and trail.anchor("run-nobody") is None
    assert verify(trail).holds and verify(trail).anchors == 1
    with trail.sessions() as session:
        item_id, seq = session.execute(text("SELECT item_id, max(seq) FROM audit_events GROUP BY item_id ORDER BY item_id LIMIT 1")).one()
    behind_the_workers_back(trail, "DELETE FROM audit_events WHERE item_id = :i AND seq = :s", i=item_id, s=seq)
    [problem] = verify(trail).problems
    assert problem.line() == f"anchor 1 (run run-1): event {seq} of item {item_id}, which it anchored, is gone"


def test_anchors_form_a_chain_of_their_own(trail):
    trail.anchor("run-1")
    trail.anchor("run-1")
    trail.anchor("run-1")
    assert verify(trail).anchors == 3 and verify(trail).holds
    with trail.engine.begin() as connection:
        for trigger in ("audit_anchors_no_update", "audit_anchors_no_delete"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text("DELETE FROM audit_anchors WHERE id = 2"))
    assert [p.line() for p in verify(trail).problems] == [
        "anchor 3 (run run-1): is not linked into the anchors' chain: an anchor before it is missing or changed"]


def test_the_auditor_s_commands_never_make_a_store_where_there_is_none(tmp_path):
    env = {"CASEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'typo.sqlite3'}", "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "robots", "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "there is no casebot store at sqlite:///" in done.stderr
    assert not (tmp_path / "typo.sqlite3").exists()
