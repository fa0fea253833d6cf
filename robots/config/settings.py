"""How the worker runs (config/casebot.toml), with the URLs the environment gives on top."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from robots.config.files import ConfigError, _parse, _Strict, config_dir


class _Worker(_Strict):
    robot_id: str = Field(min_length=1, max_length=50)  # with an instance and a run id it must fit a lease owner
    batch_size: int = Field(ge=1, le=10_000)
    lease_seconds: int = Field(ge=1, le=86_400)
    claim_seconds: int = Field(ge=60, le=7 * 86_400)


class _Database(_Strict):
    url: str = ""


class _Service(_Strict):
    url: str = Field(min_length=1)


class _CaseSystem(_Service):
    adapter: Literal["api", "screens"] = "api"  # its JSON API, or its web pages (needs the ui extra)
    user: str = Field(default="casebot", min_length=1, max_length=200)  # the screens' sign-in; CASEBOT_CASESYSTEM_USER wins
    page_timeout_seconds: float = Field(default=10, gt=0, le=300)  # how long the screens adapter waits for a page

    def sign_in(self) -> tuple[str, str]:
        """The screens adapter's user name and password (CASEBOT_CASESYSTEM_PASSWORD: a secret, never in config)."""
        password = os.environ.get("CASEBOT_CASESYSTEM_PASSWORD", "")
        if not password:
            raise ConfigError('[casesystem] adapter = "screens" signs in to the case system\'s pages: set CASEBOT_CASESYSTEM_PASSWORD '
                              "(and CASEBOT_CASESYSTEM_USER, or user in config/casebot.toml)")
        return os.environ.get("CASEBOT_CASESYSTEM_USER") or self.user, password


class _Gateway(_Service):
    max_concurrency: int = Field(ge=1, le=1000)


class _Schedule(_Strict):
    cron: str = Field(min_length=9)
    timezone: str = Field(min_length=1)
    misfire_grace_seconds: int = Field(ge=1, le=86_400)

    @field_validator("cron")
    @classmethod
    def _cron(cls, cron: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(cron)
        except ValueError as e:
            raise ValueError(f"not a cron expression ({e})") from None
        return cron


class _Retry(_Strict):
    attempts: int = Field(ge=1, le=100)
    seconds: int = Field(ge=1, le=86_400)

    def wait(self, attempt: int) -> timedelta:
        """How long to wait after the attempt-th failure: seconds, doubled each time, at most an hour."""
        return min(timedelta(seconds=self.seconds * 2 ** (attempt - 1)), timedelta(hours=1))


class _Sample(_Strict):
    share: float = Field(ge=0.0, le=1.0)


class _Logs(_Strict):
    keep_days: int = Field(ge=1, le=3650)
    dir: str = ""  # the log folder; empty: CASEBOT_LOG_DIR, else logs/ beside data/


class _Alerts(_Strict):
    email_to: list[str] = Field(default=[], max_length=50)
    email_from: str = "casebot@localhost"
    smtp_host: str = ""  # empty: no email
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_starttls: bool = False
    smtp_user: str = ""  # its password from CASEBOT_SMTP_PASSWORD, never from this file
    webhook_url: str = ""  # empty: no webhook
    failed_runs_in_a_row: int = Field(default=3, ge=1, le=1000)

    @field_validator("webhook_url")
    @classmethod
    def _url(cls, url: str) -> str:
        if url and not url.startswith(("http://", "https://")):
            raise ValueError(f"not an http(s) URL: {url!r}")
        return url


class _Metrics(_Strict):
    port: int = Field(default=0, ge=0, le=65_535)  # 0: no /health or /metrics endpoint
    host: str = "127.0.0.1"


class Settings(_Strict):
    """config/casebot.toml: how the worker runs."""

    worker: _Worker
    retry: _Retry
    sample: _Sample
    database: _Database
    casesystem: _CaseSystem
    ssbtek: _Gateway
    schedule: _Schedule
    logs: _Logs
    alerts: _Alerts = _Alerts()
    metrics: _Metrics = _Metrics()


def load_settings(path: Path | None = None) -> Settings:
    """config/casebot.toml, with CASEBOT_DATABASE_URL, CASEBOT_CASESYSTEM_URL, CASEBOT_SSBTEK_URL and
    CASEBOT_CASESYSTEM_ADAPTER on top."""
    settings: Settings = _parse(Settings, path or config_dir() / "casebot.toml")
    settings = with_urls(settings, **{k: os.environ.get(f"CASEBOT_{k.upper()}_URL") for k in ("database", "casesystem", "ssbtek")})
    if adapter := os.environ.get("CASEBOT_CASESYSTEM_ADAPTER"):
        if adapter not in ("api", "screens"):
            raise ConfigError(f"CASEBOT_CASESYSTEM_ADAPTER={adapter!r}: the case-system adapter is api or screens")
        settings = settings.model_copy(update={"casesystem": settings.casesystem.model_copy(update={"adapter": adapter})})
    return settings


def with_urls(settings: Settings, **urls: str | None) -> Settings:
    """The settings with other URLs for database, casesystem or ssbtek (None keeps the configured one)."""
    return settings.model_copy(update={k: getattr(settings, k).model_copy(update={"url": v}) for k, v in urls.items() if v})
