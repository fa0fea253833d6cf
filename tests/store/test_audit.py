"""The audit trail's chains: an untouched trail verifies, and any change to a recorded event is found and named."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from robots.store import AuditEvent, open_store
from robots.store.audit import broken_links
from robots.store.queue import add_new

AT = datetime(2026, 11, 19, 8, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    with store.unit_of_work() as session:
        items = add_new(session, [{"application_id": f"A-{n}", "period": "2026-11", "state": "NEW", "received_at": AT, "deadline": AT}
                                  for n in range(3)])
        store.audit_many(session, "intake", [(item_id, {"application_id": a}) for item_id, a in items], "run-1")
    for step in ("claimed", "fetched", "decided"):
        with store.unit_of_work() as session:
            for item_id, _ in items:
                store.audit(session, step, {"from": "X", "to": "Y", "amount": 1234, "draw": 0.125, "name": "Åsa"}, item_id, "run-1")
    yield store
    store.engine.dispose()


def tamper(store, sql: str, **params) -> None:
    """A change by someone with the database owner's rights: the append-only triggers dropped first."""
    with store.engine.begin() as connection:
        for trigger in ("audit_events_no_update", "audit_events_no_delete"):
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text(sql), params)


def first_broken(store) -> tuple[int, str] | None:
    with store.sessions() as session:
        return next(((e.id, why) for e, why in broken_links(session)), None)


def event(store, item_id: int, seq: int) -> int:
    with store.sessions() as session:
        return session.scalar(select(AuditEvent.id).where(AuditEvent.item_id == item_id, AuditEvent.seq == seq))


def test_an_untouched_trail_verifies_with_one_numbered_chain_per_item(store):
    assert first_broken(store) is None and store.verify_audit_chain() is None
    with store.sessions() as session:
        chains = session.execute(select(AuditEvent.item_id, AuditEvent.seq).order_by(AuditEvent.id)).all()
    assert sorted(chains) == [(i, s) for i in (1, 2, 3) for s in (1, 2, 3, 4)]


@pytest.mark.parametrize("change", [
    "UPDATE audit_events SET detail = replace(detail, '1234', '1235') WHERE id = :id",
    "UPDATE audit_events SET detail = replace(detail, 'sa' || char(34), 'se' || char(34)) WHERE id = :id",
    "UPDATE audit_events SET at = substr(at, 1, length(at) - 1) || CASE WHEN substr(at, -1) = '1' THEN '2' ELSE '1' END WHERE id = :id",
    "UPDATE audit_events SET step = 'granted' WHERE id = :id",
    "UPDATE audit_events SET run_id = 'run-2' WHERE id = :id",
])
def test_a_changed_byte_of_an_event_is_found_and_named(store, change):
    target = event(store, 2, 3)
    tamper(store, change, id=target)
    assert first_broken(store) == (target, "its content (time, step, run or detail) is not what was recorded")


def test_a_deleted_event_is_found_at_the_next_one_on_its_item(store):
    tamper(store, "DELETE FROM audit_events WHERE id = :id", id=event(store, 2, 2))
    assert first_broken(store) == (event(store, 2, 3), "numbered 3 on item 2, after 1: an event is missing or moved")


def test_two_swapped_events_are_found(store):
    a, b = event(store, 1, 2), event(store, 1, 3)
    tamper(store, "UPDATE audit_events SET seq = -seq WHERE id IN (:a, :b)", a=a, b=b)
    tamper(store, "UPDATE audit_events SET seq = CASE WHEN id = :a THEN 3 ELSE 2 END WHERE id IN (:a, :b)", a=a, b=b)
    assert first_broken(store) == (b, "does not link to the event before it on its item")


def test_an_event_moved_to_another_item_is_found(store):
    tamper(store, "UPDATE audit_events SET item_id = 3, seq = 5 WHERE id = :id", id=event(store, 1, 4))
    assert first_broken(store) == (event(store, 3, 5), "does not link to the event before it on its item")
