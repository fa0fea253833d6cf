"""What the console's pages show, read from the store in one short read-only transaction each: a page
never holds a lock a worker waits for, nor waits for one (on SQLite, reads run beside the writer in WAL)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import exists, func, select

from robots.bots.sla_watch import OPEN
from robots.casework import SAMPLE_CHECKED
from robots.contract.validate import PERIOD
from robots.rules.agencies import AGENCIES
from robots.rules.people import age_on_first_of_month, normalize
from robots.rules.periods import previous_month
from robots.store import Store
from robots.store.models import AccessEvent, AuditEvent, PersonMonth, Run, WorkItem
from robots.store.queue import latest_answers
from robots.workflow import State

QUEUE_LIMIT = 500  # rows on one page of the queue; the count above it says how many there are in all


def _codes(decision: dict | None) -> list[str]:
    return list(dict.fromkeys(r["code"] for r in (decision or {}).get("reasons", [])))


def queue(store: Store, reason: str | None, now: datetime) -> dict:
    """The referred applications with a caseworker, overdue first, then by deadline; by reason if asked."""
    with store.sessions() as session:
        rows = session.execute(select(WorkItem.id, WorkItem.application_id, WorkItem.period, WorkItem.deadline, WorkItem.received_at,
                                      WorkItem.decision).where(WorkItem.state == State.WITH_CASEWORKER)
                               .order_by(WorkItem.deadline, WorkItem.id)).all()
    by_reason = Counter(code for r in rows for code in _codes(r.decision))
    shown = [r for r in rows if reason is None or reason in _codes(r.decision)]
    return {"items": [{"id": r.id, "application_id": r.application_id, "period": r.period, "deadline": r.deadline,
                       "received_at": r.received_at, "overdue": r.deadline < now, "reasons": _codes(r.decision)}
                      for r in shown[:QUEUE_LIMIT]],
            "total": len(shown), "by_reason": sorted(by_reason.items()), "reason": reason}


def _members(application: dict) -> list[dict]:
    period = application.get("period", "")
    year, month = (int(period[:4]), int(period[5:7])) if len(period) == 7 else (None, None)
    out = []
    for m in (application.get("household") or {}).get("members") or []:
        if not isinstance(m, dict):
            continue
        pnr = m.get("personnummer")
        try:
            age = age_on_first_of_month(pnr, year, month) if isinstance(pnr, str) and year else None
        except (ValueError, IndexError):
            age = None
        out.append({"personnummer": pnr, "role": m.get("role"), "age": age,
                    "other": {k: v for k, v in m.items() if k not in ("personnummer", "role")}})
    return out


def _answers(answers: list[dict]) -> list[dict]:
    """Each person's register answer, agency by agency: an agency that failed is shown as the error it
    was, never as no income."""
    out = []
    for answer in answers:
        sources = answer.get("sources") if isinstance(answer, dict) else None
        rows = []
        for agency in AGENCIES:
            part = sources.get(agency) if isinstance(sources, dict) else "unreadable"
            if part is None:  # the gateway asks each agency only about whom it may know (no pay for a small child)
                rows.append({"agency": agency, "ok": True, "text": "inte efterfrågad"})
            elif not isinstance(part, dict):
                rows.append({"agency": agency, "ok": False, "text": "FEL: oläsbart svar"})
            elif part.get("status") != "ok":
                rows.append({"agency": agency, "ok": False, "text": f"FEL: {part.get('error') or part.get('status')}"})
            else:
                shown = {k: v for k, v in part.items() if k != "status"}
                rows.append({"agency": agency, "ok": True, "text": json.dumps(shown, ensure_ascii=False)})
        out.append({"personnummer": answer.get("personnummer") if isinstance(answer, dict) else None, "agencies": rows})
    return out


def case(store: Store, item_id: int) -> dict | None:
    """Everything a caseworker needs to decide one referred application."""
    with store.sessions() as session:
        item = session.get(WorkItem, item_id)
        if item is None:
            return None
        answers = latest_answers(session, [item.id])[item.id]
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.seq)))
        checked = session.scalar(select(exists().where(AuditEvent.item_id == item.id, AuditEvent.step == SAMPLE_CHECKED)))
        last_month = _last_month(session, item)
    application = item.application or {}
    # The robot's referral: the decision itself while it waits for a caseworker, the one set aside once a
    # caseworker has decided; none when the robot decided (a later round's grant after a send-back included).
    by_person = item.decision is not None and str(item.decision.get("decided_by", "")).startswith("caseworker:")
    referral = item.referral if by_person else item.decision if item.outcome == "referred" else None
    return {"item": item, "application": application, "members": _members(application), "answers": _answers(answers),
            "referral": referral, "decision": item.decision, "history": application.get("history"), "events": events,
            "application_json": json.dumps(application, ensure_ascii=False, indent=2), "sample_checked": checked,
            "last_month": last_month}


def _last_month(session, item: WorkItem) -> WorkItem | None:
    """The applicant's grant for the month before, as this store holds it (a person's month is held by the
    item that granted it: person_months, by its primary key)."""
    applicant = applicant_of(item.application or {})
    if applicant is None or not PERIOD.fullmatch(item.period):
        return None
    applicant = normalize(applicant)
    held = session.scalar(select(PersonMonth.item_id).where(PersonMonth.period == previous_month(item.period), PersonMonth.person == applicant))
    return session.get(WorkItem, held) if held is not None else None


def samples(store: Store) -> list[dict]:
    """The stickprov follow-up list: sampled grants, those not yet checked first."""
    with store.sessions() as session:
        checked = exists().where(AuditEvent.item_id == WorkItem.id, AuditEvent.step == SAMPLE_CHECKED)
        rows = session.execute(select(WorkItem.id, WorkItem.application_id, WorkItem.period, WorkItem.amount, WorkItem.written_at,
                                      checked.label("checked")).where(WorkItem.sampled.is_(True))
                               .order_by(checked, WorkItem.id).limit(QUEUE_LIMIT)).all()
    return [r._asdict() for r in rows]


def operations(store: Store, now: datetime) -> dict:
    with store.sessions() as session:
        by_state = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
        overdue = session.execute(select(WorkItem.id, WorkItem.application_id, WorkItem.state, WorkItem.deadline, WorkItem.last_error)
                                  .where(OPEN, WorkItem.deadline < now).order_by(WorkItem.deadline).limit(200)).all()
        with_caseworker_overdue = session.scalar(select(func.count()).where(WorkItem.state == State.WITH_CASEWORKER, WorkItem.deadline < now))
    return {"by_state": [(str(s), by_state.get(str(s), 0)) for s in State], "overdue": overdue,
            "with_caseworker_overdue": with_caseworker_overdue}


def failed(store: Store) -> list:
    with store.sessions() as session:
        return session.execute(select(WorkItem.id, WorkItem.application_id, WorkItem.period, WorkItem.error_kind, WorkItem.last_error,
                                      WorkItem.attempts, WorkItem.updated_at).where(WorkItem.state == State.FAILED)
                               .order_by(WorkItem.updated_at.desc()).limit(QUEUE_LIMIT)).all()


def runs(store: Store, limit: int = 50) -> list[dict]:
    with store.sessions() as session:
        found = list(session.scalars(select(Run).order_by(Run.started_at.desc()).limit(limit)))
    return [{"run": r, "seconds": (r.finished_at - r.started_at).total_seconds() if r.finished_at else None,
             "counts": {step: ", ".join(f"{k} {v}" for k, v in c.items() if v) for step, c in (r.counts or {}).items() if isinstance(c, dict)}}
            for r in found]


def run(store: Store, run_id: str) -> Run | None:
    with store.sessions() as session:
        return session.get(Run, run_id)


def access_events(store: Store, limit: int = 100) -> list:
    with store.sessions() as session:
        return list(session.scalars(select(AccessEvent).order_by(AccessEvent.id.desc()).limit(limit)))


def item_by_application(store: Store, application_id: str) -> int | None:
    with store.sessions() as session:
        return session.scalar(select(WorkItem.id).where(WorkItem.application_id == application_id).order_by(WorkItem.id.desc()).limit(1))


def applicant_of(application: dict) -> str | None:
    """The applicant's personnummer as the application writes it."""
    for m in (application.get("household") or {}).get("members") or []:
        if isinstance(m, dict) and m.get("role") == "applicant" and isinstance(m.get("personnummer"), str):
            return m["personnummer"]
    return None
