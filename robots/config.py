"""Load and validate the parameters in config/: riksnorm tables and the local policy.

Every problem is reported as one line naming the file, the key and what is wrong, so an operator can
fix a table without reading code. The rules receive plain frozen data (robots.rules.parameters).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from robots.rules.parameters import AGENCIES, LUNCH_KEYS, PERSONAL_KEYS, Amount, NormTable, Policy
from robots.synthetic import MUTATIONS, SeedMix

# The repository's config/ directory; CASEBOT_CONFIG_DIR points elsewhere (a municipality's own).
CONFIG_DIR = Path(os.environ.get("CASEBOT_CONFIG_DIR") or Path(__file__).resolve().parent.parent / "config")


class ConfigError(Exception):
    """A configuration file is missing or wrong; the message says which file, key and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an amount in whole kronor, not true/false")
    if isinstance(value, int):
        return {"amount": value}
    if isinstance(value, dict):
        return value
    raise ValueError("must be an amount in whole kronor (an integer) or a table like { amount = 3940, provisional = true }")


class _Cell(_Strict):
    amount: int = Field(ge=0)
    provisional: bool = False
    confidence: Literal["confirmed", "medium"] | None = None


Cell = Annotated[_Cell, BeforeValidator(_cell)]
Kronor = Annotated[int, Field(ge=0, strict=True)]


class _TableInfo(_Strict):
    name: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    valid_from: date
    valid_to: date
    unit: Literal["SEK per month"]
    source: str = Field(min_length=1)
    prisbasbelopp: int = Field(gt=0)
    prisbasbelopp_source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> _TableInfo:
        if not (self.valid_from.year == self.year == self.valid_to.year and self.valid_from <= self.valid_to):
            raise ValueError(f"valid_from and valid_to must lie within {self.year}, in that order")
        return self


_PersonalCosts = create_model("_PersonalCosts", __base__=_Strict, **{k: (Cell, ...) for k in PERSONAL_KEYS})
_LunchCosts = create_model("_LunchCosts", __base__=_Strict, **{k: (Cell, ...) for k in LUNCH_KEYS})


class _NormFile(_Strict):
    table: _TableInfo
    personal_costs: _PersonalCosts  # type: ignore[valid-type]
    personal_costs_lunch_outside_home: _LunchCosts | None = None  # type: ignore[valid-type]
    common_costs: dict[int, Cell]

    @field_validator("common_costs")
    @classmethod
    def _sizes(cls, costs: dict[int, _Cell]) -> dict[int, _Cell]:
        if sorted(costs) != list(range(1, 8)):
            raise ValueError(f"must have exactly the household sizes 1 to 7, has {sorted(costs)}")
        return costs


class _PolicyInfo(_Strict):
    name: str = Field(min_length=1)
    valid_from: date
    source: str = Field(min_length=1)
    delegation: str = Field(min_length=1)


class _RentCeiling(_Strict):
    one_adult: Kronor
    two_adults: Kronor
    with_children: list[Kronor] = Field(min_length=1)


class _Income(_Strict):
    tolerance: Kronor


class _Assets(_Strict):
    buffer: Kronor


class _AmountLimit(_Strict):
    limit: Kronor


Agency = Literal[AGENCIES]  # type: ignore[valid-type]


class _Registry(_Strict):
    adult_sources: list[Agency] = Field(min_length=1)
    child_sources: list[Agency] = Field(min_length=1)
    fetch_attempts: int = Field(ge=1, le=100)
    fetch_retry_seconds: int = Field(ge=1, le=86_400)


class _Sample(_Strict):
    share: float = Field(ge=0.0, le=1.0)


class _PolicyFile(_Strict):
    policy: _PolicyInfo
    rent_ceiling: _RentCeiling
    income: _Income
    assets: _Assets
    amount: _AmountLimit
    registry: _Registry
    sample: _Sample


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def _parse(model: type[BaseModel], path: Path) -> Any:
    try:
        return model.model_validate(_read_toml(path))
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None


def _amount(cell: _Cell) -> Amount:
    return Amount(cell.amount, cell.provisional)


