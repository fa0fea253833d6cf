#!/usr/bin/env python3
"""A whole month at scale: does the time per 10 000 applications, and each worker's memory, stay flat as
the store fills up? A documented command, not part of CI (100 000 applications take the better part of
an hour on a 2-core machine, seeding included).

    python benchmarks/scale.py --applications 100000               # PostgreSQL, 2 `casebot worker` processes
    python benchmarks/scale.py --applications 20000 --workers 1    # quicker

Both stand-ins are started and seeded with the synthetic month first (not timed). Then --workers
`casebot worker` processes (the real command) share a fresh PostgreSQL schema in --postgres. Every
10 000 applications closed (written back, or with a caseworker, or failed for a person) a line gives the
seconds those 10 000 took, and each worker process's peak RSS so far (VmHWM). The run fails when an
application is left open or a worker's peak passes --max-rss-mb.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, select  # noqa: E402
from workers import POSTGRES, store_url  # noqa: E402

from connectors.casesystem.standin import StandIn  # noqa: E402
from connectors.serving import StubProcess  # noqa: E402
from connectors.ssbtek.client import GatewayClient  # noqa: E402
from robots.config import load_seed_mix  # noqa: E402
from robots.rules.periods import previous_month  # noqa: E402
from robots.store import WorkItem, open_store  # noqa: E402
from robots.synthetic import population  # noqa: E402
from robots.workflow import OPEN, State  # noqa: E402

STEP = 10_000


def seed(gateway_url: str, cases_url: str, n: int, seed_value: int = 1) -> None:
    """The synthetic month into both stand-ins, submissions eight at a time (as many citizens would)."""
    started = time.monotonic()
    apps = population(n, seed_value, "2023-11", load_seed_mix())
    with GatewayClient(gateway_url) as gateway:
        gateway.store_population([a for c in apps for a in c.answers])
    standin = StandIn(cases_url)

    def file(i: int) -> None:
        case = apps[i]
        applicant = next(m["personnummer"] for m in case.application["household"]["members"] if m["role"] == "applicant")
        if case.history is not None:
            standin.set_household_history(applicant, case.history | {"last_period": previous_month(case.application["period"])})
        standin.submit(case.application, idempotency_key=f"scale-{seed_value}-{i}")

    with ThreadPoolExecutor(8) as pool:
        for done, _ in enumerate(pool.map(file, range(n)), 1):
            if done % STEP == 0 or done == n:
                print(f"  seeded {done:,} of {n:,} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=20, help="the gateway's answer time (default 20)")
    parser.add_argument("--postgres", default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", POSTGRES))
    parser.add_argument("--max-rss-mb", type=float, default=500)
    parser.add_argument("--every", type=int, default=STEP, help="a line every this many applications closed (default 10 000)")
    args = parser.parse_args()
    n, step = args.applications, args.every
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cap = 16 * args.workers
        with StubProcess("ssbtek", folder / "ssbtek.sqlite3", "--latency-ms", str(args.latency_ms), "--max-concurrency", str(cap)) as gateway, \
                StubProcess("casesystem", folder / "casesystem.sqlite3") as cases, store_url("postgres", folder, args.postgres) as url:
            print(f"seeding {n:,} applications …", file=sys.stderr)
            seed(gateway.url, cases.url, n)
            env = os.environ | {"CASEBOT_DATABASE_URL": url, "CASEBOT_SSBTEK_URL": gateway.url, "CASEBOT_CASESYSTEM_URL": cases.url,
                                "CASEBOT_LOG_DIR": str(folder / "logs")}
            workers = [subprocess.Popen([sys.executable, "-m", "robots", "worker"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=open(folder / f"worker-{k}.log", "w")) for k in range(args.workers)]
            store = open_store(url)
            print(f"\n{args.workers} worker(s) on PostgreSQL, gateway {args.latency_ms} ms / {cap} in flight")
            print(f"{'closed':>9s}{'seconds':>9s}{'apps/s':>8s}   peak RSS per worker (MB)")
            started = last = time.monotonic()
            mark, worst = step, 0.0
            try:
                while True:
                    time.sleep(1)
                    with store.sessions() as session:
                        total = session.scalar(select(func.count()).select_from(WorkItem))
                        open_ = session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state.in_(OPEN)))
                    closed = total - open_
                    peaks = [peak_rss_mb(w.pid) for w in workers]
                    worst = max(worst, *peaks)
                    while closed >= mark or (closed == n and mark - step < n):
                        now = time.monotonic()
                        print(f"{min(mark, n):9,d}{now - last:9.1f}{min(step, n - mark + step) / (now - last):8.1f}   "
                              + "  ".join(f"{p:.0f}" for p in peaks), flush=True)
                        last, mark = now, mark + step
                    if closed == n:
                        break
                    if any(w.poll() is not None for w in workers):
                        print("a worker process exited; see its log", file=sys.stderr)
                        return 1
            finally:
                for w in workers:
                    w.send_signal(signal.SIGTERM)
                for w in workers:
                    w.wait(timeout=120)
                with store.sessions() as session:
                    states = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
                store.engine.dispose()
            seconds = time.monotonic() - started
    print(f"\n{n:,} applications in {seconds:.0f} s ({n / seconds:.1f}/s); by state: {states}; highest peak RSS {worst:.0f} MB "
          f"(limit {args.max_rss_mb:.0f} MB)")
    left = sum(v for k, v in states.items() if State(k) in OPEN)
    return 1 if left or worst > args.max_rss_mb else 0


if __name__ == "__main__":
    sys.exit(main())
