#!/usr/bin/env python3
"""How close the worker gets to the register gateway's limit, and how it compares with doing the same
work one application at a time in a Robot Framework FOR loop.

    python benchmarks/pipeline.py                         # 2 000 applications, 50 ms, cap 16
    python benchmarks/pipeline.py -n 500 --loop-n 50      # quicker
    python benchmarks/pipeline.py --save base.json / --baseline base.json

The gateway stub answers each query after --latency-ms and refuses (429) beyond --cap queries in flight,
so no client can do better than cap / latency persons a second: the gateway-bound limit. Rows: the
gateway client alone (every member queried, nothing stored: what the connector itself reaches); the
fetch step (the same queries while each household's answers are stored as they complete); the whole
pass (intake, fetch, decide, write back). The loop runs the same steps for one application at a time (benchmarks/
one_at_a_time.robot) on a smaller set of the same kind; rates are compared, not totals.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
import robot  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from connectors.casesystem.standin import StandIn  # noqa: E402
from connectors.serving import StubProcess  # noqa: E402
from connectors.ssbtek.client import GatewayClient  # noqa: E402
from robots.bootstrap import build_worker  # noqa: E402
from robots.config import load_seed_mix, load_settings, with_urls  # noqa: E402
from robots.pipeline import STEPS, Worker  # noqa: E402
from robots.seed import seed_stubs  # noqa: E402
from robots.store import RegisterAnswer  # noqa: E402
from robots.synthetic import population  # noqa: E402

HERE = Path(__file__).resolve().parent


def world(folder: Path, n: int, seed: int, latency: int, cap: int):
    gateway = StubProcess("ssbtek", folder / "ssbtek.sqlite3", "--latency-ms", str(latency), "--max-concurrency", str(cap)).start()
    cases = StubProcess("casesystem", folder / "casesystem.sqlite3").start()
    apps = population(n, seed, "2023-11", load_seed_mix())
    with GatewayClient(gateway.url) as client:
        seed_stubs(apps, seed, StandIn(cases.url), client)
    persons = sum(len(a.application["household"]["members"]) for a in apps)
    os.environ.update(CASEBOT_SSBTEK_URL=gateway.url, CASEBOT_CASESYSTEM_URL=cases.url, CASEBOT_DATABASE_URL=f"sqlite:///{folder / 'casebot.sqlite3'}")
    return gateway, cases, persons


def _worker(cap: int, batch_size: int | None = None):
    """A worker on this world's store (CASEBOT_DATABASE_URL, set by world()), as many queries in flight as the gateway allows."""
    settings = load_settings()
    worker_settings = settings.worker.model_copy(update={"batch_size": batch_size}) if batch_size else settings.worker
    return build_worker(with_urls(settings, database=os.environ["CASEBOT_DATABASE_URL"]).model_copy(update={
        "worker": worker_settings, "ssbtek": settings.ssbtek.model_copy(update={"max_concurrency": cap}),
    }))


def _streamed(folder: Path, n: int, latency: int, cap: int) -> float:
    """Seconds of one streamed pass (robots.pipeline.streamed: the steps overlap) over the same population."""
    from robots.pipeline import streamed

    gateway, cases, _ = world(folder, n, 1, latency, cap)
    try:
        worker = _worker(cap)
        ctx = worker.start_run()
        started = time.perf_counter()
        streamed(ctx)
        total = time.perf_counter() - started
        worker.finish_run(ctx, {}, "ok")
        worker.close()
        return total
    finally:
        gateway.stop()
        cases.stop()


def batch(folder: Path, n: int, latency: int, cap: int) -> dict:
    gateway, cases, persons = world(folder, n, 1, latency, cap)
    try:
        worker = _worker(cap, batch_size=n)
        client_alone = _client_alone(worker, gateway.url, cap)
        ctx = worker.start_run()
        seconds = {}
        started = time.perf_counter()
        for name, step in STEPS:
            t = time.perf_counter()
            step(ctx)
            seconds[name] = time.perf_counter() - t
        total = time.perf_counter() - started
        worker.finish_run(ctx, {}, "ok")
        worker.close()
        streamed_s = _streamed(folder / "streamed", n, latency, cap)
        with worker.store.sessions() as session:  # invalid applications are not fetched: count who was asked
            asked = session.scalar(select(func.count()).select_from(RegisterAnswer))
        answer_ms = requests.get(gateway.url + "/admin/stats", timeout=10).json()["answer_ms"]
        return {"applications": n, "persons": asked, "fetch_s": seconds["fetch"], "pass_s": total, "steps_s": seconds, "streamed_s": streamed_s,
                "client_alone": client_alone, "answer_ms": answer_ms}
    finally:
        gateway.stop()
        cases.stop()


