"""Where casebot keeps its files, found when asked, never at import: a process (a test, the demo, a
service) can be pointed elsewhere with the environment before it builds anything.

CASEBOT_DATA_DIR: the SQLite files of the worker's store and the stand-ins (default: data/ in the project,
  or, installed from a wheel, in the current folder).
CASEBOT_LOG_DIR: run logs, logs/runs/<run id>/ (else [logs] dir in config/casebot.toml, else logs/ beside data/).
The task files and the default config/ are the checkout's, or, installed, <prefix>/share/casebot/.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def checkout() -> bool:
    """Running from a git checkout (an editable install included), not from an installed wheel."""
    return (PROJECT / "pyproject.toml").is_file()


def bundled(name: str) -> Path:
    """A folder that ships with casebot: the checkout's, or the installation's share/casebot/ copy."""
    return PROJECT / name if checkout() else Path(sysconfig.get_path("data")) / "share" / "casebot" / name


def _home() -> Path:
    """Where data/ and logs/ go by default: the project in a checkout; the current folder when installed
    (a service sets its working directory, or CASEBOT_DATA_DIR and CASEBOT_LOG_DIR)."""
    return PROJECT if checkout() else Path.cwd()


def data_dir() -> Path:
    return Path(os.environ.get("CASEBOT_DATA_DIR") or _home() / "data")


def log_dir(settings=None) -> Path:
    """CASEBOT_LOG_DIR, else the [logs] dir of `settings` (a worker's) or of config/casebot.toml, else logs/
    beside data/."""
    configured = settings.logs.dir if settings is not None else _configured_log_dir()
    return Path(os.environ.get("CASEBOT_LOG_DIR") or configured or _home() / "logs")


def _configured_log_dir() -> str:
    from robots.config import ConfigError, load_settings

    try:
        return load_settings().logs.dir
    except ConfigError:  # a broken configuration is reported where it is used; logs still go somewhere
        return ""


def runs_dir(settings=None) -> Path:
    """One folder per run, named by its run id: Robot Framework's output.xml, log.html, report.html."""
    return log_dir(settings) / "runs"


def exports_dir() -> Path:
    """Where `casebot audit export` and `audit sample` write unless told otherwise."""
    return log_dir() / "exports"


def tasks_dir() -> Path:
    """The Robot Framework task files that a pass runs."""
    return bundled("tasks")
