"""`casebot status`: what the worker holds, what is late, how the last runs went."""

from __future__ import annotations

from sqlalchemy import func, select

from robots.bots.sla_watch import OPEN
from robots.store import Run, Store, WorkItem
from robots.store.models import State, utcnow


def status_report(store: Store, runs: int = 5) -> str:
    now = utcnow()
    with store.sessions() as session:
        by_state = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
        sampled = session.scalar(select(func.count()).where(WorkItem.sampled.is_(True)))
        oldest = session.scalars(select(WorkItem).where(OPEN).order_by(WorkItem.received_at).limit(1)).first()
        overdue = session.scalar(select(func.count()).where(OPEN, WorkItem.deadline < now))
        last_runs = list(session.scalars(select(Run).order_by(Run.started_at.desc()).limit(runs)))
    lines = ["Work items by state:"]
    for state in State:
        lines.append(f"  {state:18s} {by_state.get(str(state), 0):7d}")
    lines.append(f"  on the stickprov follow-up list: {sampled}")
    if oldest is None:
        lines.append("Nothing is waiting.")
    else:
        left = oldest.deadline - now
        when = f"due in {left}" if left.total_seconds() > 0 else f"OVERDUE by {-left}"
        lines.append(f"Oldest open: {oldest.application_id} ({oldest.state}), received {oldest.received_at:%Y-%m-%d %H:%M} UTC, "
                     f"deadline {oldest.deadline:%Y-%m-%d %H:%M} UTC: {when}")
    if overdue:
        lines.append(f"!! {overdue} applications are past their deadline")
    lines.append("Last runs:")
    for r in last_runs:
        took = f"{(r.finished_at - r.started_at).total_seconds():.1f} s" if r.finished_at else "still running"
        done = ", ".join(f"{step} {sum(v for v in c.values() if isinstance(v, int))}" for step, c in (r.counts or {}).items())
        lines.append(f"  {r.id}  {r.outcome:11s} {took:>14s}  {done}{'  error: ' + r.error[:120] if r.error else ''}")
    if not last_runs:
        lines.append("  none yet")
    return "\n".join(lines)
