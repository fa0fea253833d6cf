"""Fetch: register data for every member of every claimed household, concurrently within the
gateway's limits. A member without an answer, or an agency that failed, is not "no data": the item
waits and is fetched again with backoff; after the configured attempts, or close to the deadline, it
goes on to be decided with what came back, and the rules refer it (REGISTRY_UNAVAILABLE).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select, update

from robots.bots.batches import in_batches
from robots.bots.context import Context
from robots.contract.validate import registry_sources
from robots.ports import HouseholdAnswers, HouseholdRequest
from robots.rules.parameters import AGENCIES, Parameters
from robots.store import audit
from robots.store.models import RegisterAnswer, WorkItem
from robots.store.queue import lease, take_claims
from robots.workflow import State, move_many

GIVE_UP_BEFORE_DEADLINE = timedelta(hours=1)


def request_for(application: dict, params: Parameters) -> HouseholdRequest:
    """What to ask the gateway for one application: each member, the agencies the policy in force for the
    period requires (every agency when no policy is, though that application will be referred anyway)."""
    policy = params.for_period(application["period"])[1]
    adult, child = (policy.adult_sources, policy.child_sources) if policy is not None else (AGENCIES, AGENCIES)
    return HouseholdRequest(application["application_id"], application["period"], [
        (m["personnummer"], child if m["role"] == "child" else adult) for m in application["household"]["members"]
    ])


def what_failed(result: HouseholdAnswers, period: str) -> list[str]:
    """Why the household's register data is not complete yet: members without an answer, and agencies that
    failed or whose part breaks the contract (judged as the rules will judge it: registry_sources)."""
    failed = [f"no answer for a member: {why}" for why in result.failures.values()]
    for answer in result.answers:
        _, sources, _ = registry_sources(answer, period)
        failed += [f"{agency}: {s.get('error') or 'error'}" for agency, s in (sources or {}).items() if s.get("status") != "ok"]
    return failed


def fetch(ctx: Context) -> dict[str, int]:
    counts = {"ready": 0, "waiting": 0, "given_up": 0}
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.CLAIMED, State.WAITING], **ctx.lease_args())
        earlier = take_claims([i for i in items if i.state == State.WAITING], ctx.robot)
    waiting = [i for i in items if i.state == State.WAITING]  # keep the case system's hold while the item is ours
    renewals = ctx.casesystem.claim_many([(i.application_id, earlier[i.id]) for i in waiting], ctx.robot, ctx.settings.worker.claim_seconds)
    taken_over = []
    for i, _, error in renewals:
        if error is not None:
            ctx.log.warning("fetch: could not renew the claim of %s: %s", waiting[i].application_id, error)
        elif earlier[waiting[i].id]:
            taken_over.append(waiting[i].id)
    if taken_over:  # the claim is ours now: nobody else may hold it
        with ctx.store.unit_of_work() as session:
            session.execute(update(WorkItem).where(WorkItem.id.in_(taken_over)).values(replaces=None))
    for batch in in_batches(ctx.gateway.fetch_each([request_for(i.application, ctx.params) for i in items])):
        with ctx.store.unit_of_work() as session:
            _record(ctx, session, [(items[i], result) for i, result in batch], counts)
    return counts


def _record(ctx: Context, session, fetched: list[tuple[WorkItem, HouseholdAnswers]], counts: dict) -> None:
    """Keep what came back; then each item is READY, or WAITING to be asked again. Bulk statements by
    primary key: this runs while the gateway answers the rest, and must not hold up its threads."""
    now = ctx.clock()
    answers, moves = [], []
    # Still leased to us? A lease that lapsed while the gateway was slow may be another worker's now: then
    # what came back is not ours to record. (A writing transaction is the only writer: check, then write.)
    ids = [it.id for it, _ in fetched]
    ours = set(session.scalars(select(WorkItem.id).where(WorkItem.id.in_(ids), WorkItem.lease_owner == fetched[0][0].lease_owner)
                               .order_by(WorkItem.id).with_for_update()))
    # Fetches are numbered over the item's life, so that the latest is the decision's also after a person
    # sent the item back to be fetched anew (its retry count starts again then).
    earlier = dict(session.execute(select(RegisterAnswer.item_id, func.max(RegisterAnswer.attempt))
                                   .where(RegisterAnswer.item_id.in_(ours)).group_by(RegisterAnswer.item_id)).all()) if ours else {}
    for it, result in fetched:
        if it.id not in ours:
            continue
        failed = what_failed(result, it.period)
        attempt, number = it.attempts + 1, earlier.get(it.id, 0) + 1
        answers += [{"item_id": it.id, "attempt": number, "answer": answer} for answer in result.answers]
        give_up = attempt >= ctx.settings.retry.attempts or now >= it.deadline - GIVE_UP_BEFORE_DEADLINE
        if not failed or give_up:
            state, attempts, next_attempt_at = State.READY, 0, None
            counts["given_up" if failed else "ready"] += 1
        else:
            state, attempts, next_attempt_at = State.WAITING, attempt, now + ctx.settings.retry.wait(attempt)
            counts["waiting"] += 1
        moves.append((it, state, {"attempts": attempts, "next_attempt_at": next_attempt_at,
                                  "last_error": "; ".join(failed)[:2000] or None, "error_kind": "SYSTEM" if failed else None,
                                  "lease_owner": None, "lease_until": None},
                      {"attempt": number, "answers": len(result.answers), "failed": len(failed),
                       "answer_sha256": [audit.digest(a) for a in result.answers]}))
    if answers:
        session.execute(insert(RegisterAnswer), answers)
    move_many(ctx.store, session, "fetched", moves, ctx.run_id)
