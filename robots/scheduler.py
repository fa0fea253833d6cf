"""`casebot scheduler`: runs a pass on the configured schedule, on Swedish working days only.

APScheduler 3 (pinned < 4). One job; max_instances=1 keeps this scheduler to one pass at a time;
coalesce folds missed runs into one; misfire_grace_time says how late a run may still start. One
scheduler per store holds its lock (robots/store/lock.py); a second one waits as a hot standby and
starts within STANDBY_POLL of the first one's death (the lock dies with its process). Workers (`casebot
worker`) may run beside it in any number: leases keep them apart.
SIGTERM or SIGINT stops taking new runs and lets the current one finish its batch before exiting; a
second signal stops at once (the store's leases hand unfinished work to the next run).

The signal handler only records the signal. Stopping the scheduler from inside a handler can deadlock:
the handler runs on the main thread, which may hold the very lock (a threading.Event's) it would take.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import time
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from robots.config import Settings
from robots.metrics import Metrics
from robots.runlog import said_nothing
from robots.runner import run_tasks
from robots.store import open_store
from robots.store.lock import SchedulerLock
from robots.workdays import STOCKHOLM, is_working_day

log = logging.getLogger("casebot.scheduler")
STANDBY_POLL = 2.0  # seconds between a standby scheduler's tries to take the lock


def scheduled_pass(metrics: Metrics | None = None) -> None:
    today = datetime.now(STOCKHOLM).date()
    if not is_working_day(today):
        log.info("%s is not a working day: no run", today)
        return
    run_id, rc, outdir = run_tasks(console="none")
    counts = counts_of(outdir / "summary.json")
    if rc == 0 and counts is not None and idle(counts) and said_nothing(outdir):
        shutil.rmtree(outdir, ignore_errors=True)  # every two minutes all day: a pass that did nothing keeps no report
        log.info("run %s: nothing to do", run_id)
    else:
        (log.info if rc == 0 else log.error)("run %s: %s; %s; log %s", run_id, "ok" if rc == 0 else f"{rc} task(s) failed",
                                             pass_summary(counts), outdir / "log.html")
    if metrics is not None:
        metrics.record("ok" if rc == 0 else "failed", counts or {})


def idle(counts: dict) -> bool:
    """A pass in which no stage moved anything."""
    from robots.pipeline import STAGES

    return not any(counts.get(name, {}).get(k) for name, _, progress, _ in STAGES for k in progress)


class OnlyTheSummary(logging.Filter):
    """For the scheduler's and the worker's own output (the journal): their one line per pass, and warnings
    and errors from anywhere. Each pass's full log is in its run folder (events.jsonl)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == log.name or record.levelno >= logging.WARNING


def counts_of(path) -> dict | None:
    """A pass's counts from its summary.json; None when it left none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["counts"]
    except (OSError, ValueError, KeyError):
        return None


def pass_summary(counts: dict | None) -> str:
    """One line for an operator: what the pass decided, what waits and what failed."""
    if counts is None:
        return "no summary (see the log)"
    get = lambda step, key: counts.get(step, {}).get(key, 0)  # noqa: E731
    failed = sum(c.get("errors", 0) + c.get("failed", 0) for c in counts.values() if isinstance(c, dict))
    return (f"decided {get('decide', 'granted')} granted, {get('decide', 'referred')} referred; "
            f"written {get('write_back', 'written')}; waiting {get('fetch', 'waiting') + get('write_back', 'retry')}; "
            f"failed {failed}")


def serve_metrics(metrics: Metrics, settings: Settings):
    """/health and /metrics on [metrics] port, or CASEBOT_METRICS_PORT (one per process on a machine:
    the worker@ unit gives each worker its own); None when it is 0."""
    port = int(os.environ.get("CASEBOT_METRICS_PORT") or settings.metrics.port)
    return metrics.serve(settings.metrics.host, port) if port else None


def build_scheduler(settings: Settings, metrics: Metrics | None = None) -> BackgroundScheduler:
    s = settings.schedule
    scheduler = BackgroundScheduler(timezone=s.timezone)
    scheduler.add_job(
        scheduled_pass,
        CronTrigger.from_crontab(s.cron, timezone=s.timezone),
        kwargs={"metrics": metrics},
        id="casebot-pass",
        name="casebot pass",
        max_instances=1,  # never two passes at once
        coalesce=True,  # a backlog of missed runs becomes one run
        misfire_grace_time=s.misfire_grace_seconds,  # a late run still starts within this; later, it is skipped
        replace_existing=True,
    )
    return scheduler


def stop_signals() -> list[int]:
    """The signals received so far (SIGTERM, SIGINT); a second one exits at once. The handler only records:
    stopping anything from inside a handler can deadlock."""
    signals: list[int] = []

    def record(signum, _frame) -> None:
        if signals:  # asked twice: the operator does not want to wait for the batch
            os._exit(128 + signum)
        signals.append(signum)

    signal.signal(signal.SIGTERM, record)
    signal.signal(signal.SIGINT, record)
    return signals


def run_scheduler(settings: Settings) -> None:
    signals = stop_signals()
    store = open_store(settings.database.url or None)
    lock = SchedulerLock(store)
    if not lock.acquire():
        log.info("standby: another scheduler holds this store's lock; taking over when it stops")
        while not lock.acquire():
            if signals:
                log.info("scheduler stopped (was standby)")
                return
            time.sleep(STANDBY_POLL)
    metrics = Metrics(store)
    endpoint = serve_metrics(metrics, settings)
    scheduler = build_scheduler(settings, metrics)
    scheduler.start()
    [job] = scheduler.get_jobs()
    log.info("scheduler started: %r in %s; next run %s", settings.schedule.cron, settings.schedule.timezone, job.next_run_time)
    while not signals:
        time.sleep(0.2)
    log.warning("%s: finishing the current run, then stopping (send it again to stop at once)", signal.Signals(signals[0]).name)
    scheduler.shutdown(wait=True)  # waits for a pass under way
    if endpoint is not None:
        endpoint.shutdown()
    lock.release()
    store.engine.dispose()
    log.info("scheduler stopped")


def run_worker(settings: Settings, pause: float = 10.0) -> None:
    """`casebot worker`: passes one after another, without a schedule, until SIGTERM or Ctrl-C (the pass
    under way finishes first). Start as many as the store can take: leases keep them apart. A pass that
    found nothing to do is followed by a pause."""
    from robots.bootstrap import build_worker
    from robots.folders import runs_dir
    from robots.pipeline import StepsFailed, new_run_id

    signals = stop_signals()
    worker = build_worker(settings)
    metrics = Metrics(worker.store)
    endpoint = serve_metrics(metrics, settings)
    log.info("worker %s started%s", worker.instance, f"; /health and /metrics on port {endpoint.server_port}" if endpoint else "")
    try:
        while not signals:
            run_id, failed = new_run_id(), False
            try:
                counts = worker.run_pass(run_id)
            except StepsFailed as e:
                log.error("pass failed: %s", e)
                counts, failed = {}, True
            busy = not idle(counts)
            if not busy and not failed and said_nothing(runs_dir(worker.settings) / run_id):  # one every few seconds would say nothing
                shutil.rmtree(runs_dir(worker.settings) / run_id, ignore_errors=True)
            metrics.record("failed" if failed else "ok", counts)
            log.info("pass %s: %s", run_id, "failed" if failed else pass_summary(counts))
            deadline = time.monotonic() + (0 if busy else pause)
            while not signals and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        if endpoint is not None:
            endpoint.shutdown()
        worker.close()
        log.info("worker stopped")
