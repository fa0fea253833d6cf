"""Alert: tell the operators, once, what needs a person — a deadline missed, an item FAILED, a run failed,
[alerts] failed_runs_in_a_row failed runs in a row, no norm table for a coming month.

Each alert has a key naming what it is about (`deadline:<item>`, `run:<run id>` …), kept in the store: a
condition that lasts pass after pass is told once, whichever worker sees it first (the key is the primary
key). The pass's new alerts go out together in one message, by email and/or webhook
(robots/alerting.py); one that could not be delivered is tried again at the next pass. A worker that dies
between marking an alert sent and delivering it loses that alert: told at most once, never twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from robots.alerting import deliver
from robots.bots.context import Context
from robots.bots.sla_watch import WATCHED
from robots.privacy import mask
from robots.store.db import insert_skipping
from robots.store.models import Alert, Run, WorkItem
from robots.workdays import STOCKHOLM
from robots.workflow import State

MAX_LINES = 50  # in one message; the rest are counted


def _local(value: datetime) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def _next_month(today) -> str:
    return f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"


def conditions(ctx: Context, now: datetime) -> list[dict]:
    """Every alert that holds now, new or not: key, kind, text."""
    found = []
    with ctx.store.sessions() as session:
        for it in session.scalars(select(WorkItem).where(WATCHED, WorkItem.deadline < now).order_by(WorkItem.deadline)):
            found.append({"key": f"deadline:{it.id}", "kind": "deadline",
                          "text": f"{it.application_id} ({it.period}) missed its deadline {_local(it.deadline)}; it is {it.state}"})
        for it in session.scalars(select(WorkItem).where(WorkItem.state == State.FAILED).order_by(WorkItem.id)):
            found.append({"key": f"failed:{it.id}", "kind": "failed",
                          "text": f"{it.application_id} ({it.period}) FAILED: {mask((it.last_error or 'no error recorded')[:300])}"})
        runs = list(session.scalars(select(Run).where(Run.outcome != "running").order_by(Run.started_at.desc()).limit(50)))
    for run in runs:
        if run.outcome == "failed":
            found.append({"key": f"run:{run.id}", "kind": "run failed", "text": f"run {run.id} failed: {mask((run.error or 'see its log')[:300])}"})
    n = ctx.settings.alerts.failed_runs_in_a_row
    if len(runs) >= n and all(r.outcome == "failed" for r in runs[:n]):
        found.append({"key": f"runs:{runs[0].id}", "kind": "runs failing",
                      "text": f"the last {n} runs failed (the latest {runs[0].id}): the robot decides nothing until this is fixed"})
    month = _next_month(now.astimezone(STOCKHOLM).date())
    if ctx.params.for_period(month)[0] is None:
        found.append({"key": f"norms:{month}", "kind": "norm table missing",
                      "text": f"no norm table covers {month}: every application for it will be referred (NORM_TABLE_MISSING); "
                              f"add config/norms/{month[:4]}.toml from the government's riksnorm"})
    return found


def alert(ctx: Context) -> dict[str, int]:
    now = ctx.clock()
    found = conditions(ctx, now)
    with ctx.store.unit_of_work() as session:
        for start in range(0, len(found), 500):
            session.execute(insert_skipping(session, Alert, [a | {"raised_at": now} for a in found[start:start + 500]], ["key"]))
        # New ones and those not delivered before, marked sent here (a row lock keeps another worker from taking
        # the same), and delivered after the commit: no transaction waits for a mail server.
        unsent = list(session.scalars(select(Alert).where(Alert.sent_at.is_(None)).order_by(Alert.raised_at, Alert.key)
                                      .with_for_update(skip_locked=True)))
        keys = [a.key for a in unsent]
        for start in range(0, len(keys), 500):
            session.execute(update(Alert).where(Alert.key.in_(keys[start:start + 500])).values(sent_at=now, error=None))
    if not unsent:
        return {"sent": 0, "undelivered": 0}
    lines = [f"- {a.text}" for a in unsent[:MAX_LINES]] + ([f"- and {len(unsent) - MAX_LINES} more (casebot status)"]
                                                          if len(unsent) > MAX_LINES else [])
    error = deliver(ctx.settings.alerts, f"casebot: {len(unsent)} thing(s) need a person", "\n".join(lines))
    if error:  # not delivered: told again at the next pass
        with ctx.store.unit_of_work() as session:
            for start in range(0, len(keys), 500):
                session.execute(update(Alert).where(Alert.key.in_(keys[start:start + 500])).values(sent_at=None, error=error[:2000]))
        ctx.log.error("alert: %d alert(s) could not be delivered (%s); tried again at the next pass", len(keys), error)
        return {"sent": 0, "undelivered": len(keys)}
    return {"sent": len(keys), "undelivered": 0}
