"""`casebot status`: what the worker holds, what is late, how the last runs went; as text for a person, as
JSON for a monitor, and as an exit status (`--check`) for one that only reads that."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, or_, select

from robots.bots.sla_watch import WATCHED
from robots.privacy import mask
from robots.store import Run, Store, WorkItem
from robots.store.models import State, utcnow
from robots.workdays import local_minute

_COUNT = {"type": "integer", "minimum": 0}
_TIME = {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$"}
# What `casebot status --json` prints: a monitor may rely on these keys.
SCHEMA = {
    "type": "object",
    "required": ["now", "items", "stickprov", "referrals_by_reason", "overdue", "failed", "oldest_open", "runs"],
    "properties": {
        "now": _TIME,
        "items": {"type": "object", "required": [str(s) for s in State], "additionalProperties": _COUNT},
        "stickprov": {"type": "object", "required": ["drawn", "sampled"], "properties": {"drawn": _COUNT, "sampled": _COUNT}},
        "referrals_by_reason": {"type": "object", "propertyNames": {"pattern": "^[A-Z_]+$"}, "additionalProperties": _COUNT},
        "overdue": _COUNT,
        "failed": _COUNT,
        "oldest_open": {"type": ["object", "null"], "required": ["application_id", "state", "received", "deadline", "overdue"]},
        "runs": {"type": "array", "items": {"type": "object", "required": ["id", "outcome", "started", "seconds", "counts", "error"],
                                            "properties": {"outcome": {"enum": ["running", "ok", "failed", "interrupted"]},
                                                           "started": _TIME, "counts": {"type": "object"}}}},
    },
}


def _said(counts: dict) -> str:
    """A step's counters as they were counted ("new 120, claimed 120"), never added together."""
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items() if isinstance(v, int) and v) or "nothing to do"


def status(store: Store, runs: int = 5, now: datetime | None = None) -> dict:
    now = now or utcnow()
    with store.sessions() as session:
        by_state = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
        drawn = session.scalar(select(func.count()).where(WorkItem.sample_draw.is_not(None)))
        sampled = session.scalar(select(func.count()).where(WorkItem.sampled.is_(True)))
        oldest = session.scalars(select(WorkItem).where(WATCHED).order_by(WorkItem.deadline).limit(1)).first()
        overdue = session.scalar(select(func.count()).where(WATCHED, WorkItem.deadline < now))
        referred = session.scalars(select(WorkItem.decision).where(or_(WorkItem.state == State.WITH_CASEWORKER, WorkItem.state == State.REFERRED)))
        reasons = Counter(code for d in referred for code in {r["code"] for r in (d or {}).get("reasons", [])})
        last_runs = list(session.scalars(select(Run).order_by(Run.started_at.desc()).limit(runs)))
    return {
        "now": local_minute(now),
        "items": {str(s): by_state.get(str(s), 0) for s in State},
        "stickprov": {"drawn": drawn, "sampled": sampled},
        "referrals_by_reason": dict(reasons.most_common()),
        "overdue": overdue,
        "failed": by_state.get(str(State.FAILED), 0),
        "oldest_open": None if oldest is None else {
            "application_id": oldest.application_id, "state": oldest.state, "received": local_minute(oldest.received_at),
            "deadline": local_minute(oldest.deadline), "overdue": oldest.deadline < now},
        "runs": [{"id": r.id, "worker": r.worker, "outcome": r.outcome, "started": local_minute(r.started_at),
                  "seconds": round((r.finished_at - r.started_at).total_seconds(), 1) if r.finished_at else None,
                  "counts": r.counts or {}, "error": mask(r.error) if r.error else None} for r in last_runs],
    }


def needs_a_person(report: dict) -> list[str]:
    """What `--check` fails on: anything overdue or FAILED, or a last run that failed."""
    found = []
    if report["overdue"]:
        found.append(f"{report['overdue']} application(s) past their deadline")
    if report["failed"]:
        found.append(f"{report['failed']} item(s) FAILED: a person must look (casebot console, Drift)")
    if report["runs"] and report["runs"][0]["outcome"] == "failed":
        found.append(f"the last run {report['runs'][0]['id']} failed: {report['runs'][0]['error'] or 'see its log'}")
    return found


def status_report(store: Store, runs: int = 5) -> str:
    return render(status(store, runs))


def render(r: dict) -> str:
    """The report for a person to read."""
    lines = [f"casebot status at {r['now']} (Swedish time)", "Work items by state:"]
    lines += [f"  {state:18s} {n:7d}" for state, n in r["items"].items()]
    lines.append(f"  stickprov: {r['stickprov']['sampled']} of {r['stickprov']['drawn']} grants sampled for follow-up")
    if r["referrals_by_reason"]:
        lines.append("Referred to a caseworker, by reason (an application can carry several):")
        lines += [f"  {code:28s} {n:7d}" for code, n in r["referrals_by_reason"].items()]
    oldest = r["oldest_open"]
    if oldest is None:
        lines.append("Nothing is waiting.")
    else:
        lines.append(f"Oldest open: {oldest['application_id']} ({oldest['state']}), received {oldest['received']}, "
                     f"deadline {oldest['deadline']}{': OVERDUE' if oldest['overdue'] else ''}")
    lines += [f"!! {line}" for line in needs_a_person(r)]
    lines.append("Last runs:")
    for run in r["runs"]:
        took = f"{run['seconds']:.1f} s" if run["seconds"] is not None else "still running"
        lines.append(f"  {run['id']}  {run['started']}  {run['outcome']:11s} {took:>12s}" + (f"  error: {run['error'][:120]}" if run["error"] else ""))
        lines += [f"      {step}: {_said(c)}" for step, c in run["counts"].items() if isinstance(c, dict)]
    if not r["runs"]:
        lines.append("  none yet")
    return "\n".join(lines)
