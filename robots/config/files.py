"""What every loader of config/ shares: where the folder is, reading TOML, and errors as one line naming
the file, the key and the problem."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


def config_dir() -> Path:
    """The configuration folder: CASEBOT_CONFIG_DIR (a municipality's own), else the bundled config/.
    Read when asked, never at import, so that a process can be pointed elsewhere before it loads anything."""
    from robots.folders import bundled

    return Path(os.environ.get("CASEBOT_CONFIG_DIR") or bundled("config"))


class ConfigError(Exception):
    """A configuration file is missing or wrong; the message says which file, key and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
