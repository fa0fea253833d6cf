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

from sqlalchemy import Text, func, insert, select, tuple_, type_coerce
from sqlalchemy.orm import Session, aliased

from robots.store.models import AuditAnchor, AuditEvent, utcnow

GENESIS = "0" * 64
HEADS = "audit_heads"  # session.info key: item id -> (seq, hash) of its chain's last event in this transaction


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: object) -> str:
    """The sha256 of a stored body (an application, a register answer, a decision) as canonical JSON: the
    chain records it, so that a body changed afterwards no longer matches its event."""
    return hashlib.sha256(canonical(value).encode("utf-8", "surrogatepass")).hexdigest()


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


def _readable(session: Session):
    """The events' rows with time and detail as stored text, parsed by `_parsed`: a row changed behind the
    worker's back may hold what is no time or no JSON, and must be reported, not crash the check."""
    return select(AuditEvent.id, AuditEvent.item_id, AuditEvent.seq, AuditEvent.run_id, AuditEvent.step, AuditEvent.prev_hash,
                  AuditEvent.hash, type_coerce(AuditEvent.at, Text).label("at"), type_coerce(AuditEvent.detail, Text).label("detail"))


def _parsed(at: str | datetime, detail: str | object) -> tuple[datetime, object] | None:
    """(time, detail) of a row from `_readable`; None when they are no time or no JSON. (PostgreSQL's
    driver hands them over parsed already: its column types admit nothing else.)"""
    try:
        when = at if isinstance(at, datetime) else datetime.fromisoformat(at)
        return (when if when.tzinfo else when.replace(tzinfo=UTC)), (json.loads(detail) if isinstance(detail, str) else detail)
    except (TypeError, ValueError):
        return None


def broken_links(session: Session) -> Iterator[tuple[object, str]]:
    """Every event (a row with id, item_id, seq, step …) whose chain does not hold, with what does not
    match: it is not numbered next on its item, it does not link to the event before it, or its hash does
    not cover what it says now."""
    item, seq, previous = None, 0, GENESIS
    rows = session.execute(_readable(session).order_by(AuditEvent.item_id, AuditEvent.seq).execution_options(yield_per=2000))
    for e in rows:
        if e.item_id != item:
            item, seq, previous = e.item_id, 0, GENESIS
        parsed = _parsed(e.at, e.detail)
        if e.seq != seq + 1:
            yield e, f"numbered {e.seq} on item {e.item_id}, after {seq}: an event is missing or moved"
        elif e.prev_hash != previous:
            yield e, "does not link to the event before it on its item"
        elif parsed is None or e.hash != event_hash(previous, e.item_id, e.seq, e.run_id, parsed[0], e.step, parsed[1]):
            yield e, "its content (time, step, run or detail) is not what was recorded"
        item, seq, previous = e.item_id, e.seq, e.hash


def changed_bodies(session: Session, chunk: int = 500) -> Iterator[tuple[object, str]]:
    """Every stored body that no longer matches the hash its event recorded, with the event: the
    application as claimed, each register answer of a fetch, the decision in force (the last one decided)."""
    from robots.store.models import RegisterAnswer, WorkItem

    ids = list(session.scalars(select(WorkItem.id).order_by(WorkItem.id)))
    for start in range(0, len(ids), chunk):
        some = ids[start:start + chunk]
        items = {i.id: i for i in session.scalars(select(WorkItem).where(WorkItem.id.in_(some)))}
        answers: dict[tuple[int, int], list[str]] = {}
        for item_id, attempt, answer in session.execute(select(RegisterAnswer.item_id, RegisterAnswer.attempt, RegisterAnswer.answer)
                                                        .where(RegisterAnswer.item_id.in_(some)).order_by(RegisterAnswer.id)):
            answers.setdefault((item_id, attempt), []).append(digest(answer))
        last: dict[tuple[int, str], tuple[object, dict]] = {}
        for e in session.execute(_readable(session).where(AuditEvent.item_id.in_(some), AuditEvent.step.in_(["claimed", "fetched", "decided"]))
                                 .order_by(AuditEvent.item_id, AuditEvent.seq)):
            parsed = _parsed(e.at, e.detail)
            detail = parsed[1] if parsed is not None and isinstance(parsed[1], dict) else {}  # else broken_links reports it
            if e.step == "fetched" and "answer_sha256" in detail:
                if answers.get((e.item_id, detail.get("attempt")), []) != detail["answer_sha256"]:
                    yield e, f"the register answers of fetch attempt {detail.get('attempt')} are not the ones received"
            else:
                last[e.item_id, e.step] = (e, detail)
        for (item_id, step), (e, detail) in sorted(last.items(), key=lambda kv: kv[1][0].id):
            item = items[item_id]
            if step == "claimed" and "application_sha256" in detail and digest(item.application) != detail["application_sha256"]:
                yield e, "the application kept is not the one claimed"
            if step == "decided" and item.decision is not None and "decision_sha256" in detail \
                    and digest(item.decision) != detail["decision_sha256"]:
                yield e, "the decision kept is not the one decided"
        session.expunge_all()  # a chunk at a time in memory, however large the store


