"""`casebot scheduler`: runs a pass on the configured schedule, on Swedish working days only.

APScheduler 3 (pinned < 4). One job; max_instances=1 and the store's run lock keep it to one run at a
time; coalesce folds missed runs into one; misfire_grace_time says how late a run may still start.
SIGTERM or SIGINT stops taking new runs and lets the current one finish its batch before exiting; a
second signal stops at once (the store's leases hand unfinished work to the next run).

The signal handler only records the signal. Stopping the scheduler from inside a handler can deadlock:
the handler runs on the main thread, which may hold the very lock (a threading.Event's) it would take.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from robots.bots.sla import STOCKHOLM, is_working_day
from robots.config import Settings
from robots.runner import run_tasks

log = logging.getLogger("casebot.scheduler")


def scheduled_pass() -> None:
    today = datetime.now(STOCKHOLM).date()
    if not is_working_day(today):
        log.info("%s is not a working day: no run", today)
        return
    run_id, rc, outdir = run_tasks(console="none")
    (log.info if rc == 0 else log.error)("run %s: %s; log %s", run_id, "ok" if rc == 0 else f"{rc} task(s) failed", outdir / "log.html")


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    s = settings.schedule
    scheduler = BackgroundScheduler(timezone=s.timezone)
    scheduler.add_job(
        scheduled_pass,
        CronTrigger.from_crontab(s.cron, timezone=s.timezone),
        id="casebot-pass",
        name="casebot pass",
        max_instances=1,  # never two passes at once
        coalesce=True,  # a backlog of missed runs becomes one run
        misfire_grace_time=s.misfire_grace_seconds,  # a late run still starts within this; later, it is skipped
        replace_existing=True,
    )
    return scheduler


def run_scheduler(settings: Settings) -> None:
    signals: list[int] = []

    def record(signum, _frame) -> None:
        if signals:  # asked twice: the operator does not want to wait for the batch
            os._exit(128 + signum)
        signals.append(signum)

    signal.signal(signal.SIGTERM, record)
    signal.signal(signal.SIGINT, record)
    scheduler = build_scheduler(settings)
    scheduler.start()
    [job] = scheduler.get_jobs()
    log.info("scheduler started: %r in %s; next run %s", settings.schedule.cron, settings.schedule.timezone, job.next_run_time)
    while not signals:
        time.sleep(0.2)
    log.warning("%s: finishing the current run, then stopping (send it again to stop at once)", signal.Signals(signals[0]).name)
    scheduler.shutdown(wait=True)  # waits for a pass under way
    log.info("scheduler stopped")
