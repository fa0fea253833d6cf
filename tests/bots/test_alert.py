"""Alerts reach a real SMTP server (aiosmtpd, on a free local port) and a local webhook, once: a missed
deadline sends exactly one alert across three passes; an alert that could not be delivered is sent at
the next pass."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from sqlalchemy import select

from connectors.serving import free_port
from robots.bots.alert import alert
from robots.bots.fetch import fetch
from robots.bots.intake import intake
from robots.store.models import Alert


class Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox.messages
    controller.stop()


@pytest.fixture
def webhook():
    posts, status = [], [200]

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", posts, status
    server.shutdown()


def alerting(bench, smtp_port=None, webhook_url=""):
    settings = bench.ctx.settings
    bench.ctx.settings = settings.model_copy(update={"alerts": settings.alerts.model_copy(update={
        "smtp_host": "127.0.0.1" if smtp_port else "", "smtp_port": smtp_port or 25, "email_to": ["drift@example.se"],
        "webhook_url": webhook_url})})


def test_a_missed_deadline_is_told_once_across_three_passes(bench, smtp, webhook):
    port, mails = smtp
    url, posts, _ = webhook
    alerting(bench, port, url)
    application = bench.file("A-1")
    bench.gateway.failing.add(application["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)  # WAITING for a register that does not answer
    assert alert(bench.ctx) == {"sent": 0, "undelivered": 0}  # nothing late yet
    bench.advance(days=3)  # past the end of the next working day
    results = [alert(bench.ctx) for _ in range(3)]
    assert results == [{"sent": 1, "undelivered": 0}, {"sent": 0, "undelivered": 0}, {"sent": 0, "undelivered": 0}]
    assert len(mails) == 1 and len(posts) == 1
    assert "A-1 (2023-11) missed its deadline" in mails[0].get_payload() and mails[0]["To"] == "drift@example.se"
    assert "A-1 (2023-11) missed its deadline" in posts[0]["text"]


def test_an_undelivered_alert_is_sent_at_the_next_pass(bench, webhook):
    url, posts, status = webhook
    alerting(bench, webhook_url=url)
    bench.file("A-1")
    bench.cases.claims_down = True
    for _ in range(2):  # [retry] attempts = 2 on the bench: the claim gives up, FAILED
        intake(bench.ctx)
        bench.advance(seconds=61)
    status[0] = 503
    assert alert(bench.ctx) == {"sent": 0, "undelivered": 1}
    with bench.ctx.store.sessions() as session:
        [kept] = session.scalars(select(Alert)).all()
    assert kept.key.startswith("failed:") and kept.sent_at is None and "503" in kept.error
    status[0] = 200
    assert alert(bench.ctx) == {"sent": 1, "undelivered": 0}
    assert len(posts) == 2 and "FAILED" in posts[1]["text"] and "fake outage" in posts[1]["text"]


def test_alerts_wait_unsent_until_a_channel_is_configured_and_a_webhooks_secret_stays_out_of_errors(bench, webhook):
    url, posts, status = webhook
    bench.file("A-1")
    bench.cases.claims_down = True
    for _ in range(2):
        intake(bench.ctx)
        bench.advance(seconds=61)
    assert alert(bench.ctx) == {"sent": 0, "undelivered": 0}  # nowhere to send: kept
    alerting(bench, webhook_url=url + "/T000/B000/very-secret-token")
    status[0] = 500
    assert alert(bench.ctx) == {"sent": 0, "undelivered": 1}
    with bench.ctx.store.sessions() as session:
        [kept] = session.scalars(select(Alert)).all()
    assert kept.error == f"webhook at {url.split('/')[2]}: HTTP 500" and "secret" not in kept.error


def test_failed_runs_and_a_missing_norm_table_are_told(bench, webhook):
    from datetime import UTC, datetime, timedelta

    from robots.store import Run

    url, posts, _ = webhook
    alerting(bench, webhook_url=url)
    with bench.ctx.store.unit_of_work() as session:
        for n in range(3):
            session.add(Run(id=f"run-{n}", outcome="failed", sample_seed=0, error="the case system did not answer",
                            started_at=bench.clock[0] + timedelta(minutes=n), finished_at=bench.clock[0] + timedelta(minutes=n)))
    last = max(t.valid_to.year for t in bench.ctx.params.norms)
    bench.clock[0] = datetime(last, 12, 2, 9, 0, tzinfo=UTC)  # December of the last year config/norms covers
    assert alert(bench.ctx)["sent"] == 3  # the streak's first failure, the streak, the norm table
    text = posts[0]["text"]
    assert "run run-0 failed: the case system did not answer" in text and "3 runs in a row failed since run-0 (the latest run-2)" in text
    assert f"no norm table covers {last + 1}-01" in text and f"config/norms/{last + 1}.toml" in text
    with bench.ctx.store.unit_of_work() as session:  # the failure lasts: a fourth run fails too
        session.add(Run(id="run-3", outcome="failed", sample_seed=0, error="still down",
                        started_at=bench.clock[0], finished_at=bench.clock[0]))
    assert alert(bench.ctx)["sent"] == 0 and len(posts) == 1  # told once for the streak, not once a run


def test_the_sla_watch_logs_a_late_item_once_and_counts_it_every_pass(bench, caplog):
    from robots.bots.sla_watch import sla_watch

    application = bench.file("A-1")
    bench.gateway.failing.add(application["household"]["members"][0]["personnummer"])
    bench.through(intake, fetch)
    bench.advance(days=3)
    with caplog.at_level("ERROR", logger="casebot.bots"):
        counts = [sla_watch(bench.ctx), alert(bench.ctx), sla_watch(bench.ctx), sla_watch(bench.ctx)]
    assert [c.get("overdue") for c in counts] == [1, None, 1, 1]
    assert [r.getMessage() for r in caplog.records].count(next(r.getMessage() for r in caplog.records if "SLA BREACHED" in r.getMessage())) == 1
