"""The work queue: taking items to work on, and reading what a step needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from robots.store import audit
from robots.store.db import insert_skipping
from robots.store.models import RegisterAnswer, WorkItem


def lease(session: Session, states, owner: str, seconds: int, limit: int, now: datetime, where=()) -> list[WorkItem]:
    """Hold up to `limit` due items in `states` for `seconds`, oldest first. Items another worker holds are
    skipped (SKIP LOCKED on PostgreSQL; on SQLite the transaction holds the write lock). An item whose
    lease lapsed (its worker died) is due again."""
    query = (
        select(WorkItem)
        .where(WorkItem.state.in_([str(s) for s in states]))
        .where(or_(WorkItem.lease_until.is_(None), WorkItem.lease_until < now))
        .where(or_(WorkItem.next_attempt_at.is_(None), WorkItem.next_attempt_at <= now))
        .where(*where)
        .order_by(WorkItem.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    items = list(session.scalars(query))
    until = now + timedelta(seconds=seconds)
    # One UPDATE for the whole batch (per-object changes would flush one UPDATE per item), and the loaded
    # objects told the new values as already stored.
    for start in range(0, len(items), 1000):
        ids = [i.id for i in items[start:start + 1000]]
        session.execute(update(WorkItem).where(WorkItem.id.in_(ids)).values(lease_owner=owner, lease_until=until),
                        execution_options={"synchronize_session": False})
    for item in items:
        set_committed_value(item, "lease_owner", owner)
        set_committed_value(item, "lease_until", until)
    return items


def add_new(session: Session, rows: list[dict]) -> list[tuple[int, str]]:
    """Insert work items, skipping any already there (one application and period is one item, whoever
    inserts it first); returns (id, application id) of those inserted. One statement, no read first, so
    two workers taking in the same page at once cannot both insert one."""
    if not rows:
        return []
    statement = insert_skipping(session, WorkItem, rows, ["application_id", "period"]).returning(WorkItem.id, WorkItem.application_id)
    return [tuple(row) for row in session.execute(statement)]


def reload(session: Session, items: list[WorkItem]) -> list[WorkItem | None]:
    """The same items, attached to this session and locked for it, in one query, with their audit chains'
    heads; None for one whose lease another worker holds now (ours lapsed while we worked on it): what we
    found out is no longer ours to record."""
    ids = [i.id for i in items]
    # locked in id order, as every locking statement locks, so that two that overlap wait rather than deadlock
    by_id = {i.id: i for i in session.scalars(select(WorkItem).where(WorkItem.id.in_(ids)).order_by(WorkItem.id).with_for_update())}
    audit.load_heads(session, ids)
    return [by_id[i.id] if by_id[i.id].lease_owner == i.lease_owner and by_id[i.id].state == i.state else None for i in items]


def release(item: WorkItem) -> None:
    item.lease_owner = item.lease_until = None


def latest_answers(session: Session, item_ids: list[int]) -> dict[int, list[dict]]:
    """The register answers of each item's latest fetch, in one query."""
    last = (select(RegisterAnswer.item_id, func.max(RegisterAnswer.attempt).label("attempt"))
            .where(RegisterAnswer.item_id.in_(item_ids)).group_by(RegisterAnswer.item_id).subquery())
    rows = session.execute(
        select(RegisterAnswer.item_id, RegisterAnswer.answer)
        .join(last, (RegisterAnswer.item_id == last.c.item_id) & (RegisterAnswer.attempt == last.c.attempt))
        .order_by(RegisterAnswer.id)
    )
    found: dict[int, list[dict]] = {i: [] for i in item_ids}
    for item_id, answer in rows:
        found[item_id].append(answer)
    return found


def take_claims(items: list[WorkItem], claimant: str) -> dict[int, list[str]]:
    """Record `claimant` as the one claiming each item in the case system, before it claims; returns, per
    item, the earlier instances that may still hold its claim (crashed workers'), whose claim this one takes
    over. They are kept on the item until a claim succeeds (`claim_taken`): a takeover that failed, or a
    worker that died while taking over, must not forget who holds the claim."""
    earlier = {}
    for item in items:
        holders = [c for c in [*(item.replaces or []), item.claimed_by] if c not in (None, claimant)]
        item.replaces = earlier[item.id] = list(dict.fromkeys(holders))[-10:] or None
        item.claimed_by = claimant
    return {i: e or [] for i, e in earlier.items()}


def claim_taken(item: WorkItem) -> None:
    """The claim is ours now: nobody else may hold it."""
    item.replaces = None
