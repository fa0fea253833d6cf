"""Intake: take submitted applications from the case system and make a work item for each.

The work item is written before the claim, so a crash between the two loses nothing: an item still NEW
is claimed again at the next pass (a robot's claim of its own claim is the same claim).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from connectors.errors import Conflict, ConnectorError, NotFound
from robots.bots.context import Context
from robots.bots.sla import deadline_for
from robots.store.models import State, WorkItem
from robots.store.queue import lease, release


def _received_at(value: str | None, fallback: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=fallback.tzinfo)


def intake(ctx: Context) -> dict[str, int]:
    counts = {"new": 0, "claimed": 0, "taken_by_others": 0}
    now = ctx.clock()
    try:
        found = []
        for summary in ctx.casesystem.applications("submitted"):
            found.append(summary)
            if len(found) >= ctx.settings.worker.batch_size:
                break
    except ConnectorError as e:
        ctx.log.error("intake: the case system did not list applications: %s", e)
        found = []
    with ctx.store.unit_of_work() as session:
        for summary in found:
            exists = session.scalar(select(WorkItem.id).where(
                WorkItem.application_id == summary["application_id"], WorkItem.period == summary["period"]))
            if exists is None:
                submitted = _received_at(summary.get("received_at"), now)
                item = WorkItem(application_id=summary["application_id"], period=summary["period"], state=State.NEW,
                                submitted_at=submitted, deadline=deadline_for(submitted))
                session.add(item)
                session.flush()
                ctx.store.audit(session, "intake", {"application_id": item.application_id, "deadline": item.deadline.isoformat()}, item.id, ctx.run_id)
                counts["new"] += 1

    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.NEW], **ctx.lease_args())
    for item in items:
        try:
            record = ctx.casesystem.claim(item.application_id, ctx.robot, ctx.settings.worker.claim_seconds)
        except (Conflict, NotFound) as e:
            # Another robot took it, or it was decided or withdrawn meanwhile: nothing of ours to do.
            with ctx.store.unit_of_work() as session:
                gone = session.get(WorkItem, item.id)
                gone.state, gone.last_error = State.WITHDRAWN, str(e)
                release(gone)
                ctx.store.audit(session, "withdrawn", {"application_id": gone.application_id, "why": str(e)}, gone.id, ctx.run_id)
            counts["taken_by_others"] += 1
            continue
        except ConnectorError as e:
            ctx.log.warning("intake: could not claim %s: %s; trying again next pass", item.application_id, e)
            with ctx.store.unit_of_work() as session:
                release(session.get(WorkItem, item.id))
            continue
        with ctx.store.unit_of_work() as session:
            claimed = session.get(WorkItem, item.id)
            claimed.application = record["application"]
            claimed.state = State.CLAIMED
            release(claimed)
            ctx.store.audit(session, "claimed", {"application_id": claimed.application_id}, claimed.id, ctx.run_id)
        counts["claimed"] += 1
    return counts
