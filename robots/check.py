"""`casebot check`: is this installation ready to decide? One line per problem, each naming what to fix.

- config/: casebot.toml, the norm tables, the policy versions and the law all load.
- The norm tables and a policy cover this month and, from 1 December, next January too: a missing year
  would refer every application of it (NORM_TABLE_MISSING), silently.
- The store opens at this casebot's schema (or is empty, and gets it).
- Each outside system answers its /health, named by URL; for the screens adapter, the case system's
  sign-in page answers, and rpaframework, chromium, chromedriver and a password are there.

`casebot run` and the scheduler run it first and refuse to start on a problem.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import requests

from robots.config import ConfigError, load_parameters, load_settings
from robots.workdays import STOCKHOLM

HEALTH_SECONDS = 5


def _months_needed(today: date) -> list[str]:
    """This month, and from 1 December next January (its table is published in the autumn)."""
    months = [f"{today:%Y-%m}"]
    if today.month == 12:
        months.append(f"{today.year + 1}-01")
    return months


def problems(config: Path | None = None, today: date | None = None) -> list[str]:
    """Every problem found, one line each; [] when the installation is ready."""
    today = today or datetime.now(STOCKHOLM).date()
    found: list[str] = []
    try:
        settings = load_settings(config / "casebot.toml" if config else None)
    except ConfigError as e:
        return [str(e)]  # without settings there is no store or URL to check
    try:
        params = load_parameters(config / "norms", config / "policy") if config else load_parameters()
    except ConfigError as e:
        found.append(str(e))
    else:
        for month in _months_needed(today):
            table, policy = params.for_period(month)
            if table is None:
                found.append(f"no norm table covers {month} (the tables cover {params.covered()}): add config/norms/{month[:4]}.toml "
                             "from the government's riksnorm for the year, or every application for it is referred")
            if policy is None:
                found.append(f"no policy version is in force on {month}-01: add one to config/policy/")
    found += _store_problems(settings.database.url or None)
    if settings.casesystem.adapter == "screens":
        found += _screen_problems(settings)
    else:
        found += _health_problems("case system", settings.casesystem.url)
    found += _health_problems("register gateway", settings.ssbtek.url)
    return found


def _screen_problems(settings) -> list[str]:
    """The screens adapter: what building it needs (rpaframework, a password), chromium and its driver here,
    and the case system's sign-in page answering."""
    import os
    import shutil

    from connectors.casesystem.screens import SIGN_IN_PATH
    from robots.bootstrap import case_system

    found = []
    try:
        case_system(settings).close()  # the browser starts only when a step needs it
    except ConfigError as e:
        found.append(str(e))
    for what in ("chromium", "chromedriver"):
        path = os.environ.get(f"CASEBOT_{what.upper()}") or shutil.which(what)
        if not path or not Path(path).exists():
            found.append(f"[casesystem] adapter = \"screens\" needs {what}: apt-get install chromium chromium-driver "
                         f"(Debian), or set CASEBOT_{what.upper()}")
    return found + _health_problems("case system's sign-in page", settings.casesystem.url, SIGN_IN_PATH)


def _store_problems(url: str | None) -> list[str]:
    from sqlalchemy.exc import SQLAlchemyError

    from robots.store import StoreOutOfDate, open_store
    from robots.store.db import database_url

    target = url or database_url()
    try:
        open_store(url).engine.dispose()
    except StoreOutOfDate as e:
        return [str(e)]
    except (SQLAlchemyError, OSError) as e:
        return [f"the store {_without_password(target)} cannot be opened: {str(e).splitlines()[0]}"]
    return []


def _health_problems(name: str, url: str, path: str = "/health") -> list[str]:
    try:
        answer = requests.get(url.rstrip("/") + path, timeout=HEALTH_SECONDS)
    except requests.RequestException as e:
        return [f"the {name} at {url} does not answer ({type(e).__name__}): check the URL in config/casebot.toml or CASEBOT_*_URL"]
    if answer.status_code != 200:
        return [f"the {name} at {url} answers {path} with HTTP {answer.status_code}"]
    return []


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for the message
        return "(the configured database URL)"
