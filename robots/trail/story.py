"""`casebot audit show`: a case's story as the trail tells it, in order, for a person to read.
Personnummer are masked; times are Swedish."""

from __future__ import annotations

from sqlalchemy import select

from robots.privacy import mask
from robots.store import Store
from robots.store.models import AuditEvent, WorkItem
from robots.workdays import STOCKHOLM

# What each step means, in words; the detail's other values follow it.
STEPS = {
    "intake": "taken in from the case system",
    "claimed": "claimed in the case system",
    "fetched": "register data fetched",
    "decided": "decided by the rules",
    "sample drawn": "stickprov drawn",
    "written back": "written back to the case system",
    "paid elsewhere": "the case system already pays a member this month",
    "withdrawn": "not ours: another robot or a person has it",
    "error": "an unexpected error (tried again later)",
    "failed": "failed: a person must look",
    "write back refused": "the case system refused the decision",
    "write back gave up": "the case system did not answer: a person must look",
    "claim gave up": "could not claim: a person must look",
    "sent back": "sent back to the robot by a caseworker",
    "requeued": "requeued by an operator",
    "sample checked": "stickprov followed up",
}
HASHES = ("application_sha256", "answer_sha256", "decision_sha256")  # recorded for `audit verify`; noise in a story


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v[:12] if isinstance(v, str) and len(v) == 64 else v}" for k, v in value.items())
    return str(value)


def story(store: Store, application_id: str) -> str | None:
    """The story of every work item of the application (one a period), or None when there is none."""
    with store.sessions() as session:
        items = list(session.scalars(select(WorkItem).where(WorkItem.application_id == application_id).order_by(WorkItem.period)))
        if not items:
            return None
        parts = []
        for item in items:
            lines = [f"Application {item.application_id}, period {item.period}: now {item.state}"
                     + (f", {item.outcome}" if item.outcome else "") + (f" {item.amount} kr" if item.amount is not None else ""),
                     f"received {item.received_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}, "
                     f"to be decided by {item.deadline.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}"]
            for e in session.scalars(select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.seq)):
                detail = dict(e.detail)
                moved = f" [{detail.pop('from')} -> {detail.pop('to')}]" if "from" in detail and "to" in detail else ""
                rest = "; ".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in detail.items()
                                 if k not in HASHES and k != "application_id" and v is not None)
                lines.append(f"  {e.seq:3d}  {e.at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M:%S}  {STEPS.get(e.step, e.step)}{moved}"
                             + (f" — {rest}" if rest else "") + (f"  (run {e.run_id})" if e.run_id else ""))
            if item.decision is not None:
                d = item.decision
                lines.append(f"  decision {item.decision_id}: {d['outcome']}" + (f", {d['amount']} kr" if d.get("amount") is not None else "")
                             + f", rules {d['rules_version']}, by {d['decided_by']} at {d['decided_at']}")
                lines += [f"    reason {r['code']}: {r['text']} ({r['rule']})" for r in d.get("reasons", [])]
                lines += [f"    rests on {basis}" for basis in d.get("legal_basis", [])]
            parts.append("\n".join(lines))
    return mask("\n\n".join(parts))
