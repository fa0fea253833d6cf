"""/health and Prometheus /metrics for `casebot worker` and `casebot scheduler` ([metrics] port; 0: none).

What the store holds is read when scraped (items by state, overdue, lead time from receipt to a written
decision over the last day), so every process shows the same; what this process did is counted as it
happens (passes by outcome, errors by step)."""

from __future__ import annotations

import json
import statistics
import threading
from datetime import timedelta
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from robots import __version__
from robots.bots.sla_watch import WATCHED
from robots.store import Store, WorkItem
from robots.store.models import utcnow
from robots.workflow import State


class _StoreCollector:
    def __init__(self, store: Store, clock):
        self.store, self.clock = store, clock

    def collect(self):
        now = self.clock()
        with self.store.sessions() as session:
            by_state = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
            overdue = session.scalar(select(func.count()).where(WATCHED, WorkItem.deadline < now))
            leads = [(w - r).total_seconds() for r, w in session.execute(
                select(WorkItem.received_at, WorkItem.written_at).where(WorkItem.written_at > now - timedelta(days=1)))]
        items = GaugeMetricFamily("casebot_items", "Work items by state", labels=["state"])
        for state in State:
            items.add_metric([str(state)], by_state.get(str(state), 0))
        yield items
        yield GaugeMetricFamily("casebot_overdue_items", "Items past their deadline, open or FAILED", value=overdue)
        lead = GaugeMetricFamily("casebot_lead_time_seconds", "Receipt to written decision, items written in the last day",
                                 labels=["quantile"])
        if leads:
            leads.sort()
            lead.add_metric(["0.5"], statistics.median(leads))
            lead.add_metric(["0.95"], leads[min(len(leads) - 1, int(len(leads) * 0.95))])
        yield lead


class Metrics:
    """What this process counts, and the endpoint that shows it with the store's figures."""

    def __init__(self, store: Store, clock=utcnow):
        self.registry = CollectorRegistry()
        self.registry.register(_StoreCollector(store, clock))
        self.passes = Counter("casebot_passes", "Passes run by this process, by outcome", ["outcome"], registry=self.registry)
        self.errors = Counter("casebot_step_errors", "Errors counted by the steps of this process's passes", ["step"],
                              registry=self.registry)
        self.last_pass: dict = {}

    def record(self, outcome: str, counts: dict) -> None:
        self.passes.labels(outcome).inc()
        for step, c in counts.items():
            if isinstance(c, dict) and c.get("errors"):
                self.errors.labels(step).inc(c["errors"])
        self.last_pass = {"outcome": outcome, "at": utcnow().isoformat(timespec="seconds")}

    def app(self):
        metrics = make_wsgi_app(self.registry)

        def app(environ, start_response):
            if environ.get("PATH_INFO") == "/health":
                body = json.dumps({"status": "ok", "service": "casebot", "version": __version__, "last_pass": self.last_pass}).encode()
                start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]
            return metrics(environ, start_response)
        return app

    def serve(self, host: str, port: int) -> WSGIServer:
        """Serve /health and /metrics in a thread of this process; the server, to shut down."""

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):  # scrapes every few seconds would drown the process's own log
                pass

        server = make_server(host, port, self.app(), handler_class=Quiet)
        threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
        return server
