"""With each fault switched on, the client succeeds through retries or gives up with a typed error
within its budget: it never hangs past its timeout, never passes partial data off as complete, and
never has more queries in flight than its cap."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from connectors.errors import BadAnswer, Unavailable
from connectors.http import CallPolicy
from connectors.ssbtek.client import GatewayClient, HouseholdRequest
from robots.rules.parameters import AGENCIES
from tests.builders import case, pnr
from tests.conftest import run
from tests.contract.conftest import FAST, set_faults, stats

PERSON = pnr("1984-08-08")


def ask(gateway, person=PERSON):
    return gateway.query(person, case_id="EB-1", period="2023-11", agencies=AGENCIES)


def timed(call):
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except Exception as e:  # noqa: BLE001 - the test inspects it
        return e, time.monotonic() - started


@pytest.mark.parametrize("fault", [
    {"error_500_rate": 0.5},
    {"error_503_rate": 0.5, "retry_after_seconds": 0},
    {"malformed_rate": 0.5},
    {"timeout_rate": 0.3, "hang_seconds": 3},
    {"latency_ms": 100, "jitter_ms": 100},
])
def test_occasional_faults_are_ridden_out_by_retries(gateway, gateway_stub, fault):
    set_faults(gateway_stub, seed=7, **fault)
    policy = CallPolicy(connect_timeout=1, read_timeout=0.5, attempts=8, budget=10, backoff_initial=0.01, backoff_max=0.05, jitter=0.01)
    with GatewayClient(gateway_stub.url, policy=policy) as client:
        for i in range(8):
            answer = client.query(pnr("1970-01-01", i), case_id="EB-1", period="2023-11", agencies=AGENCIES)
            assert set(answer["sources"]) == set(AGENCIES)


@pytest.mark.parametrize("fault,error", [
    ({"error_500_rate": 1}, Unavailable),
    ({"error_503_rate": 1, "retry_after_seconds": 0}, Unavailable),
    ({"malformed_rate": 1}, BadAnswer),
    ({"max_concurrency": 0, "timeout_rate": 1, "hang_seconds": 30}, Unavailable),
])
def test_a_fault_that_persists_ends_in_a_typed_error_within_the_budget(gateway, gateway_stub, fault, error):
    set_faults(gateway_stub, seed=1, **fault)
    result, elapsed = timed(lambda: ask(gateway))
    assert isinstance(result, error), result
    assert elapsed < FAST.budget + 1.0
    assert stats(gateway_stub)["requests"] <= FAST.attempts


def test_a_hanging_gateway_never_holds_the_client_past_its_budget(gateway_stub):
    set_faults(gateway_stub, timeout_rate=1, hang_seconds=60)
    policy = CallPolicy(connect_timeout=0.5, read_timeout=5, attempts=10, budget=1.5, backoff_initial=0.01)
    with GatewayClient(gateway_stub.url, policy=policy) as client:
        result, elapsed = timed(lambda: ask(client))
    assert isinstance(result, Unavailable)
    assert elapsed < policy.budget + 1.5  # the read timeout is cut to what is left of the budget, not 5 s


def test_the_latency_fault_is_the_answer_time_the_gateway_keeps(gateway_stub):
    # The stub counts from a query's arrival and learns how late its own answers leave, so that under
    # load, on one thread, its answers still take what the flag says: the benchmark's limit depends on it.
    set_faults(gateway_stub, latency_ms=40)
    with GatewayClient(gateway_stub.url, max_concurrency=8) as client:
        requests = [HouseholdRequest(f"EB-{i}", "2023-11", [(pnr("1970-01-01", i * 4 + k), AGENCIES) for k in range(4)]) for i in range(40)]
        started = time.monotonic()
        assert all(r.complete for r in client.fetch(requests))
        elapsed = time.monotonic() - started
    answer_ms = stats(gateway_stub)["answer_ms"]
    assert answer_ms["count"] == 160 and 39 <= answer_ms["median"] <= 42, answer_ms
    assert elapsed >= 160 / 8 * 0.040 * 0.95  # never faster than the gateway allows


def test_retry_after_is_honoured(gateway, gateway_stub):
    set_faults(gateway_stub, error_503_rate=1, retry_after_seconds=1)
    policy = CallPolicy(attempts=3, budget=10, backoff_initial=0.01, backoff_max=0.01, jitter=0)
    with GatewayClient(gateway_stub.url, policy=policy) as client:
        result, elapsed = timed(lambda: ask(client))
    assert isinstance(result, Unavailable)
    assert 2.0 <= elapsed < 4.0  # two waits of Retry-After: 1 between three attempts


def test_a_failed_agency_is_data_and_refers_never_no_income(gateway, gateway_stub):
    application, answers, _ = case()
    answers[0]["sources"]["FK"]["payments"].append({"benefit": "sickness_benefit", "amount": 5000})
    gateway.store_population(answers)
    set_faults(gateway_stub, agency_error_rate=1)
    answer = ask(gateway, application["household"]["members"][0]["personnummer"])
    assert {s["status"] for s in answer["sources"].values()} == {"error"}
    decision = run(application, [answer])
    assert decision["outcome"] == "referred"
    assert [r["code"] for r in decision["reasons"]] == ["REGISTRY_UNAVAILABLE"]
    assert decision["calculation"]["income"] == {}  # nothing was counted as known


def test_a_household_with_a_member_that_got_no_answer_is_not_complete(gateway, gateway_stub):
    set_faults(gateway_stub, error_500_rate=1)
    members = [(pnr("1980-01-01", i), ["FK"]) for i in range(3)]
    [result] = gateway.fetch([HouseholdRequest("EB-9", "2023-11", members)])
    assert not result.complete
    assert set(result.failures) == {p for p, _ in members}
    assert result.answers == []


@pytest.mark.parametrize("client_cap", [4, 8])
def test_never_more_in_flight_than_the_cap(gateway_stub, client_cap):
    """Client cap 4 against the stub's cap 4: never a 429. Client cap 8 against 4: 429s, ridden out."""
    set_faults(gateway_stub, latency_ms=50, max_concurrency=4, retry_after_seconds=0)
    policy = CallPolicy(attempts=20, budget=30, backoff_initial=0.01, backoff_max=0.1, jitter=0.05)
    households = [HouseholdRequest(f"EB-{i}", "2023-11", [(pnr("1990-05-05", i * 10 + j), ["FK", "SKV"]) for j in range(3)]) for i in range(12)]
    with GatewayClient(gateway_stub.url, policy=policy, max_concurrency=client_cap) as client, ThreadPoolExecutor(4) as callers:
        # several callers at once, as the fetch bot does across applications
        results = [r for batch in callers.map(client.fetch, [households[i::4] for i in range(4)]) for r in batch]
    assert all(r.complete for r in results) and sum(len(r.answers) for r in results) == 36
    seen = stats(gateway_stub)
    assert seen["max_in_flight"] <= 4
    if client_cap == 4:
        assert seen["by_status"].get("429", 0) == 0
        assert seen["max_in_flight"] == 4  # and the cap is actually used
    else:
        assert seen["by_status"].get("429", 0) > 0
