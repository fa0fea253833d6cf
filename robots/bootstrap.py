"""One bootstrap: from settings to a worker — store, clock, clients, parameters — for every entry point
(the CLI, the Robot keywords, the scheduler and `casebot worker`, the demo, the benchmarks, the tests'
worlds, and later the console). Nothing is built at import; folders are robots/folders.py's."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from connectors.casesystem.client import CaseSystemClient
from connectors.ssbtek.client import GatewayClient
from robots.bots.context import Context
from robots.config import ConfigError, Settings, load_parameters, load_settings
from robots.folders import runs_dir
from robots.pipeline import Worker
from robots.ports import CaseSystem
from robots.store import open_store
from robots.store.models import utcnow


def build_worker(settings: Settings | None = None, *, config: Path | None = None, clock: Callable[[], datetime] = utcnow) -> Worker:
    """A worker on `settings` (default: config/casebot.toml with the environment's URLs on top) and the
    parameters in `config` (default: the configuration folder); the store must be at this casebot's
    schema (an empty one gets it)."""
    settings = settings or load_settings()
    params = load_parameters(config / "norms", config / "policy") if config else load_parameters()
    return Worker(
        settings=settings,
        store=open_store(settings.database.url or None),
        casesystem=case_system(settings),
        gateway=GatewayClient(settings.ssbtek.url, max_concurrency=settings.ssbtek.max_concurrency),
        params=params,
        clock=clock,
    )


def case_system(settings: Settings) -> CaseSystem:
    """The adapter config/casebot.toml chooses: the case system's API, or its screens (the ui extra)."""
    if settings.casesystem.adapter == "screens":
        if importlib.util.find_spec("RPA") is None:
            raise ConfigError("[casesystem] adapter = \"screens\" needs rpaframework: pip install 'casebot[ui]'")
        from connectors.casesystem.screens import CaseSystemScreens

        user, password = settings.casesystem.sign_in()
        # Steps outside a run (people's actions in the console) keep their log and evidence in a folder of the
        # day, pruned with the run folders; a pass gives the adapter its run's folder.
        return CaseSystemScreens(settings.casesystem.url, user, password, timeout=settings.casesystem.page_timeout_seconds,
                                 evidence_dir=runs_dir(settings) / f"{datetime.now():%Y%m%d}-outside-runs")
    return CaseSystemClient(settings.casesystem.url)


def casework_context(worker: Worker) -> Context:
    """What people's actions (robots/casework.py: the console, operators' commands) run on: the worker's
    store, case-system port, parameters and clock, outside any run."""
    return Context(store=worker.store, casesystem=worker.casesystem, gateway=worker.gateway, params=worker.params,
                   settings=worker.settings, run_id="console", sample_seed=0, instance="console", clock=worker.clock)
