"""One pass of the bots, and the worker that runs passes.

A pass: intake, fetch, decide and write back overlapping (`streamed`), then the stickprov and the SLA
watch. There is one way to run it, `Worker.run_pass`: `casebot run` and the scheduler call it through
the Robot Framework task in tasks/ (robots/keywords.py), `casebot worker` and the tests directly. A
failed step is recorded and the others go on. Many workers, each with its own runs and heartbeat, may
share one store: leases alone keep them apart.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from robots.bots.alert import alert
from robots.bots.context import Context
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.sla_watch import sla_watch
from robots.bots.write_back import write_back
from robots.config import Settings
from robots.folders import runs_dir
from robots.ports import CaseSystem, RegisterGateway
from robots.rules.parameters import Parameters
from robots.runlog import RunLog, prune, write_items
from robots.store import Run, Store
from robots.store.models import utcnow
from robots.store.parameters import keep as keep_parameters

log = logging.getLogger("casebot.pipeline")
HEARTBEAT = timedelta(seconds=10)
HEARTBEAT_LAPSES = 6 * HEARTBEAT  # a run silent this long is dead


def new_instance() -> str:
    """This worker process, as a claimant: host, process and a random part (a process id is reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class Worker:
    """Everything a pass needs, built once (robots/bootstrap.py): store, clients, parameters, clock."""

    settings: Settings
    store: Store
    casesystem: CaseSystem
    gateway: RegisterGateway
    params: Parameters
    clock: Callable[[], datetime] = utcnow
    instance: str = field(default_factory=new_instance)
    _heartbeats: dict = field(default_factory=dict, repr=False)


    def close(self) -> None:
        self.gateway.close()
        self.casesystem.close()
        self.store.engine.dispose()

    def start_run(self, run_id: str | None = None, log_dir: Path | None = None) -> Context:
        """Record a run of this worker and keep its heartbeat. Many workers may run at once on one store:
        leases are what keeps them apart. Another worker's run whose heartbeat lapsed died unfinished."""
        run_id = run_id or new_run_id()
        seed = secrets.randbits(31)
        now = utcnow()
        with self.store.unit_of_work() as session:
            lapsed = list(session.scalars(update(Run).where(Run.outcome == "running", Run.heartbeat_at < now - HEARTBEAT_LAPSES)
                                          .values(outcome="interrupted").returning(Run.id)))
            session.add(Run(id=run_id, worker=self.instance, sample_seed=seed, counts={}, heartbeat_at=now,
                            log_dir=str(log_dir) if log_dir else None))
            keep_parameters(session, self.params)  # so that any decision of this run can be re-run with its parameters
        for dead in lapsed:  # a run that died unfinished never anchored what it wrote: anchored now
            self._anchor(dead, [])
        self._heartbeats[run_id] = Heartbeat(self.store, run_id).start()
        return Context(self.store, self.casesystem, self.gateway, self.params, self.settings, run_id, seed, self.instance, self.clock)

    def finish_run(self, ctx: Context, counts: dict, outcome: str, error: str | None = None) -> None:
        heartbeat = self._heartbeats.pop(ctx.run_id, None)
        if heartbeat is not None:
            heartbeat.stop()
        with self.store.unit_of_work() as session:
            run = session.get(Run, ctx.run_id)
            run.finished_at, run.outcome, run.counts, run.error = utcnow(), outcome, counts, error

    def run_pass(self, run_id: str | None = None, log_dir: Path | None = None) -> dict[str, dict]:
        """One streamed pass (`streamed`: the steps overlap, each taking what is due): a step that fails is
        recorded and the others go on (its items wait for the next pass); returns the counts of each step,
        or raises StepsFailed (with them) once the pass is over. The run's folder (logs/runs/<run id>/
        unless `log_dir` says otherwise) gets its summary and event log (robots/runlog.py)."""
        run_id = run_id or new_run_id()
        log_dir = log_dir or runs_dir(self.settings) / run_id
        prune(runs_dir(self.settings), self.settings.logs.keep_days)
        runlog = RunLog(log_dir, run_id, self.instance)
        self.casesystem.use_log_dir(log_dir)
        try:
            ctx = self.start_run(run_id, log_dir)
        except BaseException as e:
            runlog.close("failed", {}, [repr(e)])
            raise
        log.info("run %s started by %s", run_id, ctx.robot)
        counts, errors, seconds, outcome, anchored = {}, [], {}, "interrupted", None
        try:
            counts, errors, seconds = streamed(ctx)
            outcome = "failed" if errors else "ok"
        except BaseException as e:
            errors.append(repr(e))
            raise
        finally:  # whatever happened, the run is anchored (as far as the store answers), recorded and its log closed
            anchored = self._after_pass(run_id, errors)
            outcome = "failed" if outcome == "ok" and errors else outcome
            self.finish_run(ctx, counts, outcome, "; ".join(errors) or None)
            try:
                write_items(self.store, run_id, log_dir)
            except Exception:  # noqa: BLE001 - a log file that cannot be written must not fail the pass
                log.exception("run %s: could not write items.csv", run_id)
            runlog.close(outcome, counts, errors, seconds, anchored)
        if errors:
            raise StepsFailed("; ".join(errors), counts)
        return counts

    def _after_pass(self, run_id: str, errors: list[str]) -> str | None:
        """Tidy the work queue and anchor what the run appended to the trail; the anchor's hash. A failure
        here is the run's error (in `errors`), never the end of the worker."""
        try:
            if self.store.tidy():
                log.info("run %s: vacuumed the work queue", run_id)
        except Exception as e:  # noqa: BLE001
            log.exception("run %s: could not vacuum the work queue", run_id)
            errors.append(f"tidy: {e!r}")
        return self._anchor(run_id, errors)

    def _anchor(self, run_id: str, errors: list[str]) -> str | None:
        try:
            anchored = self.store.anchor(run_id)
        except Exception as e:  # noqa: BLE001
            log.exception("run %s: could not anchor its audit events", run_id)
            errors.append(f"anchor: {e!r}")
            return None
        if anchored:  # a copy outside the store: the run's log
            log.info("run %s: audit trail anchored, anchor %s", run_id, anchored)
        return anchored


# The steps that overlap in a streamed pass, in order, with what counts as progress for each and how
# many threads run it: a stage stops once the stages before it have stopped and a call of each of its
# threads made none. Fetch runs twice: while one call waits for the last answers of its batch, the
# other's queries already keep the gateway busy (they share the client's pool, so the cap holds).
STAGES: tuple[tuple[str, Callable[[Context], dict], tuple[str, ...], int], ...] = (
    ("intake", intake, ("new", "claimed", "taken_by_others"), 1),
    ("fetch", fetch, ("ready", "waiting", "given_up"), 2),
    ("decide", decide, ("granted", "referred"), 1),
    ("write_back", write_back, ("written", "referred", "paid_elsewhere", "failed"), 1),
)
AFTER: tuple[tuple[str, Callable[[Context], dict]], ...] = (("sample", sample), ("sla_watch", sla_watch), ("alert", alert))
# The steps one after another, as a pass did before they overlapped: the benchmarks' baseline.
STEPS = (*((name, step) for name, step, _, _ in STAGES), *AFTER)
PAUSE = 0.05  # seconds a stage waits when it found nothing yet while the stages before it still work


def streamed(ctx: Context) -> tuple[dict[str, dict], list[str], dict[str, float]]:
    """One pass whose steps overlap: each stage runs in threads of its own, again and again, taking what
    is due (leases keep the stages apart as they keep workers apart), so an application goes on to the next
    step as soon as it is ready, and the gateway is kept busy while decisions are made and written.
    Then the stickprov and the SLA watch. Returns (counts by step, errors, seconds from the pass's start
    until each step was done)."""
    counts: dict[str, dict] = {name: {} for name, *_ in STAGES}
    errors: list[str] = []
    running = {name: threads for name, _, _, threads in STAGES}  # threads of each stage still going
    lock = threading.Lock()
    started, seconds = time.monotonic(), {}

    def stage(i: int) -> None:
        name, step, progress, _ = STAGES[i]
        before = [n for n, *_ in STAGES[:i]]
        try:
            while True:
                upstream_stopped = not any(running[n] for n in before)  # read before the call: nothing can come after it
                c = step(ctx)
                with lock:
                    for k, v in c.items():
                        counts[name][k] = counts[name].get(k, 0) + v
                moved = any(c.get(k) for k in progress)
                if upstream_stopped and not moved:
                    return
                if not moved:
                    time.sleep(PAUSE)
        except Exception as e:  # noqa: BLE001  recorded on the run; the other stages go on
            log.exception("run %s: step %s failed", ctx.run_id, name)
            with lock:
                errors.append(f"{name}: {e!r}")
        finally:
            with lock:
                running[name] -= 1
                seconds[name] = time.monotonic() - started
                if not running[name]:
                    log.info("run %s: %s done after %.1f s: %s", ctx.run_id, name, seconds[name], _said(counts[name]))

    threads = [threading.Thread(target=stage, args=(i,), name=f"stage-{name}-{n}")
               for i, (name, _, _, count) in enumerate(STAGES) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, step in AFTER:
        try:
            counts[name] = step(ctx)
        except Exception as e:  # noqa: BLE001
            log.exception("run %s: step %s failed", ctx.run_id, name)
            errors.append(f"{name}: {e!r}")
        seconds[name] = time.monotonic() - started
        log.info("run %s: %s done: %s", ctx.run_id, name, _said(counts.get(name, {})))
    return counts, errors, seconds


def _said(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing to do"


class StepsFailed(Exception):
    """One or more steps of a pass failed (each is in the run's error and the log); the others ran."""

    def __init__(self, message: str, counts: dict[str, dict]):
        super().__init__(message)
        self.counts = counts


class Heartbeat:
    """A run's sign of life in the store, every HEARTBEAT, from a thread of its own: a run whose heartbeat
    is older than HEARTBEAT_LAPSES died without finishing, and the next run to start marks it so. With it,
    the work queue is tidied (`Store.tidy`): a pass over a whole month is one long run, and the queue
    needs its vacuum during it, not after."""

    def __init__(self, store: Store, run_id: str):
        self.store, self.run_id = store, run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT.total_seconds()):
            try:
                with self.store.unit_of_work() as session:
                    session.execute(update(Run).where(Run.id == self.run_id).values(heartbeat_at=utcnow()))
            except Exception:  # noqa: BLE001  a missed beat is no reason to stop the run
                log.warning("run %s: could not record its heartbeat", self.run_id, exc_info=True)
            try:
                if self.store.tidy():
                    log.info("run %s: vacuumed the work queue", self.run_id)
            except Exception:  # noqa: BLE001  nor is a vacuum that could not be made
                log.warning("run %s: could not vacuum the work queue", self.run_id, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
