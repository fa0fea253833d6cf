"""Load and validate the parameters in config/ (riksnorm tables, the local policy's versions, the worker's
settings) and the law's dated references (robots/rules/law.toml).

Every problem is reported as one line naming the file, the key and what is wrong, so an operator can
fix a table without reading code. The rules receive plain frozen data (robots.rules.parameters).
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from robots.rules.parameters import (
    AGENCIES,
    LUNCH_KEYS,
    OTHER_ACCEPTABLE_COSTS,
    PERSONAL_KEYS,
    Amount,
    Citation,
    Law,
    NormTable,
    Parameters,
    Policy,
)
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
    valid_from: date
    valid_to: date
    unit: Literal["SEK per month"]
    source: str = Field(min_length=1)
    prisbasbelopp: int = Field(gt=0)
    prisbasbelopp_source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> _TableInfo:
        # The prisbasbelopp is a calendar year's: a table never spans two years.
        if not (self.valid_from.year == self.valid_to.year and self.valid_from <= self.valid_to):
            raise ValueError("valid_from and valid_to must lie within one calendar year, in that order")
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


class _Costs(_Strict):
    accepted_beyond_statute: list[Literal[OTHER_ACCEPTABLE_COSTS]] = []  # type: ignore[valid-type]


Agency = Literal[AGENCIES]  # type: ignore[valid-type]


class _Registry(_Strict):
    adult_sources: list[Agency] = Field(min_length=1)
    child_sources: list[Agency] = Field(min_length=1)


class _PolicyFile(_Strict):
    policy: _PolicyInfo
    rent_ceiling: _RentCeiling
    costs: _Costs
    income: _Income
    assets: _Assets
    amount: _AmountLimit
    registry: _Registry


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def _validate(model: type[BaseModel], content: dict[str, Any], origin: object) -> Any:
    try:
        return model.model_validate(content)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(f"{origin}: {problems}") from None


def _parse(model: type[BaseModel], path: Path) -> Any:
    return _validate(model, _read_toml(path), path)


def canonical(content: dict[str, Any]) -> str:
    """A parameter file's content as canonical JSON: what its digest covers and what the store keeps."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=date.isoformat)


def _identity(content: dict[str, Any]) -> dict[str, str]:
    text = canonical(content)
    return {"content": text, "digest": hashlib.sha256(text.encode()).hexdigest()}


def _amount(cell: _Cell) -> Amount:
    return Amount(cell.amount, cell.provisional)


def norm_table(content: dict[str, Any], origin: object) -> NormTable:
    """A riksnorm table from a file's content (TOML as read, or the canonical JSON a store kept)."""
    f: _NormFile = _validate(_NormFile, content, origin)
    lunch = f.personal_costs_lunch_outside_home
    return NormTable(
        name=f.table.name,
        valid_from=f.table.valid_from,
        valid_to=f.table.valid_to,
        source=f.table.source,
        prisbasbelopp=f.table.prisbasbelopp,
        personal={k: _amount(getattr(f.personal_costs, k)) for k in PERSONAL_KEYS},
        lunch_outside_home={k: _amount(getattr(lunch, k)) for k in LUNCH_KEYS} if lunch else {},
        common=tuple(_amount(f.common_costs[n]) for n in range(1, 8)),
        **_identity(content),
    )


def load_norm_table(path: Path) -> NormTable:
    return norm_table(_read_toml(path), path)


def _dated(versions: list[tuple[Path, Any]], what: str, directory: Path) -> tuple:
    """Versions sorted by valid_from; two in force on one day is an error naming both files."""
    versions.sort(key=lambda pv: pv[1].valid_from)
    for (path_a, a), (path_b, b) in zip(versions, versions[1:]):
        ends = getattr(a, "valid_to", None)
        if a.valid_from == b.valid_from or (ends is not None and b.valid_from <= ends):
            raise ConfigError(f"{path_b}: valid_from {b.valid_from}: {what} {path_a.name} is still in force that day")
    if not versions:
        raise ConfigError(f"{directory}: holds no {what} (*.toml)")
    return tuple(v for _, v in versions)


def load_norms(directory: Path | None = None) -> tuple[NormTable, ...]:
    """Every riksnorm table in the directory, by valid_from. A year may hold several (a change mid-year)."""
    directory = directory or CONFIG_DIR / "norms"
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory of norm tables")
    return _dated([(p, load_norm_table(p)) for p in directory.glob("*.toml")], "norm table", directory)


def policy_version(content: dict[str, Any], origin: object) -> Policy:
    """One version of the local policy from a file's content (TOML as read, or the canonical JSON a store kept)."""
    f: _PolicyFile = _validate(_PolicyFile, content, origin)
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
        accepted_costs=tuple(f.costs.accepted_beyond_statute),
        **_identity(content),
    )


def load_policies(path: Path | None = None) -> tuple[Policy, ...]:
    """The local policy's versions: every *.toml in a directory (default config/policy/), or one file."""
    path = path or CONFIG_DIR / "policy"
    if path.is_dir():
        return _dated([(p, policy_version(_read_toml(p), p)) for p in path.glob("*.toml")], "policy version", path)
    return (policy_version(_read_toml(path), path),)


class _Citation(_Strict):
    valid_from: date
    valid_to: date | None = None
    cite: str = Field(min_length=1)
    source: str = Field(min_length=1)


class _Provision(_Strict):
    what: str = Field(min_length=1)
    versions: list[_Citation] = Field(min_length=1)


LAW_FILE = Path(__file__).resolve().parent / "rules" / "law.toml"


def load_law(path: Path = LAW_FILE) -> Law:
    """The legal references the rules cite, by provision, newest version first."""
    provisions = {}
    for key, content in _read_toml(path).items():
        p: _Provision = _validate(_Provision, content, f"{path}: {key}")
        provisions[key] = tuple(Citation(c.valid_from, c.valid_to, c.cite, c.source)
                                for c in sorted(p.versions, key=lambda c: c.valid_from, reverse=True))
    return Law(provisions)


def load_parameters(norms: Path | None = None, policy: Path | None = None) -> Parameters:
    """Norm tables, policy versions and the law: what the rules read."""
    return Parameters(load_norms(norms), load_policies(policy), load_law())


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


class _Retry(_Strict):
    attempts: int = Field(ge=1, le=100)
    seconds: int = Field(ge=1, le=86_400)

    def wait(self, attempt: int) -> timedelta:
        """How long to wait after the attempt-th failure: seconds, doubled each time, at most an hour."""
        return min(timedelta(seconds=self.seconds * 2 ** (attempt - 1)), timedelta(hours=1))


class _Sample(_Strict):
    share: float = Field(ge=0.0, le=1.0)


class Settings(_Strict):
    """config/casebot.toml: how the worker runs."""

    worker: _Worker
    retry: _Retry
    sample: _Sample
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
