"""What every bot works with: the store, the clients, the parameters, the run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from robots.config import Settings
from robots.ports import CaseSystem, RegisterGateway
from robots.rules.parameters import Parameters
from robots.store import Store
from robots.store.models import utcnow


@dataclass
class Context:
    store: Store
    casesystem: CaseSystem
    gateway: RegisterGateway
    params: Parameters
    settings: Settings
    run_id: str
    sample_seed: int
    instance: str = "local"  # this worker process: robots.pipeline.new_instance()
    clock: Callable[[], datetime] = utcnow
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("casebot.bots"))

    @property
    def robot(self) -> str:
        """Who claims in the case system: the configured robot id and this instance. Two instances with the
        same robot id are two claimants; a restarted worker takes a dead instance's claims over explicitly."""
        return f"{self.settings.worker.robot_id}@{self.instance}"

    @property
    def decided_by(self) -> str:
        return f"robot:{self.robot}"

    def decided_at(self) -> str:
        """Now, from the injected clock, in the municipality's time zone (the day decides the law cited)."""
        return self.clock().astimezone(ZoneInfo(self.settings.schedule.timezone)).isoformat(timespec="seconds")

    def lease_args(self) -> dict:
        w = self.settings.worker
        return {"owner": f"{w.robot_id}/{self.run_id}", "seconds": w.lease_seconds, "limit": w.batch_size, "now": self.clock()}
