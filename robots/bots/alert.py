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

from robots.alerting import channels_of, deliver
from robots.bots.context import Context
from robots.bots.sla_watch import WATCHED
from robots.privacy import mask
from robots.store.db import insert_skipping
from robots.store.models import Alert, Run, WorkItem
from robots.workdays import STOCKHOLM, local_minute
from robots.workflow import State

MAX_LINES = 50  # in one message; the rest are counted


def _coming_months(today) -> list[str]:
    """Next month; from November also January, so that a missing year is told before the check refuses it."""
    months = [f"{today.year + (today.month == 12)}-{today.month % 12 + 1:02d}"]
    if today.month == 11:
        months.append(f"{today.year + 1}-01")
    return months


def conditions(ctx: Context, now: datetime) -> list[dict]:
    """Every alert that holds now, new or not: key, kind, text."""
    found = []
    with ctx.store.sessions() as session:
        for it in session.scalars(select(WorkItem).where(WATCHED, WorkItem.deadline < now).order_by(WorkItem.deadline)):
            found.append({"key": f"deadline:{it.id}", "kind": "deadline",
                          "text": f"{it.application_id} ({it.period}) missed its deadline {local_minute(it.deadline)}; it is {it.state}"})
        for it in session.scalars(select(WorkItem).where(WorkItem.state == State.FAILED).order_by(WorkItem.id)):
            found.append({"key": f"failed:{it.id}", "kind": "failed",
                          "text": f"{it.application_id} ({it.period}) FAILED: {mask((it.last_error or 'no error recorded')[:300])}"})
        runs = list(session.scalars(select(Run).where(Run.outcome != "running").order_by(Run.started_at.desc()).limit(1000)))
    # The failed runs in a row up to the last one finished, told once for the streak (keyed by its first run),
    # not once a run: a failure that lasts would otherwise mail every pass.
    streak = []
    for run in runs:
        if run.outcome != "failed":
            break
        streak.append(run)
    if streak:
        first = streak[-1]
        found.append({"key": f"run:{first.id}", "kind": "run failed", "text": f"run {first.id} failed: {mask((first.error or 'see its log')[:300])}"})
        n = ctx.settings.alerts.failed_runs_in_a_row
        if len(streak) >= n:
            found.append({"key": f"runs:{first.id}", "kind": "runs failing",
                          "text": f"{len(streak)} runs in a row failed since {first.id} (the latest {streak[0].id}): "
                                  "the robot decides nothing until this is fixed"})
    for month in _coming_months(now.astimezone(STOCKHOLM).date()):
        if ctx.params.for_period(month)[0] is None:
            found.append({"key": f"norms:{month}", "kind": "norm table missing",
                          "text": f"no norm table covers {month}: every application for it will be referred (NORM_TABLE_MISSING); "
                                  f"add config/norms/{month[:4]}.toml from the government's riksnorm"})
    return found


def alert(ctx: Context) -> dict[str, int]:
    now = ctx.clock()
    found = conditions(ctx, now)
    channels = channels_of(ctx.settings.alerts)
    with ctx.store.unit_of_work() as session:
        for start in range(0, len(found), 500):
            session.execute(insert_skipping(session, Alert, [a | {"raised_at": now} for a in found[start:start + 500]], ["key"]))
        if not channels:  # kept, unsent, until [alerts] names somewhere to send them
            return {"sent": 0, "undelivered": 0}
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
    delivered, errors = deliver(ctx.settings.alerts, f"casebot: {len(unsent)} thing(s) need a person", "\n".join(lines))
    if errors:
        # Delivered nowhere: told again at the next pass. Delivered on one channel but not the other: kept as
        # sent (a second message on the channel that took it would be the duplicate), the failure recorded.
        values = {"error": "; ".join(errors)[:2000]} | ({} if delivered else {"sent_at": None})
        with ctx.store.unit_of_work() as session:
            for start in range(0, len(keys), 500):
                session.execute(update(Alert).where(Alert.key.in_(keys[start:start + 500])).values(**values))
        ctx.log.error("alert: %d alert(s) not delivered by %s%s", len(keys), "; ".join(errors),
                      "" if delivered else "; tried again at the next pass")
    return {"sent": len(keys) if delivered else 0, "undelivered": 0 if delivered else len(keys)}
