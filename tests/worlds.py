"""Worlds to run the worker in: both stand-ins as real processes, a store (SQLite, or a PostgreSQL schema of
its own), a copy of config/ with short leases. Used by the end-to-end tests and the chaos harness."""

import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

from sqlalchemy import create_engine, select, text

from connectors.casesystem.standin import StandIn
from connectors.serving import StubProcess
from connectors.ssbtek.client import GatewayClient
from robots.bootstrap import build_worker
from robots.bots.sla_watch import OPEN
from robots.config import config_dir, load_seed_mix, load_settings, with_urls
from robots.pipeline import Worker
from robots.seed import seed_stubs
from robots.store import WorkItem, open_store
from robots.synthetic import population
from robots.workdays import STOCKHOLM

# The screens' sign-in in every world (the case-system stand-in takes it, and a worker on the screens adapter).
SIGN_IN = {"CASEBOT_CASESYSTEM_USER": "casebot", "CASEBOT_CASESYSTEM_PASSWORD": "test-only-secret"}

# The PostgreSQL the store tests use; each test gets a schema of its own and drops it afterwards.
POSTGRES = os.environ.get("CASEBOT_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class World:
    gateway: StubProcess
    cases: StubProcess
    database_url: str
    config_dir: Path

    @property
    def log_dir(self) -> Path:
        return self.config_dir.parent / "logs"

    @property
    def env(self) -> dict:
        """What a worker process needs to find this world."""
        outside = {k: v for k, v in os.environ.items() if k != "CASEBOT_LOG_DIR"}  # the world's config says where its logs go
        return outside | SIGN_IN | {"CASEBOT_SSBTEK_URL": self.gateway.url, "CASEBOT_CASESYSTEM_URL": self.cases.url,
                             "CASEBOT_DATABASE_URL": self.database_url, "CASEBOT_CONFIG_DIR": str(self.config_dir)}

    def worker(self, database_url: str | None = None, **changes: dict) -> Worker:
        """A worker on this world's config/ copy and store (or another store: another robot installation);
        `changes` by section of casebot.toml: retry={"attempts": 2}."""
        settings = with_urls(load_settings(self.config_dir / "casebot.toml"),
                             casesystem=self.cases.url, ssbtek=self.gateway.url, database=database_url or self.database_url)
        settings = settings.model_copy(update={k: getattr(settings, k).model_copy(update=v) for k, v in changes.items()})
        with patch.dict(os.environ, SIGN_IN):  # the screens adapter's password, as a worker process gets it
            return build_worker(settings, config=self.config_dir)

    def seed(self, count: int, seed: int = 1):
        cases = population(count, seed, "2023-11", load_seed_mix())
        with GatewayClient(self.gateway.url) as gateway:
            seed_stubs(cases, seed, StandIn(self.cases.url), gateway)
        return cases

    def open_items(self) -> int:
        store = open_store(self.database_url)
        with store.sessions() as session:
            n = len(session.scalars(select(WorkItem.id).where(OPEN)).all())
        store.engine.dispose()
        return n


def ready_config(folder: Path) -> Path:
    """A copy of config/ that `casebot check` passes whatever the day the tests run: from 1 December the
    check wants next year's norm table, which config/ gets only when the government has set it. The tests
    decide other years, so the copy gets a stand-in: this year's table under next year's dates, named as
    the test fixture it is. Never in config/ itself."""
    shutil.copytree(config_dir(), folder)
    today = datetime.now(STOCKHOLM).date()
    if today.month == 12 and not (folder / "norms" / f"{today.year + 1}.toml").exists():
        text = (folder / "norms" / f"{today.year}.toml").read_text(encoding="utf-8")
        (folder / "norms" / f"{today.year + 1}.toml").write_text(
            text.replace(f'name = "riksnorm {today.year}"', f'name = "test fixture: riksnorm {today.year} as {today.year + 1}"')
            .replace(f"valid_from = {today.year}-01-01", f"valid_from = {today.year + 1}-01-01")
            .replace(f"valid_to = {today.year}-12-31", f"valid_to = {today.year + 1}-12-31"), encoding="utf-8")
    return folder


def _config_dir(tmp_path: Path, adapter: str = "api") -> Path:
    """A copy of config/ with short leases, so that a killed worker's items come back within seconds, the
    case-system adapter asked for, and the run folders in the world's logs/ (never the project's)."""
    folder = ready_config(tmp_path / "config")
    path = folder / "casebot.toml"
    text = path.read_text(encoding="utf-8").replace("lease_seconds = 120", "lease_seconds = 3")
    text, n = re.subn(r'(?m)^adapter = "\w+"$', f'adapter = "{adapter}"', text)
    text, m = re.subn(r'(?m)^dir = ""$', f'dir = "{(tmp_path / "logs").as_posix()}"', text)
    assert n == m == 1, "config/casebot.toml names its case-system adapter and its log folder once"
    path.write_text(text, encoding="utf-8")
    return folder


@contextmanager
def world_in(folder: Path, backend: str = "sqlite", adapter: str = "api", screens: tuple[str, ...] = ()):
    """A world in `folder`: the stubs' and SQLite files there; on PostgreSQL a schema of its own, dropped after.
    `adapter`: how its workers work the case system (api or screens); `screens`: the case-system stand-in's
    flags for its screens (`casebot stub casesystem --layout revised`, `--without amount` …)."""
    folder.mkdir(parents=True, exist_ok=True)
    with StubProcess("ssbtek", folder / "ssbtek.sqlite3") as gateway, \
            StubProcess("casesystem", folder / "casesystem.sqlite3", *screens, env=os.environ | SIGN_IN) as cases:
        if backend == "sqlite":
            yield World(gateway, cases, f"sqlite:///{folder / 'casebot.sqlite3'}", _config_dir(folder, adapter))
            return
        with postgres_schema() as url:
            yield World(gateway, cases, url, _config_dir(folder, adapter))


class NoPostgres(RuntimeError):
    """The PostgreSQL these tests need does not answer."""


@contextmanager
def postgres_schema():
    """A URL to a PostgreSQL schema of its own, dropped afterwards."""
    schema = f"casebot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    try:
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as e:  # noqa: BLE001
        raise NoPostgres(f"PostgreSQL at {POSTGRES} (database test) is needed here: {e}") from e
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
