"""`casebot demo`: the whole product on one machine, on synthetic data.

Starts both stand-ins as child processes, seeds them, runs the Robot Framework tasks pass after pass
until every application is decided and written back or with a caseworker, prints what was decided and
why, and stops everything it started.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from collections import Counter
from pathlib import Path

import click
from sqlalchemy import select

from connectors.casesystem.standin import StandIn
from connectors.serving import StubProcess
from connectors.ssbtek.client import GatewayClient
from robots.bots.sla_watch import OPEN
from robots.config import load_seed_mix
from robots.contract import EXAMPLES
from robots.explain import explain
from robots.folders import data_dir
from robots.rules.reasons import kr
from robots.seed import seed_stubs
from robots.store import WorkItem, open_store
from robots.synthetic import population

MAX_PASSES = 50


def _open_items(store) -> int:
    with store.sessions() as session:
        return len(session.scalars(select(WorkItem.id).where(OPEN)).all())


DEMO_SIGN_IN = {"CASEBOT_CASESYSTEM_USER": "casebot", "CASEBOT_CASESYSTEM_PASSWORD": "casebot-demo"}  # synthetic stand-in only


def run_demo(count: int, seed: int, period: str, adapter: str = "api") -> None:
    from robots.config import load_parameters
    from robots.decide import decide
    from robots.runner import run_tasks

    folder = data_dir() / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    example = EXAMPLES / "repeat-single-parent"
    click.echo("The worked example (a single parent with two children), decided by the rules:")
    click.echo(explain(decide(json.loads(example.with_suffix(".application.json").read_text(encoding="utf-8")),
                              json.loads(example.with_suffix(".registry.json").read_text(encoding="utf-8")),
                              load_parameters())) + "\n")

    click.echo(f"Starting the stand-ins for the register gateway and the case system (data in {folder}) …")
    if adapter == "screens":  # the robot signs in to the stand-in's pages: an account both know, unless one is set
        for name, value in DEMO_SIGN_IN.items():
            os.environ.setdefault(name, value)
        os.environ["CASEBOT_CASESYSTEM_ADAPTER"] = "screens"
        click.echo("The robot works the case system's screens in a headless chromium (logs/runs/<run id>/screens.log).")
    with StubProcess("ssbtek", folder / "ssbtek.sqlite3") as gateway_stub, StubProcess("casesystem", folder / "casesystem.sqlite3") as cases_stub:
        os.environ.update(CASEBOT_SSBTEK_URL=gateway_stub.url, CASEBOT_CASESYSTEM_URL=cases_stub.url,
                          CASEBOT_DATABASE_URL=f"sqlite:///{folder / 'casebot.sqlite3'}")
        cases = population(count, seed, period, load_seed_mix())
        with GatewayClient(gateway_stub.url) as gateway, click.progressbar(
            length=count, label=f"Seeding {count} synthetic applications", file=click.get_text_stream("stderr")
        ) as bar:
            seed_stubs(cases, seed, StandIn(cases_stub.url), gateway, progress=bar.update)

        store = open_store()
        started, runs = time.perf_counter(), []
        with click.progressbar(length=count, label="Robot runs deciding", file=click.get_text_stream("stderr")) as bar:
            done = 0
            for _ in range(MAX_PASSES):
                run_id, rc, outdir = run_tasks(console="none")
                runs.append((run_id, rc, outdir))
                with store.sessions() as session:
                    items = session.scalar(select(WorkItem.id).order_by(WorkItem.id.desc()).limit(1)) or 0
                still_open = _open_items(store)
                now_done = max(0, min(count, items) - still_open)
                bar.update(now_done - done)
                done = now_done
                if done >= count and still_open == 0:
                    break
        elapsed = time.perf_counter() - started
        summarize(store, count, elapsed, runs)
        add_demo_users(store)
        store.engine.dispose()
    click.echo("Both stand-ins are stopped; nothing is left running.")


def summarize(store, count: int, elapsed: float, runs: list) -> None:
    with store.sessions() as session:
        items = list(session.scalars(select(WorkItem).order_by(WorkItem.id)))
    granted = [i for i in items if i.outcome == "granted" and i.written_at]
    referred = [i for i in items if i.outcome == "referred" and i.written_at]
    failed = [i for i in items if i.state == "FAILED"]
    reasons = Counter(code for i in referred for code in {r["code"] for r in i.decision["reasons"]})
    waits = sorted((i.written_at - i.received_at).total_seconds() for i in granted + referred)
    click.echo(f"\n{len(items)} applications taken from the case system in {len(runs)} runs, {elapsed:.1f} s of robot time "
               f"({len(granted + referred) / elapsed:.1f} decisions a second):")
    click.echo(f"  granted and paid            {len(granted):6d}   total {kr(sum(i.amount for i in granted))}"
               f", of which {sum(1 for i in granted if i.sampled)} on the stickprov follow-up list")
    click.echo(f"  referred to a caseworker    {len(referred):6d}   by reason (an application can carry several):")
    for code, n in reasons.most_common():
        click.echo(f"      {code:28s} {n:6d}")
    if failed:
        click.echo(f"  FAILED (a person must look) {len(failed):6d}")
    not_done = count - len(granted) - len(referred) - len(failed)
    if not_done:
        click.echo(f"  still open                  {not_done:6d}   (run `casebot run` again, or see `casebot status`)")
    if waits:
        p95 = waits[min(len(waits) - 1, int(len(waits) * 0.95))]
        click.echo(f"  time from receipt to written decision: median {statistics.median(waits):.1f} s, p95 {p95:.1f} s")
    click.echo("\nOne of each, explained:")
    shown = set()
    for i in granted[:1] + referred:
        kind = i.outcome if i.outcome == "granted" else i.decision["reasons"][0]["code"]
        if kind not in shown and len(shown) < 4:
            shown.add(kind)
            click.echo(explain(i.decision))
    last = runs[-1][2] if runs else None
    click.echo(f"\nRun logs (Robot Framework): {Path(last).parent if last else 'none'}/<run id>/log.html — the last one: {last}/log.html")
    click.echo(f"The worker's store with the audit trail: {store.engine.url.database}")
    click.echo(f"Check it, read a case, re-run the month: CASEBOT_DATABASE_URL=sqlite:///{store.engine.url.database} "
               f"casebot audit verify | show APPLICATION_ID | replay --period {items[0].period if items else 'YYYY-MM'} (docs/AUDIT.md)")


DEMO_USERS = (("handlaggare", "caseworker"), ("drift", "operator"), ("revisor", "auditor"))
DEMO_PASSWORD = "casebot-demo"  # the demo's store only, on synthetic data; real users get their own (`casebot users add`)


def add_demo_users(store) -> None:
    from robots.console.auth import add_user

    for name, role in DEMO_USERS:
        add_user(store, name, role, DEMO_PASSWORD, by="casebot demo")
    click.echo("\nThe console for the referred applications: `casebot console --demo` (python3 scripts/dev.py casebot console --demo),"
               "\nthen open http://127.0.0.1:8700/ and sign in as " + ", ".join(f"{n} ({r})" for n, r in DEMO_USERS)
               + f", password {DEMO_PASSWORD}.")
