"""Intake: take submitted applications from the case system and make a work item for each.

The work item, naming this worker instance as the claimant, is written before the claim, so a crash
between the two loses nothing: an item still NEW is claimed again at the next pass, by this instance's
claim again or by another instance that takes the dead one's claim over by name. Another instance that
holds the application in its own right (a second robot with the same configured id) keeps it.
"""

from __future__ import annotations

from datetime import datetime

from connectors.errors import Conflict, ConnectorError, NotFound
from robots.bots.batches import in_batches
from robots.bots.context import Context
from robots.bots.failures import each_guarded
from robots.contract.validate import application_problems
from robots.store import audit
from robots.store.models import WorkItem
from robots.store.queue import add_new, claim_taken, lease, release, reload, take_claims
from robots.workdays import deadline_for
from robots.workflow import State, move


def _received_at(value: str | None, fallback: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=fallback.tzinfo)


def intake(ctx: Context) -> dict[str, int]:
    counts = {"new": 0, "claimed": 0, "taken_by_others": 0, "claim_failed": 0, "errors": 0}
    now = ctx.clock()
    # Every submitted application, page after page, so that none waits behind others that cannot be
    # claimed; each page's new items are claimed before the next page is read, so that fetch can start on
    # them meanwhile. A case system that does not answer fails this step (and the run): the next run tries again.
    for page in in_batches(ctx.casesystem.applications("submitted"), 100):
        rows = []
        for summary in page:
            received = _received_at(summary.get("received_at"), now)
            rows.append({"application_id": summary["application_id"], "period": summary["period"], "state": State.NEW,
                         "received_at": received, "deadline": deadline_for(received), "attempts": 0, "created_at": now, "updated_at": now})
        deadlines = {r["application_id"]: r["deadline"].isoformat() for r in rows}
        with ctx.store.unit_of_work() as session:
            new = add_new(session, rows)  # an item another worker added meanwhile is not added twice
            ctx.store.audit_many(session, "intake", [(item_id, {"application_id": a, "deadline": deadlines[a]}) for item_id, a in new],
                                 ctx.run_id)
        counts["new"] += len(new)
        while _claim_batch(ctx, counts):
            pass
    while _claim_batch(ctx, counts):  # items left NEW by an earlier pass, when nothing is submitted now
        pass
    return counts


def _claim_batch(ctx: Context, counts: dict[str, int]) -> bool:
    """Claim a batch of due NEW items in the case system; False when there was none."""
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.NEW], **ctx.lease_args())
        earlier = take_claims(items, ctx.robot)  # written before the claim: a crash in between still knows who claimed
    claims = ctx.casesystem.claim_many([(i.application_id, earlier[i.id]) for i in items], ctx.robot, ctx.settings.worker.claim_seconds)
    for batch in in_batches(claims):
        with ctx.store.unit_of_work() as session:
            each_guarded(ctx, session, [
                (item, lambda item=item, record=record, error=error: _record_claim(ctx, session, item, record, error))
                for item, (_, record, error) in zip(reload(session, [items[b[0]] for b in batch]), batch)], counts)
    return bool(items)


def _record_claim(ctx: Context, session, it: WorkItem, record: dict | None, error: Exception | None) -> str:
    release(it)
    if isinstance(error, (Conflict, NotFound)):
        # Another robot took it, or it was decided or withdrawn meanwhile: nothing of ours to do.
        it.last_error, it.error_kind = str(error), "BUSINESS"
        move(ctx.store, session, it, State.WITHDRAWN, "withdrawn", ctx.run_id, application_id=it.application_id, why=str(error))
        return "taken_by_others"
    if isinstance(error, ConnectorError):  # tried again with the [retry] backoff, at most as many times
        it.attempts, it.last_error, it.error_kind = it.attempts + 1, str(error), "SYSTEM"
        if it.attempts >= ctx.settings.retry.attempts:
            move(ctx.store, session, it, State.FAILED, "claim gave up", ctx.run_id, attempts=it.attempts, why=str(error))
        else:
            it.next_attempt_at = ctx.clock() + ctx.settings.retry.wait(it.attempts)
        ctx.log.warning("intake: could not claim %s: %s", it.application_id, error)
        return "claim_failed"
    if error is not None:
        raise error
    claim_taken(it)
    it.attempts, it.next_attempt_at, it.last_error, it.error_kind = 0, None, None, None
    it.application = record["application"]
    problems = application_problems(it.application)
    # An application that breaks the contract needs no register data: it goes straight to be decided,
    # and the rules refer it to a caseworker with every problem listed (INVALID_APPLICATION).
    move(ctx.store, session, it, State.READY if problems else State.CLAIMED, "claimed", ctx.run_id,
         application_id=it.application_id, problems=len(problems), application_sha256=audit.digest(it.application))
    return "claimed"
