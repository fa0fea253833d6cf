"""Write back: the stored decision to the case system, under its own id. The case system records a
decision id once and pays it once, so a write that is repeated after a crash changes nothing.
A system error is retried at a later pass; a refusal (another decision exists, the decision is
refused as invalid) is a business problem: the item fails and a person looks."""

from __future__ import annotations

from sqlalchemy import and_, delete, or_

from connectors.errors import Conflict, ConnectorError, Rejected
from robots.bots.concurrently import concurrently, in_batches
from robots.bots.context import Context
from robots.store.models import PersonMonth, State, WorkItem
from robots.store.queue import lease, release, reload


def write_back(ctx: Context) -> dict[str, int]:
    counts = {"written": 0, "referred": 0, "already_there": 0, "paid_elsewhere": 0, "failed": 0, "retry": 0}
    unwritten = or_(WorkItem.state == State.DECIDED, and_(WorkItem.state == State.REFERRED, WorkItem.written_at.is_(None)))
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.DECIDED, State.REFERRED], where=[unwritten], **ctx.lease_args())
    put = lambda item: ctx.casesystem.put_decision(item.application_id, item.decision_id, item.decision)  # noqa: E731
    for batch in in_batches(concurrently(put, items, ctx.casesystem.http.max_concurrency)):
        with ctx.store.unit_of_work() as session:
            for item, (_, recorded_now, error) in zip(reload(session, [b[0] for b in batch]), batch):
                counts[_record_write(ctx, session, item, recorded_now, error)] += 1
                counts["already_there"] += recorded_now is False
    return counts


def _record_write(ctx: Context, session, it: WorkItem, recorded_now: bool | None, error: Exception | None) -> str:
    release(it)
    if isinstance(error, Conflict) and isinstance(error.detail, dict) and error.detail.get("code") == "ALREADY_PAID":
        # The case system's ledger already pays a member this month under another application: nothing was
        # recorded. Decide again knowing it, which refers the application (DUPLICATE_APPLICATION).
        it.granted_elsewhere = (it.granted_elsewhere or {}) | dict(error.detail.get("granted_elsewhere") or {})
        it.state, it.decision, it.outcome, it.amount, it.last_error = State.READY, None, None, None, str(error)
        it.sample_draw = it.sampled = None  # no longer a grant, so not on the follow-up list
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == it.id))
        ctx.store.audit(session, "paid elsewhere", {"applications": sorted(set(it.granted_elsewhere.values()))}, it.id, ctx.run_id)
        return "paid_elsewhere"
    if isinstance(error, Rejected):
        it.state, it.last_error = State.FAILED, str(error)
        ctx.store.audit(session, "write back refused", {"status": error.status, "why": str(error)}, it.id, ctx.run_id)
        ctx.log.error("write back: the case system refused the decision for %s: %s; a person must look", it.application_id, error)
        return "failed"
    if isinstance(error, ConnectorError):
        it.attempts, it.last_error = it.attempts + 1, str(error)
        it.next_attempt_at = ctx.clock() + ctx.settings.retry.wait(it.attempts)
        return "retry"
    if error is not None:
        raise error
    it.written_at = ctx.clock()
    it.attempts, it.next_attempt_at, it.last_error = 0, None, None
    if it.state == State.DECIDED:
        it.state = State.WRITTEN
    ctx.store.audit(session, "written back", {"decision_id": it.decision_id, "outcome": it.outcome, "recorded_now": recorded_now}, it.id, ctx.run_id)
    return "referred" if it.outcome == "referred" else "written"
