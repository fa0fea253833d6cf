"""Console pages load while the worker runs a pass, on SQLite and on PostgreSQL, and neither waits for the
other: the pages answer while the pass is still running, and the pass ends with every application done."""

import threading

import pytest
import requests

from tests.console.conftest import console_on
from tests.worlds import world_in

PAGES = ["/arenden", "/drift", "/korningar", "/stickprov"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_pages_load_while_a_pass_is_writing(tmp_path, backend):
    with world_in(tmp_path, backend) as world, console_on(world, ["RENT_CHANGED", None]) as served:
        http = served.signed_in("ada")
        # The next month's pass: many applications, each register query slow, so that the pass lasts a while.
        world.seed(300, seed=11)
        requests.put(f"{world.gateway.url}/admin/faults", json={"latency_ms": 40}, timeout=10).raise_for_status()
        finished = threading.Event()
        result = {}

        def run_pass():
            result["counts"] = served.worker.run_pass()
            finished.set()

        worker = threading.Thread(target=run_pass)
        worker.start()
        loaded_during_the_pass = 0
        while not finished.is_set():
            for path in PAGES:
                answer = http.get(served.url + path, timeout=30)
                assert answer.status_code == 200, (path, answer.text[:300])
                loaded_during_the_pass += not finished.is_set()
        worker.join()
        assert loaded_during_the_pass >= 2 * len(PAGES), "the pages waited for the pass instead of loading beside it"
        assert world.open_items() == 0 and result["counts"]["write_back"]["written"] + result["counts"]["write_back"]["referred"] == 300
