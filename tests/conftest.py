import dataclasses

import pytest

from robots.config import load_parameters
from robots.decide import decide
from robots.rules.parameters import Parameters
from tests.builders import FIXED_TIME

PARAMS = load_parameters()
POLICY = PARAMS.for_period("2023-11")[1]  # the version the tests' usual periods use


def with_policy(**changes) -> Parameters:
    """The bundled parameters with every policy version changed as given."""
    return dataclasses.replace(PARAMS, policies=tuple(dataclasses.replace(p, **changes) for p in PARAMS.policies))


def run(application, answers, params=None, decided_at=FIXED_TIME, granted_elsewhere=None):
    """Decide with the bundled parameters and a fixed clock."""
    return decide(application, answers, params or PARAMS, decided_at=decided_at, granted_elsewhere=granted_elsewhere)


def codes(decision) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


@pytest.fixture
def params():
    return PARAMS


@pytest.fixture
def bench(tmp_path):
    """The bots' bench (tests/bench.py): a store, the fakes of both ports, a clock the test moves."""
    from tests.bench import new_bench

    b = new_bench(tmp_path, PARAMS)
    yield b
    b.ctx.store.engine.dispose()
