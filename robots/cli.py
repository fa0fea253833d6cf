"""The `casebot` command. Thin: it parses arguments, loads configuration and calls the rest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from robots import __version__
from robots.config import ConfigError, load_norms, load_policy


def fail(message: str) -> None:
    """One clear line on stderr and exit status 2: the input cannot be used at all."""
    click.echo(f"casebot: error: {message}", err=True)
    sys.exit(2)


def read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    except json.JSONDecodeError as e:
        fail(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})")


@click.group()
@click.version_option(__version__, prog_name="casebot")
def main() -> None:
    """casebot decides repeat applications for försörjningsstöd and refers the rest to a caseworker."""


@main.command()
@click.argument("application", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--registry", "registry", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="JSON array of register answers (one per household member).")
@click.option("--policy", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Local policy TOML [default: config/policy.toml].")
@click.option("--norms", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Directory of riksnorm tables <year>.toml [default: config/norms].")
def decide(application: Path, registry: Path, policy: Path | None, norms: Path | None) -> None:
    """Decide one APPLICATION and print the decision as JSON.

    Exit status 0 with a decision (granted or referred); 2 when a file cannot be used at all.
    """
    from robots.contract.validate import usable_application_id
    from robots.decide import decide as decide_application

    app = read_json(application)
    if usable_application_id(app) is None:
        fail(f"{application}: has no usable application_id (a non-empty string is required to file a decision)")
    answers = read_json(registry)
    if not isinstance(answers, list):
        fail(f"{registry}: must be a JSON array of register answers, one per household member")
    try:
        tables, local_policy = load_norms(norms), load_policy(policy)
    except ConfigError as e:
        fail(str(e))
    decision = decide_application(app, answers, tables, local_policy)  # type: ignore[arg-type]
    click.echo(json.dumps(decision, ensure_ascii=False, indent=2))


@main.command()
@click.option("--applications", "count", type=click.IntRange(1, 1_000_000), default=200, show_default=True,
              help="How many synthetic applications to decide.")
@click.option("--seed", type=int, default=2023, show_default=True, help="Random seed: the same seed, the same applications.")
@click.option("--period", default="2023-11", show_default=True, help="Month applied for, YYYY-MM.")
def demo(count: int, seed: int, period: str) -> None:
    """Decide the bundled example and a batch of synthetic applications, and say what was decided and why."""
    from robots.demo import run_demo

    try:
        run_demo(count=count, seed=seed, period=period)
    except ConfigError as e:
        fail(str(e))
