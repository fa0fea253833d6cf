"""The console on a real world: both stand-ins as processes, a store with a month decided by the worker,
users of every role, and the console served over HTTP by uvicorn in a thread of the test."""

import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
import uvicorn
from sqlalchemy import select

from connectors.casesystem.standin import StandIn
from connectors.serving import free_port
from connectors.ssbtek.client import GatewayClient
from robots.bootstrap import casework_context
from robots.console.app import create_app
from robots.console.auth import add_user
from robots.pipeline import Worker
from robots.seed import seed_stubs
from robots.store import WorkItem
from robots.synthetic import SeedCase, case_for
from tests.worlds import World, world_in

PASSWORD = "rätt-lösenord-1"
USERS = {"anna": "caseworker", "olle": "operator", "astrid": "auditor", "ada": "admin"}


@dataclass
class Served:
    world: World
    worker: Worker
    url: str
    app: object

    def items(self, state: str | None = None) -> list[WorkItem]:
        with self.worker.store.sessions() as session:
            query = select(WorkItem).order_by(WorkItem.deadline, WorkItem.id)
            return list(session.scalars(query.where(WorkItem.state == state) if state else query))

    def signed_in(self, name: str) -> requests.Session:
        """A browser-like HTTP session signed in as `name`."""
        http = requests.Session()
        page = http.get(f"{self.url}/logga-in")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        answer = http.post(f"{self.url}/logga-in", data={"anvandare": name, "losenord": PASSWORD, "csrf_token": token},
                           allow_redirects=False)
        assert answer.status_code == 303, answer.text
        return http

    def csrf(self, http: requests.Session, path: str) -> str:
        return http.get(f"{self.url}{path}").text.split('name="csrf_token" value="')[1].split('"')[0]


@contextmanager
def serving(app):
    """The app on a free port, in a thread; stopped after."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


# The month the console tests work on: the queue (by deadline, then as filed) starts with the rent change.
MONTH = ["RENT_CHANGED", "ASSETS_ABOVE_BUFFER", None, None, "CHANGES_REPORTED", None, None, "INCOME_MISMATCH", None, None]
HOSTILE = "<script>alert('xss')</script><b>fet</b> & <img src=x onerror=alert(1)>"


def seed_month(world: World, reasons: list[str | None], seed: int = 5) -> None:
    """File these cases in this order (None: a clean one), and one whose free text holds HTML and a script."""
    rng = random.Random(seed)
    cases = []
    for i, reason in enumerate([*reasons, "HOSTILE"]):
        application, answers = case_for(rng, f"C-{i}", "2023-11", None if reason == "HOSTILE" else reason)
        if reason == "HOSTILE":
            application["message"] = HOSTILE
            application["household"]["members"][0]["role_note"] = HOSTILE
        del application["application_id"]
        history = application.pop("history", None)
        cases.append(SeedCase(reason, application, history, answers))
    with GatewayClient(world.gateway.url) as gateway:
        seed_stubs(cases, seed, StandIn(world.cases.url), gateway)


@contextmanager
def console_on(world: World, reasons: list[str | None] = MONTH):
    seed_month(world, reasons)
    worker = world.worker()
    for _ in range(5):
        worker.run_pass()
        if world.open_items() == 0:
            break
    for name, role in USERS.items():
        add_user(worker.store, name, role, PASSWORD)
    app = create_app(casework_context(worker))
    try:
        with serving(app) as url:
            yield Served(world, worker, url, app)
    finally:
        worker.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One month of applications (MONTH), decided; shared by a module's tests, which must not depend on one another's actions."""
    with world_in(tmp_path_factory.mktemp("console")) as world, console_on(world) as s:
        yield s
