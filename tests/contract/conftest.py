"""The stubs run as real processes on free ports; the clients talk to them over real HTTP."""

import pytest
import requests

from connectors.casesystem.standin import StandIn
from connectors.http import CallPolicy
from connectors.serving import StubProcess
from connectors.ssbtek.client import GatewayClient

# Short budgets keep failing tests quick; each test that needs other numbers makes its own client.
FAST = CallPolicy(connect_timeout=1.0, read_timeout=2.0, attempts=4, budget=5.0, backoff_initial=0.02, backoff_max=0.2, jitter=0.02)


@pytest.fixture(scope="session")
def gateway_stub(tmp_path_factory):
    with StubProcess("ssbtek", tmp_path_factory.mktemp("ssbtek") / "ssbtek.sqlite3") as stub:
        yield stub


@pytest.fixture(scope="session")
def casesystem_stub(tmp_path_factory):
    with StubProcess("casesystem", tmp_path_factory.mktemp("casesystem") / "casesystem.sqlite3") as stub:
        yield stub


def set_faults(stub, **faults):
    r = requests.put(stub.url + "/admin/faults", json=faults, timeout=5)
    r.raise_for_status()
    requests.delete(stub.url + "/admin/stats", timeout=5).raise_for_status()


def stats(stub) -> dict:
    return requests.get(stub.url + "/admin/stats", timeout=5).json()


@pytest.fixture
def gateway(gateway_stub):
    """A client with a short budget; the stub's faults are off before and after the test."""
    set_faults(gateway_stub)
    with GatewayClient(gateway_stub.url, policy=FAST, max_concurrency=8) as client:
        yield client
    set_faults(gateway_stub)


@pytest.fixture
def casesystem(casesystem_stub):
    return StandIn(casesystem_stub.url, policy=FAST)
