"""The `casebot` command. Thin: it parses arguments, loads configuration and calls the rest."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from robots import __version__
from robots.config import ConfigError, load_parameters
from robots.workflow import State


def fail(message: str) -> None:
    """One clear line on stderr and exit status 2: the input cannot be used at all."""
    click.echo(f"casebot: error: {message}", err=True)
    sys.exit(2)


def read_json(path: Path, max_bytes: int) -> object:
    """The file's JSON; exit 2 with one line naming the file and the problem when it cannot be taken: too
    large (no more than max_bytes + 1 is read), not UTF-8, too deep, a huge integer, NaN, a lone
    surrogate, not JSON (robots.contract.safe_json; the limits are in robots.contract.limits)."""
    from robots.contract.limits import MAX_DEPTH, MAX_INT_DIGITS
    from robots.contract.safe_json import UnsafeJSON, load_json

    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except IsADirectoryError:
        fail(f"{path}: is a directory, not a file")
    except OSError as e:
        fail(f"{path}: cannot be read ({e.strerror or e.__class__.__name__})")
    try:
        return load_json(data, max_bytes=max_bytes, max_depth=MAX_DEPTH, max_int_digits=MAX_INT_DIGITS)
    except UnsafeJSON as e:
        fail(f"{path}: {e}")


def store_url() -> str | None:
    """The worker's store as the worker finds it: config/casebot.toml's [database] url, CASEBOT_DATABASE_URL
    over it, else the default SQLite file."""
    from robots.config import load_settings

    return load_settings().database.url or None


UNAVAILABLE = 75  # EX_TEMPFAIL: a database or system that does not answer now; try again later (a service restarts)


class _OneLine(click.Group):
    """A database or network that does not answer is one line naming it, and exit 75 (try again later); the
    traceback only with --debug (or CASEBOT_DEBUG=1)."""

    def invoke(self, ctx: click.Context):
        from sqlalchemy.exc import SQLAlchemyError

        from connectors.errors import ConnectorError

        try:
            return super().invoke(ctx)
        except (SQLAlchemyError, ConnectorError, OSError) as e:
            if ctx.params.get("debug") or os.environ.get("CASEBOT_DEBUG"):
                raise
            what = str(getattr(e, "orig", None) or e).strip().splitlines()
            click.echo(f"casebot: error: {type(e).__name__}: {what[0] if what else e!r} (run with --debug for the traceback)", err=True)
            sys.exit(UNAVAILABLE)


@click.group(cls=_OneLine)
@click.version_option(__version__, prog_name="casebot")
@click.option("--debug", is_flag=True, help="Show the traceback of an error, not only its one line.")
@click.option("--config", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="The configuration folder (casebot.toml, norms/, policy/) [default: CASEBOT_CONFIG_DIR, else the bundled config/].")
def main(debug: bool, config: Path | None) -> None:
    """casebot decides repeat applications for försörjningsstöd and refers the rest to a caseworker."""
    if config is not None:  # for this process and every process it starts (stand-ins, Robot)
        os.environ["CASEBOT_CONFIG_DIR"] = str(config.resolve())


@main.command()
@click.argument("application", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--registry", "registry", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="JSON array of register answers (one per household member).")
@click.option("--policy", type=click.Path(path_type=Path), default=None,
              help="Local policy: a directory of dated versions, or one version's TOML [default: config/policy/].")
@click.option("--norms", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Directory of riksnorm tables, each with its valid_from and valid_to [default: config/norms/].")
def decide(application: Path, registry: Path, policy: Path | None, norms: Path | None) -> None:
    """Decide one APPLICATION and print the decision as JSON.

    Exit status 0 with a decision (granted or referred); 2 when a file cannot be used at all (missing,
    too large, not JSON, too deep, a huge integer, NaN, a lone surrogate, no usable application_id).
    """
    from robots.contract.limits import MAX_BODY_BYTES, MAX_PAGE_BYTES
    from robots.contract.validate import usable_application_id
    from robots.decide import decide as decide_application

    app = read_json(application, MAX_BODY_BYTES)
    if usable_application_id(app) is None:
        fail(f"{application}: has no usable application_id (a non-empty string is required to file a decision)")
    answers = read_json(registry, MAX_PAGE_BYTES)
    if not isinstance(answers, list):
        fail(f"{registry}: must be a JSON array of register answers, one per household member")
    try:
        params = load_parameters(norms, policy)
    except ConfigError as e:
        fail(str(e))
    decision = decide_application(app, answers, params)  # type: ignore[arg-type]
    click.echo(json.dumps(decision, ensure_ascii=False, indent=2))


@main.command()
@click.option("--applications", "count", type=click.IntRange(1, 100_000), default=300, show_default=True,
              help="How many synthetic applications to seed and decide.")
@click.option("--seed", type=int, default=2023, show_default=True, help="Random seed: the same seed, the same applications.")
@click.option("--period", default="2023-11", show_default=True, help="Month applied for, YYYY-MM.")
@click.option("--adapter", type=click.Choice(["api", "screens"]), default="api", show_default=True,
              help="Work the case system through its API, or through its screens in a headless chromium (the ui extra; "
                   "about 1.7 s a case: try --applications 20).")
def demo(count: int, seed: int, period: str, adapter: str) -> None:
    """The whole product on synthetic data: stand-ins, seeding, robot runs, and what was decided and why."""
    from robots.demo import run_demo

    try:
        run_demo(count=count, seed=seed, period=period, adapter=adapter)
    except ConfigError as e:
        fail(str(e))


def refuse_unless_ready(starting: str | None = None) -> None:
    """`casebot check` first: each problem on a line of its own, and exit 2. A run or scheduler that does
    not start for it (`starting`) leaves a run folder saying so, as a run that failed would."""
    from robots.check import problems

    found = problems()
    for line in found:
        click.echo(f"casebot: error: {line}", err=True)
    if found:
        if starting is not None:
            from robots.folders import runs_dir
            from robots.pipeline import new_instance, new_run_id
            from robots.runlog import RunLog

            run_id = new_run_id()
            RunLog(runs_dir() / run_id, run_id, new_instance()).close("failed", {}, [f"{starting} did not start: {line}" for line in found])
            click.echo(f"casebot: {len(found)} problem(s): {starting} did not start (recorded in {runs_dir() / run_id}; see `casebot check`)", err=True)
        else:
            click.echo(f"casebot: {len(found)} problem(s)", err=True)
        sys.exit(2)


@main.command()
def check() -> None:
    """Is this installation ready? config/ (settings, norm tables, policy, law), norm tables for this month
    and, from 1 December, next January, the store, and each outside system's /health. One line per
    problem and exit 2; `casebot run` and the scheduler check the same first."""
    refuse_unless_ready()
    click.echo("casebot check: ready (configuration, norm tables, policy, store, case system, register gateway)")


@main.command("run")
@click.option("--loglevel", type=click.Choice(["TRACE", "DEBUG", "INFO", "WARN", "NONE"], case_sensitive=False), default="INFO",
              show_default=True, help="Robot Framework's log level.")
@click.option("--outputdir", type=click.Path(path_type=Path, file_okay=False), help="Robot's output and the run's files here, not logs/runs/<run id>/.")
@click.option("--name", help="The name Robot gives the run in its log and report.")
def run_once(loglevel: str, outputdir: Path | None, name: str | None) -> None:
    """One pass of the bots now, through the Robot Framework tasks; its log goes to logs/runs/<run id>/."""
    from robots.runner import run_tasks
    from robots.status import status_report
    from robots.store import StoreOutOfDate, open_store

    refuse_unless_ready("casebot run")
    try:
        run_id, rc, outdir = run_tasks(console="dotted", loglevel=loglevel, outputdir=outputdir, name=name)
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))
    click.echo(f"\nrun {run_id}: {'ok' if rc == 0 else f'{rc} task(s) failed'} — log: {outdir / 'log.html'}\n")
    click.echo(status_report(open_store(store_url()), runs=1))
    sys.exit(1 if rc else 0)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The same as JSON, for a monitor.")
@click.option("--check", is_flag=True, help="Exit 1 when anything is overdue or FAILED or the last run failed (for a monitor).")
def status(as_json: bool, check: bool) -> None:
    """Work items by state, referrals by reason, the stickprov, the oldest open one against its deadline,
    the last runs with their counters; times in Swedish local time."""
    from robots.status import needs_a_person, render
    from robots.status import status as status_of
    from robots.store import StoreOutOfDate, open_store

    try:
        report = status_of(open_store(store_url()))
        click.echo(json.dumps(report, ensure_ascii=False, indent=2) if as_json else render(report))
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))
    if check and needs_a_person(report):
        sys.exit(1)


@main.group(invoke_without_command=True)
@click.option("--state", type=click.Choice([s.value for s in State]), help="Only items in this state.")
@click.option("--reason", help="Only items referred with this reason code (e.g. REGISTRY_UNAVAILABLE).")
@click.option("--overdue", is_flag=True, help="Only items past their deadline (open or FAILED).")
@click.option("--all", "every", is_flag=True, help="Items in every state (default: those that wait or failed).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="As JSON, for a script.")
@click.pass_context
def items(ctx: click.Context, state: str | None, reason: str | None, overdue: bool, every: bool, limit: int, as_json: bool) -> None:
    """The work items that wait or failed, with why; `items retry|release|resolve ID --note TEXT` acts on one."""
    if ctx.invoked_subcommand is not None:
        return
    from robots.items import find, render
    from robots.store import StoreOutOfDate, open_store

    try:
        found = find(open_store(store_url()), state=state, reason=reason, overdue=overdue, every=every, limit=limit)
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))
    click.echo(json.dumps(found, ensure_ascii=False, indent=2) if as_json else render(found))


def _act_on_item(action: str, item_id: int, note: str) -> None:
    import getpass

    from robots import casework
    from robots.bootstrap import build_worker, casework_context
    from robots.store import StoreOutOfDate

    try:
        worker = build_worker()
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))
    try:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # a container's user with no name
            who = f"uid-{os.getuid()}" if hasattr(os, "getuid") else "operator"
        done = getattr(casework, action)(casework_context(worker), item_id, casework.Person(who, "operator"), note)
    except casework.NotPossible as e:
        fail(str(e))
    finally:
        worker.close()
    click.echo(f"item {item_id}: {action.replace('_now', '')} done" + (f", now {done}" if done else ""))


@items.command("retry")
@click.argument("item_id", type=int)
@click.option("--note", default="", help="Why, for the audit trail.")
def items_retry(item_id: int, note: str) -> None:
    """A FAILED item back to where it failed; a WAITING one due at once."""
    _act_on_item("retry_now", item_id, note)


@items.command("release")
@click.argument("item_id", type=int)
@click.option("--note", required=True, help="Why a person takes it over (audit trail).")
def items_release(item_id: int, note: str) -> None:
    """A person takes the application over: the robot's claim is given back, the item WITHDRAWN."""
    _act_on_item("release", item_id, note)


