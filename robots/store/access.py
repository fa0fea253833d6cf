"""The sign-in record: who signed in to the console, failed to, was refused, signed out, or was added as
a user. Append-only, one hash chain (as each work item's trail is: robots/store/audit.py); what a person
does to a case is recorded on the case's own chain."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from robots.store.audit import GENESIS, canonical
from robots.store.models import AccessEvent, utcnow


def _access_hash(previous: str, at: datetime, who: str, what: str, detail: dict) -> str:
    return hashlib.sha256((previous + canonical({"at": at.astimezone(UTC).isoformat(timespec="microseconds"), "who": who, "what": what,
                                                 "detail": detail})).encode()).hexdigest()


def record(store, who: str, what: str, at: datetime | None = None, **detail) -> None:
    """Append to the sign-in record. Two appending at once read the same last event; the unique prev_hash
    lets one in, and the other appends again after it."""
    at = at or utcnow()
    for attempt in range(5):
        try:
            with store.unit_of_work() as session:
                previous = session.scalar(select(AccessEvent.hash).order_by(AccessEvent.id.desc()).limit(1)) or GENESIS
                session.add(AccessEvent(at=at, who=who[:100], what=what, detail=detail, prev_hash=previous,
                                        hash=_access_hash(previous, at, who[:100], what, detail)))
            return
        except IntegrityError:
            if attempt == 4:
                raise


def broken(store) -> list[tuple[int, str]]:
    """(id, what does not hold) for every sign-in event out of its chain or changed since it was recorded."""
    with store.sessions() as session:
        events = list(session.scalars(select(AccessEvent).order_by(AccessEvent.id)))
    found, previous = [], GENESIS
    for e in events:
        if e.prev_hash != previous:
            found.append((e.id, "does not link to the event before it"))
        elif e.hash != _access_hash(e.prev_hash, e.at, e.who, e.what, e.detail):
            found.append((e.id, "its content is not what was recorded"))
        previous = e.hash
    return found


