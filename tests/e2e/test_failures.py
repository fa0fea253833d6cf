"""One failure policy: an unexpected error on one item stays with that item. Its neighbours go on, it is
tried again with backoff, and after the configured attempts it is FAILED for a person — it never stalls
its batch, pass after pass."""

import time

from sqlalchemy import select

import robots.bots.decide
from robots.store import AuditEvent, WorkItem


def test_a_poison_item_fails_alone_after_its_attempts_and_its_neighbours_go_on(world, monkeypatch):
    world.seed(12, seed=15)
    real = robots.bots.decide.decided_case
    poison = {}

    def decide_or_choke(application, *args, **kwargs):
        poison.setdefault("id", application["application_id"])  # the first one decided is the poison
        if application["application_id"] == poison["id"]:
            raise KeyError("something the rules did not expect")
        return real(application, *args, **kwargs)

    monkeypatch.setattr(robots.bots.decide, "decided_case", decide_or_choke)
    worker = world.worker(retry={"attempts": 2, "seconds": 1})
    counts = worker.run_pass()
    assert counts["decide"]["errors"] == 1 and counts["decide"]["granted"] + counts["decide"]["referred"] == 11
    time.sleep(1.1)
    counts = worker.run_pass()
    assert counts["decide"]["errors"] == 1
    with worker.store.sessions() as session:
        item = session.scalars(select(WorkItem).where(WorkItem.application_id == poison["id"])).one()
        assert (item.state, item.error_kind, item.attempts) == ("FAILED", "APPLICATION", 2)
        assert item.last_error == "KeyError: 'something the rules did not expect'"
        steps = [e.step for e in session.scalars(select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.id))]
        assert steps[-2:] == ["error", "failed"]
        others = set(session.scalars(select(WorkItem.state).where(WorkItem.application_id != poison["id"])))
    assert others <= {"WRITTEN", "WITH_CASEWORKER"}
    assert world.open_items() == 0  # a FAILED item is a person's
    worker.close()

