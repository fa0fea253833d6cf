"""Where casebot keeps its files, found when asked, never at import: a process (a test, the demo, a
service) can be pointed elsewhere with the environment before it builds anything.

CASEBOT_DATA_DIR: the SQLite files of the worker's store and the stand-ins (default: data/ in the project).
CASEBOT_LOG_DIR: run logs, logs/runs/<run id>/ (default: logs/ in the project).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("CASEBOT_DATA_DIR") or PROJECT / "data")


def log_dir() -> Path:
    return Path(os.environ.get("CASEBOT_LOG_DIR") or PROJECT / "logs")


def runs_dir() -> Path:
    """One folder per run, named by its run id: Robot Framework's output.xml, log.html, report.html."""
    return log_dir() / "runs"


def exports_dir() -> Path:
    """Where `casebot audit export` and `audit sample` write unless told otherwise."""
    return log_dir() / "exports"


def tasks_dir() -> Path:
    """The Robot Framework task files that a pass runs."""
    return PROJECT / "tasks"