@items.command("resolve")
@click.argument("item_id", type=int)
@click.option("--note", required=True, help="How it was resolved (audit trail).")
def items_resolve(item_id: int, note: str) -> None:
    """A FAILED item a person dealt with outside casebot: WITHDRAWN, out of the SLA watch."""
    _act_on_item("resolve", item_id, note)


@main.command()
def migrate() -> None:
    """Bring the worker's store to this casebot's schema (the store of config/casebot.toml, or
    CASEBOT_DATABASE_URL, or data/casebot.sqlite3). Back it up first. An empty store gets the schema by
    itself when first opened."""
    from robots.store import migrate_store

    try:
        before, now = migrate_store(store_url())
    except ConfigError as e:
        fail(str(e))
    click.echo(f"store schema: {before or 'empty'} -> {now}" if before != now else f"store schema: {now}, already the newest")


def _one_line_a_pass() -> None:
    """The scheduler's and the worker's output, for the journal: a line per pass, warnings and errors."""
    import logging

    from robots.scheduler import OnlyTheSummary

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(OnlyTheSummary())


@main.command()
def scheduler() -> None:
    """Run passes on the schedule in config/casebot.toml until SIGTERM or Ctrl-C."""

    from robots.config import load_settings
    from robots.scheduler import run_scheduler
    from robots.store import StoreOutOfDate

    _one_line_a_pass()
    refuse_unless_ready("casebot scheduler")
    try:
        run_scheduler(load_settings())
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))


