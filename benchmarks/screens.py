#!/usr/bin/env python3
"""The case system through its screens (rpaframework, one headless chromium) beside its API, on the same
applications in the same run: seconds per case, and cases per hour per browser session.

    python benchmarks/screens.py                         # 100 applications, seed 2023
    python benchmarks/screens.py -n 300 --save s.json    # keep the figures
    python benchmarks/screens.py --baseline s.json       # and compare with kept ones, side by side

Each adapter gets a world of its own (both stand-ins, a fresh SQLite store) seeded alike, and one pass
(`Worker.run_pass`, what `casebot worker` runs) decides every application. The gateway answers at once, so
that the case system's side is what is measured. Seconds per case are the pass's wall time over the
applications, the browser's start and sign-in included; the claim and decision steps are the screens
adapter's own (its screens.log). Trelleborg's robot takes 5–30 s a case through its case system's
screens; the target here is at most 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.casesystem.screens import journal as steps_of  # noqa: E402
from connectors.casesystem.standin import StandIn  # noqa: E402
from connectors.serving import StubProcess  # noqa: E402
from connectors.ssbtek.client import GatewayClient  # noqa: E402
from robots.bootstrap import build_worker  # noqa: E402
from robots.config import load_seed_mix, load_settings, with_urls  # noqa: E402
from robots.seed import seed_stubs  # noqa: E402
from robots.synthetic import population  # noqa: E402

SIGN_IN = {"CASEBOT_CASESYSTEM_USER": "casebot", "CASEBOT_CASESYSTEM_PASSWORD": "benchmark-only"}
TARGET_SECONDS = 2.0


def one(folder: Path, adapter: str, n: int, seed: int) -> dict:
    env = os.environ | SIGN_IN
    with StubProcess("ssbtek", folder / "ssbtek.sqlite3") as gateway, \
            StubProcess("casesystem", folder / "casesystem.sqlite3", env=env) as cases:
        with GatewayClient(gateway.url) as client:
            seed_stubs(population(n, seed, "2023-11", load_seed_mix()), seed, StandIn(cases.url), client)
        settings = with_urls(load_settings(), casesystem=cases.url, ssbtek=gateway.url, database=f"sqlite:///{folder / 'casebot.sqlite3'}")
        settings = settings.model_copy(update={"casesystem": settings.casesystem.model_copy(update={"adapter": adapter})})
        os.environ.update(SIGN_IN)
        worker = build_worker(settings)
        started = time.perf_counter()
        counts = worker.run_pass(log_dir=folder / "run")
        seconds = time.perf_counter() - started
        worker.close()
        paid = StandIn(cases.url).payments()
    decided = counts["write_back"].get("written", 0) + counts["write_back"].get("referred", 0)
    figures = {"adapter": adapter, "cases": decided, "seconds": round(seconds, 2), "per_case": round(seconds / max(decided, 1), 3),
               "cases_per_hour": round(3600 * decided / seconds), "payments": paid["count"], "kronor": paid["total"]}
    journal = folder / "run" / "screens.log"
    if journal.exists():
        steps: dict[str, list[float]] = {"claim": [], "decision": []}
        for _, _, step, result, took, _ in steps_of(journal):
            if result == "ok" and step.split()[0] in steps:
                steps[step.split()[0]].append(float(took.removesuffix(" ms")) / 1000)
        for step, took in steps.items():
            figures[f"{step}_p50"] = round(statistics.median(took), 3) if took else None
            figures[f"{step}_p95"] = round(statistics.quantiles(took, n=20)[-1], 3) if len(took) >= 20 else None
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--applications", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    print(f"case system: screens beside API, {args.applications} applications, on {platform.node()} "
          f"({os.cpu_count()} cores, Python {platform.python_version()})", flush=True)
    results = []
    for adapter in ("api", "screens"):
        with tempfile.TemporaryDirectory(prefix=f"casebot-screens-{adapter}-") as folder:
            results.append(one(Path(folder), adapter, args.applications, args.seed))
    base = {r["adapter"]: r for r in json.loads(args.baseline.read_text())} if args.baseline else {}
    print(f"{'adapter':9s}{'cases':>7s}{'seconds':>9s}{'s/case':>8s}{'cases/h per session':>21s}{'claim p50':>11s}{'decision p50':>14s}"
          + ("   baseline s/case (now/then)" if base else ""))
    for r in results:
        then = base.get(r["adapter"])
        print(f"{r['adapter']:9s}{r['cases']:7d}{r['seconds']:9.1f}{r['per_case']:8.3f}{r['cases_per_hour']:21,d}"
              f"{_s(r.get('claim_p50')):>11s}{_s(r.get('decision_p50')):>14s}"
              + (f"   {then['per_case']:.3f} ({r['per_case'] / then['per_case']:.2f}×)" if then else ""))
    api, screens = results
    same = (api["payments"], api["kronor"]) == (screens["payments"], screens["kronor"])
    print(f"screens / api: {screens['per_case'] / api['per_case']:.0f}× the time a case; the same ledger: "
          f"{'yes' if same else 'NO'} ({screens['payments']} payments, {screens['kronor']:,} kr)")
    print(f"target ≤ {TARGET_SECONDS:g} s a case through the screens (Trelleborg: 5–30 s): "
          f"{'met' if screens['per_case'] <= TARGET_SECONDS else 'NOT met'} at {screens['per_case']:.2f} s")
    if args.save:
        args.save.write_text(json.dumps(results, indent=2))
        print(f"figures saved to {args.save}")
    return 0 if same else 1


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
