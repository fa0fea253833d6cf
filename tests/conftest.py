import pytest

from robots.config import load_norms, load_policy
from robots.decide import decide
from tests.builders import FIXED_TIME

NORMS = load_norms()
POLICY = load_policy()


def run(application, answers, norms=None, policy=None):
    """Decide with the bundled parameters and a fixed clock."""
    return decide(application, answers, norms or NORMS, policy or POLICY, decided_at=FIXED_TIME)


def codes(decision) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


@pytest.fixture
def norms():
    return NORMS


@pytest.fixture
def policy():
    return POLICY
