"""`casebot items`: the work items an operator asks for — by state, by referral reason, overdue — each with
what it waits for: its last error (masked), attempts, next attempt and deadline, in Swedish time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from robots.bots.sla_watch import WATCHED
from robots.privacy import mask
from robots.store import Store, WorkItem
from robots.store.models import utcnow
from robots.workdays import local_minute


def find(store: Store, *, state: str | None = None, reason: str | None = None, overdue: bool = False,
         every: bool = False, limit: int = 200, now: datetime | None = None) -> list[dict]:
    """Items by state, reason or lateness; with none of these, what waits or failed (the SLA watch's
    states), unless `every`."""
    now = now or utcnow()
    query = select(WorkItem).order_by(WorkItem.deadline, WorkItem.id)
    if state:
        query = query.where(WorkItem.state == state)
    elif not (reason or every):
        query = query.where(WATCHED)
    if overdue:
        query = query.where(WATCHED, WorkItem.deadline < now)
    found = []
    with store.sessions() as session:
        for item in session.scalars(query.execution_options(yield_per=500)):
            codes = [r["code"] for r in (item.decision or {}).get("reasons", [])]
            if reason and reason not in codes:
                continue
            found.append({"id": item.id, "application_id": item.application_id, "period": item.period, "state": item.state,
                          "reasons": list(dict.fromkeys(codes)), "attempts": item.attempts, "next_attempt": local_minute(item.next_attempt_at),
                          "deadline": local_minute(item.deadline), "overdue": item.deadline < now,
                          "error_kind": item.error_kind, "last_error": mask(item.last_error) if item.last_error else None})
            if len(found) >= limit:
                break
    return found


def render(items: list[dict]) -> str:
    if not items:
        return "no items match"
    lines = [f"{'id':>7}  {'application':16} {'period':7} {'state':18} {'tries':>5}  {'next try':16}  {'deadline':16}  why"]
    for i in items:
        why = i["last_error"] or ", ".join(i["reasons"]) or ""
        lines.append(f"{i['id']:>7}  {i['application_id']:16} {i['period']:7} {i['state']:18} {i['attempts']:>5}  "
                     f"{i['next_attempt'] or '-':16}  {i['deadline']:16}{' !' if i['overdue'] else '  '} {why[:160]}")
    return "\n".join(lines)