def _client_alone(worker: Worker, url: str, cap: int) -> tuple[int, float]:
    """(persons, seconds): the gateway client on its own, the same queries the fetch step makes, nothing stored."""
    from robots.bots.fetch import request_for
    from robots.contract.validate import application_problems

    applications = [worker.casesystem.get(s["application_id"])["application"] for s in worker.casesystem.applications("submitted")]
    requests = [request_for(a, worker.params) for a in applications if not application_problems(a)]
    with GatewayClient(url, max_concurrency=cap) as client:
        started = time.perf_counter()
        persons = sum(len(r.answers) for r in client.fetch(requests))
        return persons, time.perf_counter() - started


def loop(folder: Path, n: int, latency: int, cap: int) -> dict:
    gateway, cases, persons = world(folder, n, 2, latency, cap)
    try:
        started = time.perf_counter()
        rc = robot.run(str(HERE / "one_at_a_time.robot"), rpa=True, outputdir=str(folder / "robot"), pythonpath=[str(HERE)],
                       console="none", loglevel="INFO")
        total = time.perf_counter() - started
        if rc:
            raise SystemExit(f"the one-at-a-time loop failed; see {folder / 'robot' / 'log.html'}")
        return {"applications": n, "persons": persons, "pass_s": total}
    finally:
        gateway.stop()
        cases.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="applications for the batch run (default 2000)")
    parser.add_argument("--loop-n", type=int, default=100, help="applications for the one-at-a-time loop (default 100)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--cap", type=int, default=16, help="the gateway's concurrency cap, and the client's")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    limit = args.cap / (args.latency_ms / 1000)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"seeding and running {args.n} applications in a batch …", file=sys.stderr)
        b = batch(Path(tmp) / "batch", args.n, args.latency_ms, args.cap)
        print(f"seeding and running {args.loop_n} applications one at a time …", file=sys.stderr)
        one = loop(Path(tmp) / "loop", args.loop_n, args.latency_ms, args.cap)
    figures = {
        "limit_persons_per_s": limit,
        "batch_fetch_persons_per_s": b["persons"] / b["fetch_s"],
        "batch_pass_apps_per_s": b["applications"] / b["pass_s"],
        "batch_pass_persons_per_s": b["persons"] / b["pass_s"],
        "streamed_pass_persons_per_s": b["persons"] / b["streamed_s"],
        "loop_apps_per_s": one["applications"] / one["pass_s"],
        "loop_persons_per_s": one["persons"] / one["pass_s"],
    }
    base = json.loads(args.baseline.read_text()) if args.baseline else None
    print(f"\npipeline benchmark: gateway latency {args.latency_ms} ms, cap {args.cap} in flight "
          f"-> gateway-bound limit {limit:.0f} persons/s")
    print(f"{'':34s}{'apps':>6s}{'persons':>9s}{'seconds':>9s}{'persons/s':>11s}{'of limit':>10s}{'apps/s':>8s}" + ("   baseline" if base else ""))

    def row(label, apps, persons, seconds, key):
        line = f"{label:34s}{apps:6d}{persons:9d}{seconds:9.1f}{persons / seconds:11.1f}{persons / seconds / limit:10.2f}{apps / seconds:8.1f}"
        if base:
            line += f"   {base[key]:8.1f} ({figures[key] / base[key]:.2f}x)"
        print(line)

    persons_alone, seconds_alone = b["client_alone"]
    figures["client_alone_persons_per_s"] = persons_alone / seconds_alone
    row("gateway client alone (no store)", b["applications"], persons_alone, seconds_alone, "client_alone_persons_per_s")
    row("batch: fetch step", b["applications"], b["persons"], b["fetch_s"], "batch_fetch_persons_per_s")
    row("batch: whole pass, step by step", b["applications"], b["persons"], b["pass_s"], "batch_pass_persons_per_s")
    row("batch: whole pass, streamed", b["applications"], b["persons"], b["streamed_s"], "streamed_pass_persons_per_s")
    row("one at a time (Robot FOR loop)", one["applications"], one["persons"], one["pass_s"], "loop_persons_per_s")
    a = b["answer_ms"]
    print(f"the gateway's own answer time (arrival to last byte, {a['count']} queries): median {a['median']} ms, p95 {a['p95']} ms")
    print("steps of the batch pass: " + ", ".join(f"{k} {v:.1f} s" for k, v in b["steps_s"].items()))
    print(f"\nbatch vs one at a time: {figures['batch_pass_apps_per_s'] / figures['loop_apps_per_s']:.1f}x the applications per second "
          f"(target >= 10x); fetch at {figures['batch_fetch_persons_per_s'] / limit:.2f} of the gateway-bound limit (target >= 0.9); "
          f"the streamed pass at {figures['streamed_pass_persons_per_s'] / limit:.2f} (target >= 0.75)")
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
        print(f"figures saved to {args.save}")


if __name__ == "__main__":
    main()
