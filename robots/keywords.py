"""Robot Framework keywords for tasks/casebot.robot: thin, one keyword a step, each working on a batch.

Keywords log counts and application ids, never personnummer. Failures carry a class: a system problem
fails the task (the next run retries); business problems never fail a task, they go to a caseworker.
"""

from __future__ import annotations

import atexit
import shutil
from pathlib import Path

from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from robots.bootstrap import build_worker
from robots.folders import runs_dir
from robots.pipeline import STEPS, Worker, new_run_id

_STEP = dict(STEPS)


def _keep_outputs_in_logs(run_id: str) -> None:
    """`robot --rpa tasks/` writes where it is started; run logs belong in logs/runs/<run id>/. Robot
    writes output.xml, log.html and report.html after the last keyword, so they are moved when the
    process exits. (`casebot run` points Robot at logs/runs/<run id>/ itself; nothing moves then.)"""
    variables = BuiltIn()
    if Path(variables.get_variable_value("${OUTPUT_DIR}")).resolve().is_relative_to(runs_dir()):
        return
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
        self.ctx = None
        self.counts: dict[str, dict] = {}
        self.errors: list[str] = []

    def start_run(self) -> None:
        """Open the store and the connections and record the run (runs of other workers may go on beside it)."""
        self.worker = build_worker()
        variables = BuiltIn()
        run_id = variables.get_variable_value("${RUN_ID}") or new_run_id()
        self.ctx = self.worker.start_run(run_id, Path(variables.get_variable_value("${OUTPUT_DIR}")))
        logger.info(f"run {run_id}; store {self.worker.store.engine.url.render_as_string(hide_password=True)}")
        _keep_outputs_in_logs(run_id)

    def _step(self, name: str) -> dict:
        try:
            counts = _STEP[name](self.ctx)
        except Exception as e:
            self.errors.append(f"{name}: {e}")
            raise
        self.counts[name] = counts
        logger.info(", ".join(f"{k} {v}" for k, v in counts.items()))
        return counts

    def take_submitted_applications(self) -> None:
        """Claim every submitted application in the case system and make a work item of each."""
        self._step("intake")

    def fetch_register_data(self) -> None:
        """Ask the register gateway about every member of every claimed household."""
        self._step("fetch")

    def decide_ready_applications(self) -> None:
        """Apply the rules: grant, or refer to a caseworker with reasons."""
        self._step("decide")

    def draw_stickprov_among_grants(self) -> None:
        """Put the policy's share of grants on the follow-up list, by a recorded random draw."""
        self._step("sample")

    def write_back_decisions(self) -> None:
        """Record each decision in the case system; a grant is paid once."""
        self._step("write_back")

    def report_overdue_applications(self) -> None:
        """Warn about every application past its deadline."""
        counts = self._step("sla_watch")
        if counts["overdue"]:
            logger.warn(f"{counts['overdue']} applications are past their deadline: see `casebot status`")

    def finish_run(self) -> None:
        """Record how the run ended and close the connections."""
        if self.worker is None or self.ctx is None:
            return
        failed = bool(self.errors) or BuiltIn().get_variable_value("${SUITE STATUS}") == "FAIL"
        self.worker.finish_run(self.ctx, self.counts, "failed" if failed else "ok",
                               "; ".join(self.errors) or (BuiltIn().get_variable_value("${SUITE MESSAGE}") if failed else None))
        self.worker.close()
        self.worker = self.ctx = None
