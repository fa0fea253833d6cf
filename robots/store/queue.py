"""The work queue: taking items to work on, and reading what a step needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

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
    for item in items:
        item.lease_owner, item.lease_until = owner, now + timedelta(seconds=seconds)
    return items


def release(item: WorkItem) -> None:
    item.lease_owner = item.lease_until = None


def latest_answers(session: Session, item_id: int) -> list[dict]:
    """The register answers of the item's latest fetch."""
    last = select(func.max(RegisterAnswer.attempt)).where(RegisterAnswer.item_id == item_id).scalar_subquery()
    rows = session.scalars(select(RegisterAnswer).where(RegisterAnswer.item_id == item_id, RegisterAnswer.attempt == last).order_by(RegisterAnswer.id))
    return [r.answer for r in rows]
