"""What every bot works with: the store, the clients, the parameters, the run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from connectors.casesystem.client import CaseSystemClient
from connectors.ssbtek.client import RegisterGateway
from robots.config import Settings
from robots.rules.parameters import Parameters
from robots.store import Store
from robots.store.models import utcnow


@dataclass
class Context:
    store: Store
    casesystem: CaseSystemClient
    gateway: RegisterGateway
    params: Parameters
    settings: Settings
    run_id: str
    sample_seed: int
    clock: Callable[[], datetime] = utcnow
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("casebot.bots"))

    @property
    def robot(self) -> str:
        return self.settings.worker.robot_id

    def lease_args(self) -> dict:
        w = self.settings.worker
        return {"owner": f"{w.robot_id}/{self.run_id}", "seconds": w.lease_seconds, "limit": w.batch_size, "now": self.clock()}
