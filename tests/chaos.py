"""Crash chaos: SIGKILL `casebot run` at random moments, then count what was lost, paid twice or left stuck.

    .venv/bin/python -m tests.chaos                                   # 2 000 applications, 10 kills, SQLite and PostgreSQL
    .venv/bin/python -m tests.chaos --applications 300 --kills 5 --backend sqlite
    .venv/bin/python -m tests.chaos --applications 3000 --workers 3 --backend postgres   # scale-out

One synthetic population is decided twice, in two worlds of its own (both stand-ins, a store, short
leases): once without kills, the reference, and once while `casebot run` processes are killed with
SIGKILL at random moments and started again, then run until nothing is open. With --workers N, N
`casebot worker` processes share the store instead, and a random one of them is killed (and started
again) at random moments while the others go on. The report compares them:

- lost: a filed application with no decision in the case system;
- duplicated: an application with more than one decision or payment, or a person paid twice a month;
- stuck: a work item still open in the store after the last run, or an application nobody took;
- differ: an application decided otherwise (outcome or amount) than in the reference;
- the case system's ledger (payments, kronor) beside the reference's.

tests/e2e/test_chaos.py runs it small in CI; docs/RELIABILITY.md holds the figures of the last full run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from sqlalchemy import func, select

from connectors.casesystem.standin import StandIn
from robots.store import AuditEvent, open_store
from robots.trail.verify import verify
from tests.worlds import World, world_in

FINISH_WITHIN = 600  # seconds of runs after the last kill before an open item counts as stuck


@dataclass
class Ledger:
    filed: int  # applications in the case system
    decisions: dict[str, tuple[str, int | None]]  # application id -> (outcome, amount) of its first decision
    extra_decisions: int  # decisions beyond one per application
    payments: int
    kronor: int
    paid_twice: int  # applications paid more than once, and person-months paid more than once


def ledger(world: World) -> Ledger:
    cases = StandIn(world.cases.url)
    decisions, extra, paid_twice, person_months, filed = {}, 0, 0, Counter(), 0
    for status in ("decided", "referred", "submitted", "claimed"):
        for summary in cases.applications(status):
            filed += 1
            record = cases.get(summary["application_id"])
            if not record["decisions"]:
                continue
            first = record["decisions"][0]
            decisions[summary["application_id"]] = (first["outcome"], first.get("amount"))
            extra += len(record["decisions"]) - 1
            paid_twice += len(record["payments"]) > 1
            if record["payments"]:
                for m in record["application"]["household"]["members"]:
                    person_months[(m["personnummer"].replace("-", ""), record["application"]["period"])] += 1
    totals = cases.payments()
    return Ledger(filed, decisions, extra, totals["count"], totals["total"], paid_twice + sum(n > 1 for n in person_months.values()))


def _audit_events(world: World) -> int:
    store = open_store(world.database_url)
    try:
        with store.sessions() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent))
    finally:
        store.engine.dispose()


def _run(world: World, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "robots", "run"], env=world.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, **kwargs)


def waiting(world: World) -> int:
    """Work items open in the store, and applications the case system holds that no robot has taken yet."""
    return world.open_items() + sum(1 for _ in StandIn(world.cases.url).applications("submitted"))


def run_until_done(world: World, within: float = FINISH_WITHIN) -> None:
    """`casebot run` until nothing waits (or the time is up: what is left is stuck)."""
    deadline = time.monotonic() + within
    while waiting(world) and time.monotonic() < deadline:
        finished = subprocess.run([sys.executable, "-m", "robots", "run"], env=world.env, capture_output=True, text=True, timeout=within)
        if finished.returncode != 0:
            raise RuntimeError(f"casebot run failed:\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}")
        time.sleep(1)  # leases of killed runs lapse after 3 s in these worlds


def _steps(world: World) -> int:
    """How far the world's runs have come: audit events, and the steps the screens adapter has journalled (a
    run on the screens takes and writes applications for many seconds between two audit events)."""
    journals = sum(len(f.read_bytes().splitlines()) for f in world.log_dir.glob("runs/*/screens.log"))
    return _audit_events(world) + journals


def kill_runs(world: World, kills: int, rng: random.Random, max_wait: float) -> int:
    """Start `casebot run` again and again and SIGKILL each once it is at work, at a random moment; returns
    how many were killed (a run that finishes first is not)."""
    killed = attempts = 0
    while killed < kills and attempts < kills * 3:
        attempts += 1
        before = _steps(world)
        worker = _run(world)
        deadline = time.monotonic() + 60
        while _steps(world) <= before and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, max_wait))
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            killed += 1
        worker.wait()
    return killed


def kill_workers(world: World, workers: int, kills: int, rng: random.Random, max_wait: float) -> int:
    """N `casebot worker` processes side by side; SIGKILL a random one at random moments while work waits,
    start it again; when nothing waits, stop them all. Returns how many were killed."""
    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "robots", "worker"], env=world.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    processes = [start() for _ in range(workers)]
    killed = 0
    try:
        while killed < kills and waiting(world):
            time.sleep(rng.uniform(0.5, max_wait))
            i = rng.randrange(workers)
            if processes[i].poll() is None:
                os.killpg(processes[i].pid, signal.SIGKILL)
                killed += 1
            processes[i].wait()
            processes[i] = start()
        deadline = time.monotonic() + FINISH_WITHIN
        while waiting(world) and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return killed


@dataclass
class Report:
    backend: str
    applications: int
    kills: int
    lost: int
    duplicated: int
    stuck: int
    differ: int
    audit_chain_holds: bool
    payments: int
    kronor: int
    reference_payments: int
    reference_kronor: int
    seconds: float

    def holds(self) -> bool:
        return self.lost == self.duplicated == self.stuck == self.differ == 0 and self.audit_chain_holds and (
            self.payments, self.kronor) == (self.reference_payments, self.reference_kronor)

    def lines(self) -> str:
        return (f"{self.backend}: {self.applications} applications, {self.kills} kills: lost {self.lost}, duplicated "
                f"{self.duplicated}, stuck {self.stuck}, decided otherwise {self.differ}, audit chain "
                f"{'holds' if self.audit_chain_holds else 'BROKEN'}; ledger {self.payments} payments, "
                f"{self.kronor:,} kr (without kills {self.reference_payments}, {self.reference_kronor:,} kr); {self.seconds:.0f} s")


def chaos(folder: Path, backend: str, applications: int, kills: int, seed: int = 2023, latency_ms: int = 120, workers: int = 1,
          adapter: str = "api") -> Report:
    """The reference and the chaos run, each in a world of its own under `folder`. The reference always works
    the case system's API; the chaos run works it through `adapter` (api, or screens: its pages in a browser,
    which a SIGKILL of the run's process group kills too)."""
    started = time.monotonic()
    rng = random.Random(seed)
    with world_in(folder / "reference", backend) as world:
        world.seed(applications, seed=seed)
        run_until_done(world)
        reference = ledger(world)
    with world_in(folder / "chaos", backend, adapter=adapter) as world:
        world.seed(applications, seed=seed)
        # a gateway slow enough that a run lasts long enough to be killed in the middle
        requests.put(world.gateway.url + "/admin/faults", json={"latency_ms": latency_ms, "jitter_ms": latency_ms // 3},
                     timeout=5).raise_for_status()
        if workers > 1:
            killed = kill_workers(world, workers, kills, rng, max_wait=2.5)
        else:
            # on the screens a step takes about a second: kills up to 6 s after the first land in every stage
            killed = kill_runs(world, kills, rng, max_wait=2.0 if adapter == "api" else 6.0)
        run_until_done(world)
        stuck = waiting(world)
        after = ledger(world)
        store = open_store(world.database_url)
        chain = verify(store).holds  # chains, bodies and anchors (a killed run's events are anchored by the next)
        store.engine.dispose()
    differ = sum(1 for a, d in reference.decisions.items() if after.decisions.get(a, d) != d)
    assert reference.filed == after.filed == applications, "both worlds hold the whole population"
    name = backend if workers == 1 else f"{backend}, {workers} workers"
    return Report(name if adapter == "api" else f"{name}, on the screens", applications, killed, lost=after.filed - len(after.decisions),
                  duplicated=after.extra_decisions + after.paid_twice, stuck=stuck, differ=differ, audit_chain_holds=chain,
                  payments=after.payments, kronor=after.kronor, reference_payments=reference.payments,
                  reference_kronor=reference.kronor, seconds=time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--workers", type=int, default=1, help="casebot worker processes side by side (default: casebot run, one at a time)")
    parser.add_argument("--adapter", choices=["api", "screens"], default="api", help="how the killed workers work the case system")
    parser.add_argument("--save", type=Path, help="write the reports as JSON")
    args = parser.parse_args()
    print(f"crash chaos on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})", flush=True)
    reports = []
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        with tempfile.TemporaryDirectory(prefix="casebot-chaos-") as folder:
            report = chaos(Path(folder), backend, args.applications, args.kills, args.seed, workers=args.workers, adapter=args.adapter)
        reports.append(report)
        print(report.lines(), flush=True)
    if args.save:
        args.save.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    ok = all(r.holds() and r.kills >= args.kills for r in reports)
    print("holds: nothing lost, nothing paid twice, nothing stuck" if ok else "DOES NOT HOLD")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