def _anchor_hash(previous: str, run_id: str | None, at: datetime, heads: list) -> str:
    body = canonical({"run": run_id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "heads": heads})
    return hashlib.sha256((previous + body).encode()).hexdigest()


def _tip(session: Session) -> str:
    """The hash of the last anchor: the one no other anchor follows (GENESIS before the first)."""
    later = aliased(AuditAnchor)
    tip = session.scalar(select(AuditAnchor.hash).where(~select(later.id).where(later.prev_hash == AuditAnchor.hash).exists()))
    return tip or GENESIS


def anchor(session: Session, run_id: str, items: list[int] | None = None) -> AuditAnchor | None:
    """Anchor the heads of the chains `run_id` appended to — or of the chains of `items`, what a person's
    action touched — (None when there are none), after the last anchor. Two anchoring at once both read the
    same last anchor; the unique prev_hash lets one in and refuses the other (IntegrityError), which anchors
    again: Store.anchor does."""
    which = AuditEvent.item_id.in_(items) if items is not None else AuditEvent.run_id == run_id
    last = (select(AuditEvent.item_id, func.max(AuditEvent.seq).label("seq")).where(which)
            .group_by(AuditEvent.item_id).subquery())
    heads = [[item_id, seq, hash_] for item_id, seq, hash_ in session.execute(
        select(AuditEvent.item_id, AuditEvent.seq, AuditEvent.hash)
        .join(last, (AuditEvent.item_id == last.c.item_id) & (AuditEvent.seq == last.c.seq)).order_by(AuditEvent.item_id))]
    if not heads:
        return None
    previous, at = _tip(session), utcnow()
    made = AuditAnchor(run_id=run_id, at=at, heads=heads, prev_hash=previous, hash=_anchor_hash(previous, run_id, at, heads))
    session.add(made)
    return made


def broken_anchors(session: Session) -> Iterator[tuple[object, str]]:
    """Every anchor that does not hold, with what does not match: it is not in the anchors' chain, its hash
    does not cover what it says, or an event it anchored is gone or changed (a chain cut short, an item's
    chain deleted whole)."""
    rows = list(session.execute(select(AuditAnchor.id, AuditAnchor.run_id, AuditAnchor.prev_hash, AuditAnchor.hash,
                                       type_coerce(AuditAnchor.at, Text).label("at"), type_coerce(AuditAnchor.heads, Text).label("heads"))))
    by_prev = {a.prev_hash: a for a in rows}
    linked, previous = set(), GENESIS
    while (a := by_prev.get(previous)) is not None and a.id not in linked:
        linked.add(a.id)
        previous = a.hash
    for a in sorted(rows, key=lambda r: r.id):
        parsed = _parsed(a.at, a.heads)
        if a.id not in linked:
            yield a, "is not linked into the anchors' chain: an anchor before it is missing or changed"
        elif parsed is None or a.hash != _anchor_hash(a.prev_hash, a.run_id, parsed[0], parsed[1]):
            yield a, "its content (time, run or heads) is not what was recorded"
            continue
        if parsed is None or not isinstance(parsed[1], list):
            continue
        anchored = {(h[0], h[1]): h[2] for h in parsed[1] if isinstance(h, list) and len(h) == 3}
        found = {}
        for start in range(0, len(anchored), 500):
            keys = list(anchored)[start:start + 500]
            found.update({(i, s): h for i, s, h in session.execute(
                select(AuditEvent.item_id, AuditEvent.seq, AuditEvent.hash).where(tuple_(AuditEvent.item_id, AuditEvent.seq).in_(keys)))})
        for (item_id, seq), hash_ in anchored.items():
            if found.get((item_id, seq)) != hash_:
                yield a, f"event {seq} of item {item_id}, which it anchored, is {'changed' if (item_id, seq) in found else 'gone'}"
