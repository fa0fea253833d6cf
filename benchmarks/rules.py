#!/usr/bin/env python3
"""How fast the decision engine is, on one core.

    python benchmarks/rules.py                       # 100 000 generated households
    python benchmarks/rules.py --save base.json      # keep the figures
    python benchmarks/rules.py --baseline base.json  # this run next to an earlier one, with ratios

Two figures: the engine alone (inputs already parsed and validated: what a batch costs once the data is
in memory) and with input validation (raw JSON-shaped dicts through robots.decide, as the pipeline does).
Targets: engine >= 20 000 decisions/s (OpenFisca, the rules-as-code reference, takes 0.4-0.7 ms for one
household); with validation >= 2 000/s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robots.config import load_parameters  # noqa: E402
from robots.decide import decide, register_answers  # noqa: E402
from robots.rules import evaluate, parse_case  # noqa: E402
from robots.synthetic import MUTATIONS, case_for  # noqa: E402

TARGETS = {"engine_per_s": 20_000, "validated_per_s": 2_000}
OPENFISCA_MS = (0.4, 0.7)
DECIDED_AT = "2023-10-23T08:15:11+02:00"


def generate(n: int, seed: int) -> list[tuple[dict, list[dict]]]:
    rng = random.Random(seed)
    reasons = sorted(MUTATIONS)
    periods = ("2021-06", "2023-11", "2026-03")
    return [case_for(rng, f"B-{i}", rng.choice(periods), None if rng.random() < 0.7 else rng.choice(reasons)) for i in range(n)]


def timed(calls: list) -> dict:
    """Throughput over all calls in one loop; latency per call, timed one by one in a second pass."""
    started = time.perf_counter()
    granted = sum(1 for call in calls if call()["outcome"] == "granted")
    total_s = time.perf_counter() - started
    clock = time.perf_counter_ns
    latencies = []
    for call in calls[:20_000]:
        t = clock()
        call()
        latencies.append(clock() - t)
    latencies.sort()
    return {
        "decisions": len(calls),
        "per_s": len(calls) / total_s,
        "median_us": statistics.median(latencies) / 1000,
        "p99_us": latencies[int(len(latencies) * 0.99)] / 1000,
        "granted": granted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=100_000, help="households (default 100 000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path, help="write this run's figures to a JSON file")
    parser.add_argument("--baseline", type=Path, help="an earlier run's JSON to show side by side")
    args = parser.parse_args()

    params = load_parameters()
    t = time.perf_counter()
    cases = generate(args.n, args.seed)
    print(f"generated {args.n:,} households in {time.perf_counter() - t:.1f} s (not counted)", file=sys.stderr)
    parsed = [parse_case(a, register_answers(r, a["period"])) for a, r in cases]

    engine = timed([lambda c=c: evaluate(c, params, decided_at=DECIDED_AT, decided_by="robot:bench") for c in parsed])
    validated = timed([lambda a=a, r=r: decide(a, r, params, decided_at=DECIDED_AT) for a, r in cases])
    figures = {"engine": engine, "validated": validated}

    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    print(f"\nrules benchmark: {args.n:,} generated households, one core, Python {sys.version.split()[0]}")
    print(f"{'':24s}{'decisions/s':>12s}{'median µs':>11s}{'p99 µs':>9s}{'target/s':>10s}{'vs target':>10s}"
          + (f"{'baseline/s':>12s}{'vs baseline':>12s}" if baseline else ""))
    for name, label, target in (("engine", "engine alone", TARGETS["engine_per_s"]), ("validated", "with validation", TARGETS["validated_per_s"])):
        f = figures[name]
        row = f"{label:24s}{f['per_s']:12,.0f}{f['median_us']:11.1f}{f['p99_us']:9.1f}{target:10,d}{f['per_s'] / target:9.2f}x"
        if baseline:
            row += f"{baseline[name]['per_s']:12,.0f}{f['per_s'] / baseline[name]['per_s']:11.2f}x"
        print(row)
    median_ms = engine["median_us"] / 1000
    print(f"\nOpenFisca reference: {OPENFISCA_MS[0]}-{OPENFISCA_MS[1]} ms per household; the engine's median is {median_ms:.3f} ms "
          f"({OPENFISCA_MS[0] / median_ms:.0f}-{OPENFISCA_MS[1] / median_ms:.0f}x faster)")
    print(f"granted {engine['granted']:,} of {engine['decisions']:,} (the same with validation: {validated['granted'] == engine['granted']})")
    if args.save:
        args.save.write_text(json.dumps(figures, indent=2))
        print(f"figures saved to {args.save}")


if __name__ == "__main__":
    main()
