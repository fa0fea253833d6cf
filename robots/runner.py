"""Running the Robot Framework tasks: one pass, its output in logs/runs/<run id>/."""

from __future__ import annotations

import io
from pathlib import Path

import robot

from robots.folders import runs_dir, tasks_dir
from robots.pipeline import new_run_id


def run_tasks(run_id: str | None = None, console: str = "quiet", *, loglevel: str = "INFO", outputdir: Path | None = None,
              name: str | None = None) -> tuple[str, int, Path]:
    """(run id, Robot's return code — the number of failed tasks —, output directory). `loglevel`,
    `outputdir` and `name` are Robot's own options (`casebot run` passes them on)."""
    run_id = run_id or new_run_id()
    outdir = outputdir or runs_dir() / run_id
    stdout = io.StringIO() if console == "none" else None
    rc = robot.run(str(tasks_dir()), rpa=True, outputdir=str(outdir), variable=[f"RUN_ID:{run_id}", f"RUN_DIR:{outdir}"],
                   console=console, loglevel=loglevel, stdout=stdout, **({"name": name} if name else {}))
    return run_id, rc, outdir
