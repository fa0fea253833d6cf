"""/health and /metrics over HTTP, on a store with items: the store's figures when scraped, this process's
passes as counted."""

import requests

from connectors.serving import free_port
from robots.bots.decide import decide
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.bots.write_back import write_back
from robots.metrics import Metrics


def test_health_and_metrics(bench):
    bench.file("A-1")
    bench.file("A-2", "RENT_CHANGED", seed=2)
    bench.through(intake, fetch, decide, write_back)
    metrics = Metrics(bench.ctx.store, clock=bench.ctx.clock)
    metrics.record("ok", {"decide": {"granted": 1, "errors": 2}})
    metrics.record("failed", {})
    server = metrics.serve("127.0.0.1", free_port())
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        health = requests.get(base + "/health", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok" and health.json()["last_pass"]["outcome"] == "failed"
        text = requests.get(base + "/metrics", timeout=5).text
    finally:
        server.shutdown()
    assert 'casebot_items{state="WRITTEN"} 1.0' in text and 'casebot_items{state="WITH_CASEWORKER"} 1.0' in text
    assert 'casebot_items{state="FAILED"} 0.0' in text and "casebot_overdue_items 0.0" in text
    assert 'casebot_passes_total{outcome="ok"} 1.0' in text and 'casebot_passes_total{outcome="failed"} 1.0' in text
    assert 'casebot_step_errors_total{step="decide"} 2.0' in text
    assert 'casebot_lead_time_seconds{quantile="0.5"}' in text
