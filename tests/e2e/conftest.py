"""End to end: both stubs as real processes, a real store, the worker's bots (tests/worlds.py)."""

import pytest

from tests.worlds import NoPostgres, world_in


@pytest.fixture
def world(tmp_path):
    with world_in(tmp_path) as w:
        yield w


@pytest.fixture
def postgres_world(tmp_path):
    """The same world with the store in PostgreSQL, in a schema of its own that is dropped afterwards."""
    try:
        with world_in(tmp_path, "postgres") as w:
            yield w
    except NoPostgres as e:
        pytest.fail(str(e))
