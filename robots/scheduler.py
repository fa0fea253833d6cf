"""`casebot scheduler`: runs a pass on the configured schedule, on Swedish working days only.

APScheduler 3 (pinned < 4). One job; max_instances=1 and the store's run lock keep it to one run at a
time; coalesce folds missed runs into one; misfire_grace_time says how late a run may still start.
SIGTERM or SIGINT stops taking new runs and lets the current one finish its batch before exiting.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from robots.bots.sla import STOCKHOLM, is_working_day
from robots.config import Settings
from robots.runner import run_tasks

log = logging.getLogger("casebot.scheduler")


# Held while a pass runs, so that stopping can wait for it.
_passing = threading.Lock()


def scheduled_pass() -> None:
    today = datetime.now(STOCKHOLM).date()
    if not is_working_day(today):
        log.info("%s is not a working day: no run", today)
        return
    with _passing:
        run_id, rc, outdir = run_tasks(console="none")
    (log.info if rc == 0 else log.error)("run %s: %s; log %s", run_id, "ok" if rc == 0 else f"{rc} task(s) failed", outdir / "log.html")


def build_scheduler(settings: Settings) -> BlockingScheduler:
    s = settings.schedule
    scheduler = BlockingScheduler(timezone=s.timezone)
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
    scheduler = build_scheduler(settings)
    stopping = False

    def stop(signum, _frame) -> None:
        # Only flags and wakes the scheduler: the waiting for a running pass happens outside the handler.
        nonlocal stopping
        stopping = True
        log.warning("%s: finishing the current run, then stopping", signal.Signals(signum).name)
        if scheduler.running:
            scheduler.shutdown(wait=False)

    def started(_event) -> None:
        if stopping:  # the signal came while it was starting
            scheduler.shutdown(wait=False)
            return
        job = scheduler.get_jobs()[0]
        log.info("scheduler started: %r in %s; next run %s", settings.schedule.cron, settings.schedule.timezone, job.next_run_time)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    if not stopping:
        scheduler.start()
    with _passing:  # a pass under way finishes its batch first
        log.info("scheduler stopped")
