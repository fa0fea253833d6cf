#!/usr/bin/env python3
"""The whole streamed pass (intake to written) with one worker process and with several, against the
gateway-bound limit: scale-out must not be slower than one worker.

    python benchmarks/workers.py                                   # PostgreSQL, 1 and 2 workers, 2 000 applications, 50 ms, cap 16
    python benchmarks/workers.py --latency-ms 200 --cap 32
    python benchmarks/workers.py --backend sqlite --workers 1 -n 500
    python benchmarks/workers.py --save w.json / --baseline w.json

Each configuration gets a world of its own (both stand-ins, a fresh store: on PostgreSQL a schema of its
own in --postgres, dropped afterwards). The worker processes run one pass each (`Worker.run_pass`, what
`casebot worker` runs) at the same moment, and share the gateway's cap: each may have cap / workers
queries in flight. Time is from the first pass's start to the last one's end, as the processes report
them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import _worker, world  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from robots.store import WorkItem, open_store  # noqa: E402
from robots.workflow import OPEN  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def store_url(backend: str, folder: Path, postgres: str):
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'casebot.sqlite3'}"
        return
    schema = f"casebot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{postgres}?options=-csearch_path%3D{schema}"
        open_store(url).engine.dispose()  # the schema, before the workers race to make it
        yield url
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def one_pass(cap: int) -> None:
    """Child process: one pass on the world in the environment; prints its start and end (epoch seconds)."""
    worker = _worker(cap)
    started = time.time()
    worker.run_pass()
    print(json.dumps({"started": started, "finished": time.time()}))
    worker.close()


def measure(backend: str, workers: int, n: int, latency: int, cap: int, postgres: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        gateway, cases, persons = world(folder, n, 1, latency, cap)
        try:
            with store_url(backend, folder, postgres) as url:
                env = os.environ | {"CASEBOT_DATABASE_URL": url}
                children = [subprocess.Popen([sys.executable, __file__, "--one-pass", "--cap", str(max(1, cap // workers))],
                                             env=env, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
                reports = []
                for child in children:
                    out, _ = child.communicate(timeout=3600)
                    if child.returncode:
                        raise SystemExit(f"a worker process failed (exit {child.returncode})")
                    reports.append(json.loads(out.strip().splitlines()[-1]))
                store = open_store(url)
                with store.sessions() as session:
                    left = session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.state.in_(OPEN)))
                store.engine.dispose()
        finally:
            gateway.stop()
            cases.stop()
    seconds = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    return {"backend": backend, "workers": workers, "applications": n, "persons": persons, "seconds": seconds, "left_open": left}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="applications (default 2000)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--cap", type=int, default=16, help="the gateway's concurrency cap, shared by the workers")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes to compare (default 1 2)")
    parser.add_argument("--postgres", default=os.environ.get("CASEBOT_BENCH_POSTGRES_URL", POSTGRES))
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--one-pass", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_pass:
        return one_pass(args.cap)
    limit = args.cap / (args.latency_ms / 1000)
    base = json.loads(args.baseline.read_text()) if args.baseline else None
    figures = {}
    print(f"streamed pass, {args.backend}: gateway latency {args.latency_ms} ms, cap {args.cap} in flight "
          f"-> gateway-bound limit {limit:.0f} persons/s")
    print(f"{'workers':>8s}{'apps':>7s}{'persons':>9s}{'seconds':>9s}{'persons/s':>11s}{'of limit':>10s}{'left open':>11s}" + ("   baseline" if base else ""))
    for k in args.workers:
        print(f"seeding {args.n} applications and running {k} worker(s) …", file=sys.stderr)
        r = measure(args.backend, k, args.n, args.latency_ms, args.cap, args.postgres)
        rate = r["persons"] / r["seconds"]
        figures[f"{args.backend}_{k}_persons_per_s"] = rate
        line = f"{k:8d}{r['applications']:7d}{r['persons']:9d}{r['seconds']:9.1f}{rate:11.1f}{rate / limit:10.2f}{r['left_open']:11d}"
        if base and f"{args.backend}_{k}_persons_per_s" in base:
            line += f"   {base[f'{args.backend}_{k}_persons_per_s']:8.1f} ({rate / base[f'{args.backend}_{k}_persons_per_s']:.2f}x)"
        print(line)
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
        print(f"figures saved to {args.save}")


if __name__ == "__main__":
    main()
