"""Write back: the stored decision to the case system, under its own id. The case system records a
decision id once and pays it once, so a write that is repeated after a crash changes nothing.
A system error is retried at a later pass, with backoff, at most `[retry] attempts` times; a refusal (another decision exists, the decision is
refused as invalid) is a business problem: the item fails and a person looks. An application someone else
decided in the case system meanwhile is withdrawn: not ours any more, and nothing of ours was paid."""

from __future__ import annotations

from sqlalchemy import delete

from connectors.errors import Conflict, ConnectorError, Rejected
from robots.bots.batches import in_batches
from robots.bots.context import Context
from robots.bots.failures import each_guarded
from robots.store.models import PersonMonth, WorkItem
from robots.store.queue import lease, release, reload
from robots.workflow import TO_WRITE, State, move


def write_back(ctx: Context, only: list[int] | None = None) -> dict[str, int]:
    """Write what is due; `only`: just these items (a caseworker's decision, written as it is made)."""
    counts = {"written": 0, "referred": 0, "already_there": 0, "paid_elsewhere": 0, "withdrawn": 0, "failed": 0, "retry": 0, "errors": 0}
    with ctx.store.unit_of_work() as session:
        items = lease(session, TO_WRITE, **ctx.lease_args(), where=[WorkItem.id.in_(only)] if only is not None else ())
    writes = ctx.casesystem.put_many([(i.application_id, i.decision_id, i.decision) for i in items])
    for batch in in_batches(writes):
        with ctx.store.unit_of_work() as session:
            mine = list(zip(reload(session, [items[b[0]] for b in batch]), batch))
            each_guarded(ctx, session, [(item, lambda item=item, r=recorded_now, e=error: _record_write(ctx, session, item, r, e))
                                        for item, (_, recorded_now, error) in mine], counts)
            counts["already_there"] += sum(item is not None and recorded_now is False for item, (_, recorded_now, _) in mine)
    return counts


def _record_write(ctx: Context, session, it: WorkItem, recorded_now: bool | None, error: Exception | None) -> str:
    release(it)
    paid = error.detail.get("granted_elsewhere") if isinstance(error, Conflict) and isinstance(error.detail, dict) \
        and error.detail.get("code") == "ALREADY_PAID" else None
    if isinstance(paid, dict) and it.state == State.DECIDED and not paid.keys() <= (it.granted_elsewhere or {}).keys():
        # The case system's ledger already pays a member this month under another application: nothing was
        # recorded. Decide again knowing it, which refers the application (DUPLICATE_APPLICATION). A refusal
        # that names nobody new would only come back: that is for a person (FAILED, below).
        it.granted_elsewhere = (it.granted_elsewhere or {}) | paid
        it.decision, it.outcome, it.amount, it.last_error, it.error_kind = None, None, None, str(error), "BUSINESS"
        it.sample_draw = it.sampled = None  # no longer a grant, so not on the follow-up list
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == it.id))
        move(ctx.store, session, it, State.READY, "paid elsewhere", ctx.run_id, applications=sorted(set(it.granted_elsewhere.values())))
        return "paid_elsewhere"
    elsewhere = error.detail if isinstance(error, Conflict) and isinstance(error.detail, dict) \
        and error.detail.get("code") == "ALREADY_DECIDED" and error.detail.get("decision_id") != it.decision_id else None
    if elsewhere is not None:
        # Someone decided the application in the case system meanwhile (a caseworker there): it is not ours
        # to decide any more. Nothing of ours was recorded or paid; the months we held are let go.
        it.last_error, it.error_kind = str(error), "BUSINESS"
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == it.id))
        move(ctx.store, session, it, State.WITHDRAWN, "withdrawn", ctx.run_id, why=str(error),
             decided_by=elsewhere.get("decided_by"), their_decision=elsewhere.get("decision_id"))
        ctx.log.warning("write back: %s was decided by %s meanwhile: withdrawn", it.application_id, elsewhere.get("decided_by"))
        return "withdrawn"
    if isinstance(error, Rejected):
        it.last_error, it.error_kind = str(error), "BUSINESS"
        move(ctx.store, session, it, State.FAILED, "write back refused", ctx.run_id, status=error.status, why=str(error))
        ctx.log.error("write back: the case system refused the decision for %s: %s; a person must look", it.application_id, error)
        return "failed"
    if isinstance(error, ConnectorError):
        it.attempts, it.last_error, it.error_kind = it.attempts + 1, str(error), "SYSTEM"
        if it.attempts >= ctx.settings.retry.attempts:  # capped as fetch is: a person looks, and can send it again
            move(ctx.store, session, it, State.FAILED, "write back gave up", ctx.run_id, attempts=it.attempts, why=str(error))
            ctx.log.error("write back: gave up on %s after %d attempts: %s; a person must look", it.application_id, it.attempts, error)
            return "failed"
        it.next_attempt_at = ctx.clock() + ctx.settings.retry.wait(it.attempts)
        return "retry"
    if error is not None:
        raise error
    it.written_at = ctx.clock()
    it.attempts, it.next_attempt_at, it.last_error, it.error_kind = 0, None, None, None
    move(ctx.store, session, it, State.WITH_CASEWORKER if it.state == State.REFERRED else State.WRITTEN, "written back", ctx.run_id,
         decision_id=it.decision_id, outcome=it.outcome, recorded_now=recorded_now)
    return "referred" if it.outcome == "referred" else "written"
