"""A bench for the bots: a store of its own, the in-memory fakes of both ports, and a clock the test
moves. The `bench` fixture (tests/conftest.py) gives one."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from robots.bots.context import Context
from robots.config import load_settings
from robots.store import WorkItem, open_store
from robots.store.parameters import keep as keep_parameters
from robots.synthetic import case_for
from tests.fakes import FakeCaseSystem, FakeGateway


@dataclass
class Bench:
    ctx: Context
    cases: FakeCaseSystem
    gateway: FakeGateway
    clock: list

    def advance(self, **delta) -> None:
        self.clock[0] += timedelta(**delta)

    def file(self, application_id: str, reason: str | None = None, seed: int = 1) -> dict:
        application, answers = case_for(random.Random(seed), application_id, "2023-11", reason)
        self.cases.file(application)
        self.gateway.answers.update({a["personnummer"]: a for a in answers})
        return application

    def items(self) -> dict[str, WorkItem]:
        with self.ctx.store.sessions() as session:
            return {i.application_id: i for i in session.scalars(select(WorkItem))}

    def through(self, *bots) -> None:
        for bot in bots:
            bot(self.ctx)


def new_bench(tmp_path, params):
    settings = load_settings()
    settings = settings.model_copy(update={"retry": settings.retry.model_copy(update={"attempts": 2, "seconds": 60})})
    store = open_store(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    clock = [datetime(2023, 10, 24, 9, 0, tzinfo=UTC)]
    cases, gateway = FakeCaseSystem(), FakeGateway()
    with store.unit_of_work() as session:
        keep_parameters(session, params)  # as a worker's run does, so that its decisions can be re-run
    return Bench(Context(store, cases, gateway, params, settings, "run-1", 7, "bench-1", clock=lambda: clock[0]), cases, gateway, clock)
