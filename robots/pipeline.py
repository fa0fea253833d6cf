"""One pass of the bots, and the worker that runs passes.

The steps in order: intake, fetch, decide, sample, write back, SLA watch. `casebot run` and the
scheduler run a pass through the Robot Framework tasks in tasks/ (robots/keywords.py calls the steps
below); tests and benchmarks may call `Worker.run_pass` directly. Either way, one run at a time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from connectors.casesystem.client import CaseSystemClient
from connectors.ssbtek.client import GatewayClient
from robots.bots.context import Context
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.sample import sample
from robots.bots.sla_watch import sla_watch
from robots.bots.write_back import write_back
from robots.config import Settings, load_parameters, load_settings
from robots.rules.parameters import Parameters
from robots.store import Run, Store, open_store
from robots.store.lock import RunLock
from robots.store.models import utcnow
from robots.store.parameters import keep as keep_parameters

STEPS: tuple[tuple[str, Callable[[Context], dict]], ...] = (
    ("intake", intake),
    ("fetch", fetch),
    ("decide", decide),
    ("sample", sample),
    ("write_back", write_back),
    ("sla_watch", sla_watch),
)
ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "logs" / "runs"

log = logging.getLogger("casebot.pipeline")


class AnotherRunIsActive(Exception):
    """Only one run at a time; the other one is still going."""


def new_instance() -> str:
    """This worker process, as a claimant: host, process and a random part (a process id is reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class Worker:
    """Everything a pass needs, built once: store, clients, parameters."""

    settings: Settings
    store: Store
    casesystem: CaseSystemClient
    gateway: GatewayClient
    params: Parameters = field(default_factory=load_parameters)
    instance: str = field(default_factory=new_instance)

    @classmethod
    def from_config(cls, settings: Settings | None = None) -> Worker:
        settings = settings or load_settings()
        return cls(
            settings=settings,
            store=open_store(settings.database.url or None),
            casesystem=CaseSystemClient(settings.casesystem.url),
            gateway=GatewayClient(settings.ssbtek.url, max_concurrency=settings.ssbtek.max_concurrency),
        )

    def close(self) -> None:
        self.gateway.close()
        self.casesystem.close()
        self.store.engine.dispose()

    def start_run(self, run_id: str | None = None, log_dir: Path | None = None) -> tuple[Context, RunLock]:
        lock = RunLock(self.store)
        if not lock.acquire():
            raise AnotherRunIsActive("another casebot run is active on this store; this one is skipped")
        run_id = run_id or new_run_id()
        seed = secrets.randbits(31)
        with self.store.unit_of_work() as session:
            # Holding the lock, any run still marked running died without finishing.
            session.execute(update(Run).where(Run.outcome == "running").values(outcome="interrupted"))
            session.add(Run(id=run_id, sample_seed=seed, counts={}, log_dir=str(log_dir) if log_dir else None))
            keep_parameters(session, self.params)  # so that any decision of this run can be re-run with its parameters
        ctx = Context(self.store, self.casesystem, self.gateway, self.params, self.settings, run_id, seed, self.instance)
        return ctx, lock

    def finish_run(self, ctx: Context, lock: RunLock, counts: dict, outcome: str, error: str | None = None) -> None:
        try:
            with self.store.unit_of_work() as session:
                run = session.get(Run, ctx.run_id)
                run.finished_at, run.outcome, run.counts, run.error = utcnow(), outcome, counts, error
        finally:
            lock.release()

    def run_pass(self, run_id: str | None = None) -> dict[str, dict]:
        """Every step once, in order; returns the counts of each."""
        ctx, lock = self.start_run(run_id)
        counts: dict[str, dict] = {}
        try:
            for name, step in STEPS:
                counts[name] = step(ctx)
        except BaseException as e:
            self.finish_run(ctx, lock, counts, "failed" if isinstance(e, Exception) else "interrupted", repr(e))
            raise
        self.finish_run(ctx, lock, counts, "ok")
        return counts
