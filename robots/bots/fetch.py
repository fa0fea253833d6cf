"""Fetch: register data for every member of every claimed household, concurrently within the
gateway's limits. A member without an answer, or an agency that failed, is not "no data": the item
waits and is fetched again with backoff; after the policy's attempts, or close to the deadline, it
goes on to be decided with what came back, and the rules refer it (REGISTRY_UNAVAILABLE).
"""

from __future__ import annotations

from datetime import timedelta

from connectors.errors import ConnectorError
from connectors.ssbtek.client import HouseholdAnswers, HouseholdRequest
from robots.bots.concurrently import in_batches
from robots.bots.context import Context
from robots.contract.validate import application_problems
from robots.rules.parameters import Policy
from robots.store.models import RegisterAnswer, State, WorkItem
from robots.store.queue import lease, release, reload

GIVE_UP_BEFORE_DEADLINE = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=60)


def request_for(application: dict, policy: Policy) -> HouseholdRequest:
    """What to ask the gateway for one application: each member, the agencies the policy requires."""
    return HouseholdRequest(application["application_id"], application["period"], [
        (m["personnummer"], policy.child_sources if m["role"] == "child" else policy.adult_sources)
        for m in application["household"]["members"]
    ])


def what_failed(result: HouseholdAnswers) -> list[str]:
    failed = [f"no answer for a member: {why}" for why in result.failures.values()]
    for answer in result.answers:
        failed += [f"{agency}: {s.get('error') or 'error'}" for agency, s in answer["sources"].items() if s["status"] != "ok"]
    return failed


def fetch(ctx: Context) -> dict[str, int]:
    counts = {"ready": 0, "waiting": 0, "given_up": 0, "invalid": 0}
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.CLAIMED, State.WAITING], **ctx.lease_args())
    # An application that breaks the contract needs no register data: it goes straight to a caseworker.
    invalid = [i for i in items if application_problems(i.application)]
    valid = [i for i in items if i not in invalid]
    with ctx.store.unit_of_work() as session:
        for item in invalid:
            it = session.get(WorkItem, item.id)
            it.state = State.READY
            release(it)
            ctx.store.audit(session, "fetch skipped: invalid application", {}, it.id, ctx.run_id)
            counts["invalid"] += 1
    for item in valid:  # keep the case system's hold while the item is ours
        if item.state == State.WAITING:
            try:
                ctx.casesystem.claim(item.application_id, ctx.robot, ctx.settings.worker.claim_seconds)
            except ConnectorError as e:
                ctx.log.warning("fetch: could not renew the claim of %s: %s", item.application_id, e)
    for batch in in_batches(ctx.gateway.fetch_each([request_for(i.application, ctx.policy) for i in valid])):
        with ctx.store.unit_of_work() as session:
            for it, (_, result) in zip(reload(session, [valid[i] for i, _ in batch]), batch):
                _record(ctx, session, it, result, counts)
    return counts


def _record(ctx: Context, session, it: WorkItem, result: HouseholdAnswers, counts: dict) -> None:
    """Keep what came back; then the item is READY, or WAITING to be asked again."""
    now, failed = ctx.clock(), what_failed(result)
    attempt = it.attempts + 1
    for answer in result.answers:
        session.add(RegisterAnswer(item_id=it.id, attempt=attempt, answer=answer))
    give_up = attempt >= ctx.policy.fetch_attempts or now >= it.deadline - GIVE_UP_BEFORE_DEADLINE
    if not failed or give_up:
        it.state, it.attempts, it.next_attempt_at = State.READY, 0, None
        it.last_error = "; ".join(failed)[:2000] or None
        counts["given_up" if failed else "ready"] += 1
    else:
        backoff = min(timedelta(seconds=ctx.policy.fetch_retry_seconds * 2 ** (attempt - 1)), MAX_BACKOFF)
        it.state, it.attempts, it.next_attempt_at = State.WAITING, attempt, now + backoff
        it.last_error = "; ".join(failed)[:2000]
        counts["waiting"] += 1
    release(it)
    ctx.store.audit(session, "fetched", {
        "attempt": attempt, "answers": len(result.answers), "failed": len(failed), "state": str(it.state),
    }, it.id, ctx.run_id)
