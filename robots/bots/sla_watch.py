"""SLA watch: every application not yet decided and written back by its deadline is reported loudly, the
FAILED ones too: they stay watched until a person resolves them (requeues them, or decides in the case
system)."""

from __future__ import annotations

from sqlalchemy import select

from robots.bots.context import Context
from robots.privacy import mask
from robots.store.models import Alert, WorkItem
from robots.workflow import OPEN as OPEN_STATES
from robots.workflow import State

# Items still on their way to a decision in the case system.
OPEN = WorkItem.state.in_(OPEN_STATES)
# What the SLA watch reports when late: the open items, and the FAILED ones waiting for a person.
WATCHED = WorkItem.state.in_([*OPEN_STATES, State.FAILED])


def overdue(ctx: Context) -> list[WorkItem]:
    with ctx.store.sessions() as session:
        return list(session.scalars(select(WorkItem).where(WATCHED, WorkItem.deadline < ctx.clock()).order_by(WorkItem.deadline)))


def sla_watch(ctx: Context) -> dict[str, int]:
    """Count everything late; log each item loudly once, when it first is (the alert step then records it:
    an item late for days must not fill every pass's log, and keep every idle pass's folder)."""
    late = overdue(ctx)
    with ctx.store.sessions() as session:
        told = set(session.scalars(select(Alert.key).where(Alert.key.like("deadline:%"))))
    for item in late:
        if f"deadline:{item.id}" in told:
            continue
        ctx.log.error("SLA BREACHED: %s (%s) was due %s and is still %s%s", item.application_id, item.period,
                      item.deadline.isoformat(timespec="minutes"), item.state,
                      f" — last error: {mask(item.last_error[:200])}" if item.last_error else "")
    return {"overdue": len(late)}
