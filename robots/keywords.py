"""Robot Framework keywords for tasks/casebot.robot: thin, around the one pass `casebot worker` and the
tests run too (robots.pipeline.Worker.run_pass), so that there is one way to run a pass.

Keywords log counts and application ids, never personnummer.
"""

from __future__ import annotations

import atexit
import html
import shutil
from pathlib import Path

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from connectors.casesystem.screens import journal as steps_of
from robots.bootstrap import build_worker
from robots.folders import runs_dir
from robots.pipeline import StepsFailed, Worker, new_run_id


def _keep_outputs_in_logs(run_id: str) -> None:
    """`robot --rpa tasks/` writes where it is started; run logs belong in logs/runs/<run id>/. Robot
    writes output.xml, log.html and report.html after the last keyword, so they are moved when the
    process exits. (`casebot run` points Robot at logs/runs/<run id>/ itself; nothing moves then.)"""
    variables = BuiltIn()
    if variables.get_variable_value("${RUN_DIR}") or Path(variables.get_variable_value("${OUTPUT_DIR}")).resolve().is_relative_to(runs_dir()):
        return  # `casebot run` chose the folder (--outputdir included): Robot writes there already
    files = [variables.get_variable_value(f"${{{name}}}") for name in ("OUTPUT_FILE", "LOG_FILE", "REPORT_FILE")]
    target = runs_dir() / run_id

    def move() -> None:
        target.mkdir(parents=True, exist_ok=True)
        for f in files:
            if f and f != "NONE" and Path(f).is_file():
                shutil.move(f, target / Path(f).name)
        print(f"casebot: Robot's output moved to {target}/")

    atexit.register(move)


class CasebotKeywords:
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self) -> None:
        self.worker: Worker | None = None

    def open_worker(self) -> None:
        """Open the store and the connections (runs of other workers may go on beside this one)."""
        self.worker = build_worker()
        logger.info(f"store {self.worker.store.engine.url.render_as_string(hide_password=True)}")

    def run_one_pass(self) -> None:
        """Intake, fetch, decide and write back, overlapping; then the stickprov and the SLA watch. A step
        that fails for a system problem fails the task, after the others ran (the next run retries);
        business problems never fail it: they go to a caseworker."""
        variables = BuiltIn()
        run_id = variables.get_variable_value("${RUN_ID}") or new_run_id()
        _keep_outputs_in_logs(run_id)
        run_dir = Path(variables.get_variable_value("${RUN_DIR}") or runs_dir() / run_id)  # beside Robot's own output
        try:
            counts = self.worker.run_pass(run_id, run_dir)
        except StepsFailed as e:
            _log_counts(run_id, e.counts)
            raise
        finally:
            _log_screen_steps(run_dir)
        _log_counts(run_id, counts)
        if counts["sla_watch"].get("overdue"):
            logger.warn(f"{counts['sla_watch']['overdue']} applications are past their deadline: see `casebot status`")

    def close_worker(self) -> None:
        """Close the connections."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None


def _log_counts(run_id: str, counts: dict[str, dict]) -> None:
    logger.info(f"run {run_id}")
    for step, c in counts.items():
        logger.info(f"{step}: " + (", ".join(f"{k} {v}" for k, v in c.items()) or "nothing to do"))


def _log_screen_steps(run_dir: Path) -> None:
    """The screens adapter's steps in this run (its screens.log), as a table in Robot's log: each page worked,
    for which application, how it went and how long it took, with a link to the screenshot of a failure.
    (The steps run in the pass's threads, where Robot's logger cannot write, so they are logged after it.)"""
    journal = run_dir / "screens.log"
    if not journal.is_file():
        return
    rows, failed = [], 0
    for at, application, step, result, took, evidence in steps_of(journal):
        failed += bool(result) and result != "ok"
        link = f'<a href="{html.escape(evidence.removeprefix("evidence "))}">screenshot</a>' if evidence else ""
        rows.append(f"<tr><td>{html.escape(at[11:23])}</td><td>{html.escape(application)}</td><td>{html.escape(step)}</td>"
                    f"<td>{html.escape(result)}</td><td>{html.escape(took)}</td><td>{link}</td></tr>")
    logger.info(f"<b>Case system screens: {len(rows)} steps, {failed} failed</b> (screens.log in the run folder)"
                "<table><tr><th>time</th><th>application</th><th>step</th><th>result</th><th>took</th><th></th></tr>"
                + "".join(rows) + "</table>", html=True)
