"""The contract with the case system and the register gateway: JSON Schemas and their validation.

The schemas in schemas/ are the project's copy of the shared contract; examples/ holds a worked example.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema_rs

HERE = Path(__file__).parent
SCHEMAS = HERE / "schemas"
EXAMPLES = HERE / "examples"


@cache
def validator(name: str) -> jsonschema_rs.Validator:
    """A compiled validator for schemas/<name>.schema.json, formats (date, date-time) checked."""
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)
