"""Dated parameters: riksnorm tables (config/norms/), the local policy's versions (config/policy/) and the
law's references (robots/rules/law.toml), validated and turned into the frozen data the rules read."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from robots.config.files import ConfigError, _read_toml, _Strict, _validate, config_dir
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
    referral_delegation: str | None = Field(default=None, min_length=1)


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
    directory = directory or config_dir() / "norms"
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
        referral_delegation=f.policy.referral_delegation,
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
    path = path or config_dir() / "policy"
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


LAW_FILE = Path(__file__).resolve().parent.parent / "rules" / "law.toml"


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
