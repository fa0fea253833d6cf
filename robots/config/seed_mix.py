"""The mix of synthetic applications `casebot seed` and the demo file (config/seed.toml)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from robots.config.files import _parse, _Strict, config_dir
from robots.synthetic import MUTATIONS, SeedMix


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
    f: _SeedFile = _parse(_SeedFile, path or config_dir() / "seed.toml")
    return SeedMix(clean=f.clean, weights={k: v for k, v in f.reasons.items() if v > 0})
