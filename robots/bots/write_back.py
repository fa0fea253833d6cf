"""Write back: the stored decision to the case system, under its own id. The case system records a
decision id once and pays it once, so a write that is repeated after a crash changes nothing.
A system error is retried at a later pass; a refusal (another decision exists, the decision is
refused as invalid) is a business problem: the item fails and a person looks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_

from connectors.errors import ConnectorError, Rejected
from robots.bots.context import Context
from robots.store.models import State, WorkItem
from robots.store.queue import lease, release

RETRY_AFTER = timedelta(minutes=1)


def write_back(ctx: Context) -> dict[str, int]:
    counts = {"written": 0, "referred": 0, "already_there": 0, "failed": 0, "retry": 0}
    unwritten = or_(WorkItem.state == State.DECIDED, and_(WorkItem.state == State.REFERRED, WorkItem.written_at.is_(None)))
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.DECIDED, State.REFERRED], where=[unwritten], **ctx.lease_args())
    for item in items:
        try:
            recorded_now = ctx.casesystem.put_decision(item.application_id, item.decision_id, item.decision)
        except Rejected as e:
            with ctx.store.unit_of_work() as session:
                it = session.get(WorkItem, item.id)
                it.state, it.last_error = State.FAILED, str(e)
                release(it)
                ctx.store.audit(session, "write back refused", {"status": e.status, "why": str(e)}, it.id, ctx.run_id)
            ctx.log.error("write back: the case system refused the decision for %s: %s; a person must look", item.application_id, e)
            counts["failed"] += 1
            continue
        except ConnectorError as e:
            with ctx.store.unit_of_work() as session:
                it = session.get(WorkItem, item.id)
                it.attempts, it.last_error, it.next_attempt_at = it.attempts + 1, str(e), ctx.clock() + RETRY_AFTER
                release(it)
            counts["retry"] += 1
            continue
        with ctx.store.unit_of_work() as session:
            it = session.get(WorkItem, item.id)
            it.written_at = ctx.clock()
            it.attempts, it.next_attempt_at, it.last_error = 0, None, None
            if it.state == State.DECIDED:
                it.state = State.WRITTEN
            release(it)
            ctx.store.audit(session, "written back", {"decision_id": it.decision_id, "outcome": it.outcome, "recorded_now": recorded_now}, it.id, ctx.run_id)
        counts["referred" if item.outcome == "referred" else "written"] += 1
        counts["already_there"] += not recorded_now
    return counts
