"""`casebot demo`: the decision engine on the bundled example and on synthetic applications.

Everything is synthetic. The full pipeline demo (stubs, bots, write back) builds on this.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter

import click

from robots.config import CONFIG_DIR, load_norms, load_policy
from robots.contract import EXAMPLES
from robots.decide import decide
from robots.explain import explain
from robots.rules.reasons import kr
from robots.synthetic import MUTATIONS, case_for

# The share of clean repeat applications; the rest spread evenly over the reasons in MUTATIONS.
CLEAN_SHARE = 0.7


def run_demo(count: int, seed: int, period: str) -> None:
    norms, policy = load_norms(), load_policy()
    click.echo(f"casebot demo: norm tables {sorted(norms)} and policy from {CONFIG_DIR}\n")

    example = EXAMPLES / "repeat-single-parent"
    application = json.loads(example.with_suffix(".application.json").read_text(encoding="utf-8"))
    answers = json.loads(example.with_suffix(".registry.json").read_text(encoding="utf-8"))
    click.echo("The bundled example (a single parent with two children):")
    click.echo(explain(decide(application, answers, norms, policy)) + "\n")

    rng = random.Random(seed)
    reasons = list(MUTATIONS)
    decisions = []
    started = time.perf_counter()
    with click.progressbar(range(count), label=f"Deciding {count} synthetic applications", file=click.get_text_stream("stderr")) as bar:
        for i in bar:
            reason = None if rng.random() < CLEAN_SHARE else rng.choice(reasons)
            application, answers = case_for(rng, f"DEMO-{seed}-{i:06d}", period, reason)
            decisions.append(decide(application, answers, norms, policy))
    elapsed = time.perf_counter() - started

    granted = [d for d in decisions if d["outcome"] == "granted"]
    referred = [d for d in decisions if d["outcome"] == "referred"]
    by_reason = Counter(r["code"] for d in referred for r in {r["code"]: r for r in d["reasons"]}.values())
    click.echo(f"\nDecided {len(decisions)} applications for {period} in {elapsed:.2f} s ({len(decisions) / elapsed:,.0f}/s):")
    click.echo(f"  granted  {len(granted):6d}   total {kr(sum(d['amount'] for d in granted))}")
    click.echo(f"  referred {len(referred):6d}   (an application can carry several reasons)")
    for code, n in by_reason.most_common():
        click.echo(f"    {code:28s} {n:6d}")
    click.echo("\nOne of each outcome, explained:")
    shown = set()
    for d in decisions:
        kind = d["outcome"] if d["outcome"] == "granted" else d["reasons"][0]["code"]
        if kind not in shown and len(shown) < 4:
            shown.add(kind)
            click.echo(explain(d))
    click.echo("\nDecide your own: casebot decide APPLICATION.json --registry REGISTRY.json  (see README.md)")