@main.command()
def worker() -> None:
    """Run passes one after another, without a schedule, until SIGTERM or Ctrl-C.

    For scale-out on a PostgreSQL store: start as many as it takes, on as many machines; leases keep them
    apart. Each has its own runs in `casebot status`."""

    from robots.config import load_settings
    from robots.scheduler import run_worker
    from robots.store import StoreOutOfDate

    _one_line_a_pass()
    try:
        run_worker(load_settings())
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to serve other machines (put HTTPS in front).")
@click.option("--port", type=int, default=8700, show_default=True)
@click.option("--demo", is_flag=True, help="On what `casebot demo` left: its store, and its case system (started here).")
def console(host: str, port: int, demo: bool) -> None:
    """The web console for caseworkers, operators and auditors, on the worker's store and case system.

    Sign in with a user made by `casebot users add`. After `casebot demo`, `casebot console --demo` serves
    the demo's applications, with its demo users."""
    import os
    import signal
    from contextlib import ExitStack

    from connectors.serving import StubProcess, run_foreground
    from robots.bootstrap import build_worker, casework_context
    from robots.console.app import create_app
    from robots.folders import data_dir
    from robots.store import StoreOutOfDate

    with ExitStack() as stack:
        if demo:
            folder = data_dir() / "demo"
            if not (folder / "casebot.sqlite3").exists():
                fail(f"no demo in {folder}: run `casebot demo` first")
            cases = stack.enter_context(StubProcess("casesystem", folder / "casesystem.sqlite3"))
            os.environ.update(CASEBOT_CASESYSTEM_URL=cases.url, CASEBOT_DATABASE_URL=f"sqlite:///{folder / 'casebot.sqlite3'}")
        try:
            worker = build_worker()
        except (ConfigError, StoreOutOfDate) as e:
            fail(str(e))
        stack.callback(worker.close)
        click.echo(f"casebot console on http://{host}:{port}/ (store {worker.store.engine.url.render_as_string(hide_password=True)}); Ctrl-C stops it")
        # uvicorn raises SIGTERM again once it has shut down: exit through here, so that what was started is stopped
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        run_foreground(create_app(casework_context(worker)), host, port)


