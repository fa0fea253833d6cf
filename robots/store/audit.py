"""The audit trail: one hash chain per work item.

Each event links to the one before it on the same item (`prev_hash`), is numbered on it (`seq`, from 1,
unique per item), and its hash covers the link and everything it says: item, number, run, time, step
and detail, as canonical JSON. One chain per item, not one for the whole store, so that workers deciding
different items never wait for one another to append. A transaction appends to an item's chain only
while it holds the item's row lock (queue.lease, queue.reload, or the insert that made the item), so
it reads the chain's head after any other writer of that item committed; the (item, seq) key refuses
a second writer all the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from robots.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
HEADS = "audit_heads"  # session.info key: item id -> (seq, hash) of its chain's last event in this transaction


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(previous: str, item_id: int, seq: int, run_id: str | None, at: datetime, step: str, detail: dict) -> str:
    """An event's hash, over the previous hash on its item and all of the event. Writing and verifying both use it."""
    body = canonical({"item": item_id, "seq": seq, "run": run_id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
                      "step": step, "detail": detail})
    return hashlib.sha256((previous + body).encode()).hexdigest()


def load_heads(session: Session, item_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The last (seq, hash) of each item's chain in this transaction, read once per item, in one query for
    many: a bot that records a batch item by item loads its items' heads first."""
    heads = session.info.setdefault(HEADS, {})
    missing = [i for i in dict.fromkeys(item_ids) if i not in heads]
    for start in range(0, len(missing), 1000):
        chunk = missing[start:start + 1000]
        last = (select(AuditEvent.item_id, func.max(AuditEvent.seq).label("seq"))
                .where(AuditEvent.item_id.in_(chunk)).group_by(AuditEvent.item_id).subquery())
        rows = session.execute(select(AuditEvent.item_id, AuditEvent.seq, AuditEvent.hash)
                               .join(last, (AuditEvent.item_id == last.c.item_id) & (AuditEvent.seq == last.c.seq)))
        heads.update({item_id: (seq, hash_) for item_id, seq, hash_ in rows})
    for i in missing:
        heads.setdefault(i, (0, GENESIS))
    return heads


def _row(heads: dict, item_id: int, run_id: str | None, step: str, detail: dict, at: datetime) -> dict:
    seq, previous = heads[item_id]
    hash_ = event_hash(previous, item_id, seq + 1, run_id, at, step, detail)
    heads[item_id] = (seq + 1, hash_)
    return {"item_id": item_id, "seq": seq + 1, "run_id": run_id, "at": at, "step": step, "detail": detail,
            "prev_hash": previous, "hash": hash_}


def append(session: Session, step: str, detail: dict, item_id: int, run_id: str | None = None) -> None:
    """Add an event to the item's chain, in the caller's transaction (inserted at its next flush, with
    the other events added meanwhile, in one statement)."""
    session.add(AuditEvent(**_row(load_heads(session, [item_id]), item_id, run_id, step, detail, utcnow())))


def append_many(session: Session, step: str, events: list[tuple[int, dict]], run_id: str | None = None) -> None:
    """Add (item id, detail) events of one step in one statement: for bots storing a batch at a time."""
    if not events:
        return
    heads = load_heads(session, [item_id for item_id, _ in events])
    at = utcnow()
    session.execute(insert(AuditEvent), [_row(heads, item_id, run_id, step, detail, at) for item_id, detail in events])


def saved_heads(session: Session) -> dict:
    """The chains' heads as they are now: a savepoint that rolls back restores them (restore_heads)."""
    return dict(session.info.get(HEADS, {}))


def restore_heads(session: Session, heads: dict) -> None:
    session.info[HEADS] = heads


def broken_links(session: Session) -> Iterator[tuple[AuditEvent, str]]:
    """Every event whose chain does not hold, with what does not match: it is not numbered next on its item,
    it does not link to the event before it, or its hash does not cover what it says now."""
    item, seq, previous = None, 0, GENESIS
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.item_id, AuditEvent.seq).execution_options(yield_per=2000)):
        if e.item_id != item:
            item, seq, previous = e.item_id, 0, GENESIS
        if e.seq != seq + 1:
            yield e, f"numbered {e.seq} on item {e.item_id}, after {seq}: an event is missing or moved"
        elif e.prev_hash != previous:
            yield e, "does not link to the event before it on its item"
        elif e.hash != event_hash(previous, e.item_id, e.seq, e.run_id, e.at, e.step, e.detail):
            yield e, "its content (time, step, run or detail) is not what was recorded"
        item, seq, previous = e.item_id, e.seq, e.hash