def load_norm_table(path: Path) -> NormTable:
    f: _NormFile = _parse(_NormFile, path)
    if path.stem != str(f.table.year):
        raise ConfigError(f"{path}: table.year: is {f.table.year}, but the file is named for {path.stem}")
    lunch = f.personal_costs_lunch_outside_home
    return NormTable(
        name=f.table.name,
        year=f.table.year,
        valid_from=f.table.valid_from,
        valid_to=f.table.valid_to,
        source=f.table.source,
        prisbasbelopp=f.table.prisbasbelopp,
        personal={k: _amount(getattr(f.personal_costs, k)) for k in PERSONAL_KEYS},
        lunch_outside_home={k: _amount(getattr(lunch, k)) for k in LUNCH_KEYS} if lunch else {},
        common=tuple(_amount(f.common_costs[n]) for n in range(1, 8)),
    )


def load_norms(directory: Path | None = None) -> dict[int, NormTable]:
    """Every riksnorm table in the directory (one <year>.toml per year), keyed by year."""
    directory = directory or CONFIG_DIR / "norms"
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory of norm tables")
    tables = {}
    for path in sorted(directory.glob("*.toml")):
        table = load_norm_table(path)
        tables[table.year] = table
    if not tables:
        raise ConfigError(f"{directory}: holds no norm table (<year>.toml)")
    return tables


def load_policy(path: Path | None = None) -> Policy:
    path = path or CONFIG_DIR / "policy.toml"
    f: _PolicyFile = _parse(_PolicyFile, path)
    return Policy(
        name=f.policy.name,
        valid_from=f.policy.valid_from,
        source=f.policy.source,
        delegation=f.policy.delegation,
        rent_ceiling_one_adult=f.rent_ceiling.one_adult,
        rent_ceiling_two_adults=f.rent_ceiling.two_adults,
        rent_ceiling_with_children=tuple(f.rent_ceiling.with_children),
        income_tolerance=f.income.tolerance,
        asset_buffer=f.assets.buffer,
        amount_limit=f.amount.limit,
        adult_sources=tuple(f.registry.adult_sources),
        child_sources=tuple(f.registry.child_sources),
        fetch_attempts=f.registry.fetch_attempts,
        fetch_retry_seconds=f.registry.fetch_retry_seconds,
        sample_share=f.sample.share,
    )


class _SeedFile(_Strict):
    clean: float = Field(ge=0.0, le=1.0)
    reasons: dict[str, float]

    @field_validator("reasons")
    @classmethod
    def _known(cls, reasons: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(reasons) - set(MUTATIONS))
        if unknown:
            raise ValueError(f"unknown reasons {unknown}; known: {sorted(MUTATIONS)}")
        if any(w < 0 for w in reasons.values()):
            raise ValueError("weights must be 0 or more")
        return reasons

    @model_validator(mode="after")
    def _some(self) -> _SeedFile:
        if self.clean < 1 and not any(self.reasons.values()):
            raise ValueError("with clean below 1, at least one reason needs a weight above 0")
        return self


def load_seed_mix(path: Path | None = None) -> SeedMix:
    """The mix of synthetic applications (config/seed.toml)."""
    f: _SeedFile = _parse(_SeedFile, path or CONFIG_DIR / "seed.toml")
    return SeedMix(clean=f.clean, weights={k: v for k, v in f.reasons.items() if v > 0})


class _Worker(_Strict):
    robot_id: str = Field(min_length=1, max_length=100)
    batch_size: int = Field(ge=1, le=10_000)
    lease_seconds: int = Field(ge=1, le=86_400)
    claim_seconds: int = Field(ge=60, le=7 * 86_400)


class _Database(_Strict):
    url: str = ""


class _Service(_Strict):
    url: str = Field(min_length=1)


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


class Settings(_Strict):
    """config/casebot.toml: how the worker runs."""

    worker: _Worker
    database: _Database
    casesystem: _Service
    ssbtek: _Gateway
    schedule: _Schedule


def load_settings(path: Path | None = None) -> Settings:
    """config/casebot.toml, with CASEBOT_DATABASE_URL, CASEBOT_CASESYSTEM_URL and CASEBOT_SSBTEK_URL on top."""
    settings: Settings = _parse(Settings, path or CONFIG_DIR / "casebot.toml")
    return with_urls(settings, **{k: os.environ.get(f"CASEBOT_{k.upper()}_URL") for k in ("database", "casesystem", "ssbtek")})


def with_urls(settings: Settings, **urls: str | None) -> Settings:
    """The settings with other URLs for database, casesystem or ssbtek (None keeps the configured one)."""
    return settings.model_copy(update={k: getattr(settings, k).model_copy(update={"url": v}) for k, v in urls.items() if v})