@main.group()
def users() -> None:
    """The console's users."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["caseworker", "operator", "auditor", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts) instead of asking.")
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user who signs in to the console with NAME and a password (asked for, not echoed)."""
    from robots.console.auth import add_user
    from robots.store import StoreOutOfDate, open_store

    password = sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(open_store(store_url()), name, role, password)
    except (ConfigError, StoreOutOfDate, ValueError) as e:
        fail(str(e))
    click.echo(f"user {name} ({role}) added")


def _fault_options(command):
    """One --flag per field of connectors.ssbtek.faults.Faults, so flags and the model never drift apart."""
    from connectors.ssbtek.faults import Faults

    for name, f in reversed(Faults.model_fields.items()):
        flag = "--fault-seed" if name == "seed" else f"--{name.replace('_', '-')}"
        kind = int if f.annotation in (int, int | None) else float
        command = click.option(flag, name, type=kind, default=None, help=f"[ssbtek] {f.description}")(command)
    return command


@main.command()
@click.argument("system", type=click.Choice(["ssbtek", "casesystem"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="[default: 8701 for ssbtek, 8702 for casesystem]")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The stub's SQLite file [default: data/<system>.sqlite3].")
@click.option("--layout", type=click.Choice(["standard", "revised"]), default="standard", show_default=True,
              help="[casesystem] The screens' layout: revised moves the buttons and adds a column, as a new release might.")
@click.option("--without", multiple=True, metavar="TESTID",
              help="[casesystem] Leave this element (by its data-testid, or a field's name) out of the screens; repeatable.")
@click.option("--session-minutes", type=click.FloatRange(min=0.01), default=15, show_default=True,
              help="[casesystem] A screen session lapses after this long idle.")
@_fault_options
def stub(system: str, host: str, port: int | None, db: Path | None, layout: str, without: tuple[str, ...], session_minutes: float,
         **faults: object) -> None:
    """Run the stand-in for an outside system in the foreground (Ctrl-C stops it).

    ssbtek is the register gateway, casesystem the case system. Both serve /health and their OpenAPI
    document at /openapi.json. Fault flags apply to ssbtek; they can also be set with
    CASEBOT_SSBTEK_<NAME> environment variables or changed at run time with PUT /admin/faults.

    The case system also has screens under /ui/ for people and for the screen adapter. Who may sign in:
    CASEBOT_CASESYSTEM_USER with CASEBOT_CASESYSTEM_PASSWORD, the same variables the worker signs in with.
    """
    from pydantic import ValidationError

    from connectors.serving import DEFAULT_PORTS, run_foreground
    from robots.folders import data_dir

    db = db or data_dir() / f"{system}.sqlite3"
    if system == "ssbtek":
        from connectors.ssbtek.faults import Faults
        from connectors.ssbtek.server import create_app

        try:
            app = create_app(db, Faults.from_environment(**faults))
        except ValidationError as e:
            fail("fault settings: " + "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors()))
    else:
        if any(v is not None for v in faults.values()):
            fail("fault flags apply to the ssbtek stub only")
        import os

        from connectors.casesystem.pages import Layout
        from connectors.casesystem.server import create_app

        user, password = os.environ.get("CASEBOT_CASESYSTEM_USER"), os.environ.get("CASEBOT_CASESYSTEM_PASSWORD")
        app = create_app(db, accounts={user: password} if user and password else {},
                         layout=Layout(revised=layout == "revised", without=frozenset(without)), session_seconds=round(session_minutes * 60))
    run_foreground(app, host, port or DEFAULT_PORTS[system])


def _url(system: str) -> str:
    import os

    from connectors.serving import DEFAULT_PORTS

    return os.environ.get(f"CASEBOT_{system.upper()}_URL") or f"http://127.0.0.1:{DEFAULT_PORTS[system]}"


@main.command()
@click.option("--applications", "count", type=click.IntRange(1, 1_000_000), default=300, show_default=True)
@click.option("--seed", type=int, default=2023, show_default=True, help="The same seed gives the same population.")
@click.option("--period", default="2023-11", show_default=True, help="Month applied for, YYYY-MM.")
@click.option("--mix", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The mix of clean applications and referral reasons [default: config/seed.toml].")
@click.option("--casesystem", "casesystem_url", default=None, help="[default: $CASEBOT_CASESYSTEM_URL or http://127.0.0.1:8702]")
@click.option("--ssbtek", "ssbtek_url", default=None, help="[default: $CASEBOT_SSBTEK_URL or http://127.0.0.1:8701]")
def seed(count: int, seed: int, period: str, mix: Path | None, casesystem_url: str | None, ssbtek_url: str | None) -> None:
    """Fill the running stubs with synthetic applications and the register data that goes with them.

    Start the stubs first (casebot stub ssbtek, casebot stub casesystem). Seeding the same seed again
    files nothing twice.
    """
    from connectors.casesystem.standin import StandIn
    from connectors.errors import ConnectorError
    from connectors.ssbtek.client import GatewayClient
    from robots.config import load_seed_mix
    from robots.contract.validate import PERIOD
    from robots.seed import seed_stubs
    from robots.synthetic import population

    if not PERIOD.fullmatch(period):
        fail(f"--period {period!r}: must be YYYY-MM")
    try:
        cases = population(count, seed, period, load_seed_mix(mix))
    except ConfigError as e:
        fail(str(e))
    casesystem = StandIn(casesystem_url or _url("casesystem"))
    try:
        with GatewayClient(ssbtek_url or _url("ssbtek")) as gateway, click.progressbar(
            length=count, label=f"Seeding {count} applications for {period}", file=click.get_text_stream("stderr")
        ) as bar:
            report = seed_stubs(cases, seed, casesystem, gateway, progress=bar.update)
    except ConnectorError as e:
        fail(f"{e} — are the stubs running? (casebot stub ssbtek / casebot stub casesystem)")
    click.echo(f"Filed {len(report['application_ids'])} applications ({report['application_ids'][0]} … {report['application_ids'][-1]}):")
    for reason, n in report["mix"].most_common():
        click.echo(f"  {reason:28s} {n:6d}")


@main.group()
def audit() -> None:
    """For auditors: verify the trail, read a case's story, re-run decisions, export them."""


def _store():
    from robots.store import StoreOutOfDate, open_store

    try:
        return open_store(store_url(), create=False)
    except (ConfigError, StoreOutOfDate) as e:
        fail(str(e))


@audit.command("verify")
def audit_verify() -> None:
    """Check every work item's hash chain, every stored body (application, register answers, decision)
    against the hash its event recorded, and every anchor. Names the first problem and lists the others;
    exit 1 when anything does not hold."""
    from robots.trail.verify import verify

    verdict = verify(_store())
    if verdict.holds:
        click.echo(f"audit trail holds: {verdict.events} events on {verdict.chains} work items, "
                   f"{verdict.answers} register answers, every body as recorded, {verdict.anchors} anchors")
        return
    click.echo(f"audit trail does NOT hold: {len(verdict.problems)} problem(s) in {verdict.events} events on {verdict.chains} work items")
    click.echo(f"first: {verdict.problems[0].line()}")
    for p in verdict.problems[1:20]:
        click.echo(f"  also: {p.line()}")
    if len(verdict.problems) > 20:
        click.echo(f"  and {len(verdict.problems) - 20} more")
    sys.exit(1)


@audit.command("show")
@click.argument("application_id")
def audit_show(application_id: str) -> None:
    """The case's story in order: every step the robot took, with what it found and decided.
    Personnummer are masked."""
    from robots.trail.story import story

    told = story(_store(), application_id)
    if told is None:
        fail(f"the store has no application {application_id}")
    click.echo(told)


@main.command()
@click.option("--period", help="The recorded month to re-decide, YYYY-MM (with --input: only this month of the file).")
@click.option("--input", "input_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help='Applications and register answers from a JSON Lines file instead of the store, one {"application": …, '
                   '"registry": […]} a line: "before" is decided with today\'s parameters.')
@click.option("--norms", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="A directory of norm tables to use instead of config/norms/ (a coming year's riksnorm, say).")
@click.option("--policy", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A policy file to apply to the month instead of the one in force (a raised rent ceiling, say).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the report goes (report.xlsx, report.html) [default: logs/exports/simulate-<period>-<time>/].")
def simulate(period: str | None, input_file: Path | None, norms: Path | None, policy: Path | None, out: Path | None) -> None:
    """What-if: re-decide a recorded month under another norm table or policy, beside what was recorded.

    Prints totals before and after (per month and per year), how many households gain and lose and by how
    much, the change in referrals by reason and the household types most affected; writes the same as an
    xlsx and a self-contained HTML page with charts. Households are named by pseudonym only."""
    from datetime import datetime

    from robots.contract.validate import PERIOD
    from robots.folders import exports_dir
    from robots.simulate import (
        BadInput,
        alternative_parameters,
        described,
        simulate_file,
    )
    from robots.simulate import simulate as run_simulation
    from robots.simulate_report import terminal, write_html, write_xlsx

    if period is None and input_file is None:
        fail("name the recorded month (--period YYYY-MM), or a file of applications (--input FILE.jsonl)")
    if period is not None and not PERIOD.fullmatch(period):
        fail(f"--period {period!r}: the month as YYYY-MM")
    if input_file is not None and policy is not None and period is None:
        fail("--policy with --input needs --period: the month the policy is to be in force for")
    try:
        params = alternative_parameters(period, norms, policy)
        if input_file is not None:
            sim = simulate_file(input_file, period, load_parameters(), params, described(norms, policy))
        else:
            sim = run_simulation(_store(), period, params, described(norms, policy))
    except (ConfigError, BadInput) as e:
        fail(str(e))
    if not len(sim):
        fail(f"no decisions to re-run for {period}" + (f" in {input_file}" if input_file else " in the store"))
    click.echo(terminal(sim))
    out = out or exports_dir() / f"simulate-{period or input_file.stem}-{datetime.now():%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    click.echo(f"\nreport: {write_html(sim, out / 'report.html')}")
    if len(sim) > 20_000:  # openpyxl writes about 7 000 households a second
        click.echo(f"        writing report.xlsx, a row for each of the {len(sim):,} households …")
    click.echo(f"        {write_xlsx(sim, out / 'report.xlsx')}")


@audit.command("replay")
@click.argument("application_id", required=False)
@click.option("--period", help="Every recorded decision of this month (YYYY-MM) instead of one application.")
@click.option("--with-current-rules", is_flag=True,
              help="Decide with today's rules and config/ instead of the recorded parameter versions: how a change is reviewed.")
def audit_replay(application_id: str | None, period: str | None, with_current_rules: bool) -> None:
    """Re-run recorded decisions on their recorded inputs (the application as claimed, the register
    answers as received) with the parameter versions they recorded. Says "same decision", or lists the
    differences line by line. Exit 1 when any decision differs or cannot be re-run."""
    from robots.replay import CannotReplay, differences, redecide, redecide_period

    if (application_id is None) == (period is None):
        fail("name one APPLICATION_ID, or --period YYYY-MM")
    params = load_parameters() if with_current_rules else None
    store = _store()
    if application_id is not None:
        try:
            runs = [(application_id, *redecide(store, application_id, params=params))]
        except CannotReplay as e:
            fail(str(e))
    else:
        runs = redecide_period(store, period, params)
    same = differ = failed = 0
    for app, recorded, again in runs:
        if isinstance(again, CannotReplay):
            failed += 1
            click.echo(f"{app}: cannot be re-run: {again}")
            continue
        lines = differences(recorded, again)
        if not lines:
            same += 1
            if application_id is not None:
                click.echo(f"{app}: same decision ({recorded['outcome']}" + (f", {recorded['amount']} kr)" if recorded.get("amount") is not None else ")"))
            continue
        differ += 1
        click.echo(f"{app}: differs" + (" with today's rules and parameters" if with_current_rules else ""))
        for line in lines:
            click.echo(f"    {line}")
    what = "today's rules and parameters" if with_current_rules else "the recorded parameter versions"
    click.echo(f"{same + differ + failed} decision(s) re-run with {what}: {same} same, {differ} differ, {failed} cannot be re-run")
    if not same + differ + failed:
        fail(f"no recorded decisions for {period}")
    sys.exit(1 if differ or failed else 0)


def _day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is no date: YYYY-MM-DD") from None


@audit.command("export")
@click.option("--from", "first", required=True, help="First day (YYYY-MM-DD, Swedish time) of the decisions to export.")
@click.option("--to", "last", required=True, help="Last day (YYYY-MM-DD), included.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "jsonl"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="The file to write (default: logs/exports/decisions-FROM-TO.FORMAT).")
def audit_export(first: str, last: str, fmt: str, out: Path | None) -> None:
    """One row per decision made in the days given: the calculation's figures, the reason codes, the rules
    and parameter versions. In xlsx, a second sheet counts decisions by outcome and by reason."""
    from robots.folders import exports_dir
    from robots.trail.export import counts, decisions, write

    start, end = _day(first), _day(last)
    if end < start:
        fail("--to is before --from")
    frame = decisions(_store(), start, end)
    path = write(frame, out or exports_dir() / f"decisions-{start}-{end}.{fmt}", fmt, {"counts": counts(frame)})
    granted = frame[frame["outcome"] == "granted"]["amount"].sum() if len(frame) else 0
    click.echo(f"{len(frame)} decision(s) from {start} to {end} ({int(granted):,} kr granted) written to {path}")


@audit.command("sample")
@click.option("--period", required=True, help="The month (YYYY-MM) whose stickprov to list.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="The xlsx file (default: logs/exports/stickprov-PERIOD.xlsx).")
def audit_sample(period: str, out: Path | None) -> None:
    """The stickprov follow-up list as xlsx for the caseworkers who check the grants afterwards: each grant
    drawn, with the run's recorded seed and its draw, so that anyone can draw it again."""
    from robots.folders import exports_dir
    from robots.trail.export import followup, write

    frame = followup(_store(), period)
    path = write(frame, out or exports_dir() / f"stickprov-{period}.xlsx", "xlsx")
    click.echo(f"{len(frame)} grant(s) of {period} on the follow-up list, written to {path}")
