"""The fast path of the contract check: types derived from the JSON Schemas and the limits, checked in C.

Nearly every application and register answer keeps the contract. For those, `plainly_valid` answers yes in
a few microseconds: msgspec converts the value to types made here from the schema, with the limits of
robots.contract.limits as constraints (integers, never floats or booleans, within their field's limit;
strings within their length; lists within their count; no property the schema does not name), and a strict
copy of the schema, every free string held to what text may hold, is run by jsonschema-rs (enums, patterns,
formats, required fields, as the contract's own). Anything else (a float, an unknown property, a string that
is no text, a value beyond a limit, a schema error) answers no, and robots.contract.validate then looks the
long way and names every problem. So a yes is only given where the long way finds nothing:
tests/unit/test_typed_contract.py holds the two to that on hostile variants of generated households.

The types are made from the schema, not written beside it: a keyword this module does not know stops the
first check (and the tests), so a change in the contract cannot pass the fast path unexamined.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Union

import jsonschema_rs
import msgspec

from robots.contract import SCHEMAS
from robots.contract.limits import (
    FREE_TEXT,
    MAX_AMOUNT,
    MAX_ASSETS,
    MAX_DECLARED_INCOMES,
    MAX_DWELLING_SIZE,
    MAX_INT_DIGITS,
    MAX_MEMBERS,
    MAX_MONTHS_ON_ASSISTANCE,
    MAX_OTHER_COSTS,
    MAX_REGISTER_ITEMS,
    MAX_STRING_CHARS,
    NOT_FREE_TEXT,
    NOT_TEXT,
)

# What a string may hold (limits.py); a lone surrogate neither msgspec nor jsonschema-rs takes.
_TEXT = f"^[^{NOT_TEXT}]*$"
_FREE_TEXT = f"^[^{NOT_FREE_TEXT}]*$"
_LARGEST = 10**MAX_INT_DIGITS - 1

# The most an integer may be, and the most entries a list or map may have, by where it is ("*": any property
# or entry). An integer in no row may be anything of at most MAX_INT_DIGITS digits; a list in none, any length.
_APPLICATION_LIMITS = {
    "integer": {("costs", "*"): MAX_AMOUNT, ("costs", "other", "*", "amount"): MAX_AMOUNT,
                ("declared_incomes", "*", "amount"): MAX_AMOUNT, ("assets", "*"): MAX_ASSETS,
                ("household", "dwelling_size"): MAX_DWELLING_SIZE, ("history", "previous_rent"): MAX_AMOUNT,
                ("history", "child_earnings_this_year", "*"): MAX_AMOUNT,
                ("history", "consecutive_months_on_assistance"): MAX_MONTHS_ON_ASSISTANCE},
    "entries": {("costs", "other"): MAX_OTHER_COSTS, ("declared_incomes",): MAX_DECLARED_INCOMES,
                ("household", "members"): MAX_MEMBERS, ("history", "previous_members"): MAX_MEMBERS,
                ("history", "child_earnings_this_year"): MAX_MEMBERS},
}
_REGISTER_LIMITS = {
    "integer": {("sources", "*", "*", "*", field): MAX_AMOUNT for field in ("amount", "gross", "tax_withheld")},
    "entries": {("sources", "*", "*"): MAX_REGISTER_ITEMS},
}
LIMITS = {"application": _APPLICATION_LIMITS, "registry": _REGISTER_LIMITS}

# Keywords the compiled schema validator checks after the conversion: the types need not express them.
_LEFT_TO_THE_SCHEMA = frozenset({"enum", "const", "pattern", "format", "minimum", "minLength", "minItems", "required",
                                 "propertyNames", "description", "default", "title", "$schema", "$id"})
_SHAPE = frozenset({"type", "properties", "additionalProperties", "items", "allOf", "maxLength"})


class UnknownKeyword(ValueError):
    """The schema uses a keyword the fast path was not made for: look at it before trusting the types."""


def _limit(limits: dict, kind: str, path: tuple) -> int | None:
    for pattern, most in limits.get(kind, {}).items():
        if len(pattern) == len(path) and all(p in ("*", q) for p, q in zip(pattern, path)):
            return most
    return None


def _type(schema: dict, path: tuple, limits: dict, name: str) -> object:
    """The msgspec type of values of `schema` at `path` (property names, "*" for entries)."""
    unknown = set(schema) - _LEFT_TO_THE_SCHEMA - _SHAPE
    if unknown:
        raise UnknownKeyword(f"{'.'.join(path) or name}: {sorted(unknown)}")
    for part in schema.get("allOf", ()):  # the agencies' shared status part: its properties and kinds merged in
        schema = {**part, **{k: v for k, v in schema.items() if k != "allOf"},
                  "properties": {**part.get("properties", {}), **schema.get("properties", {})}}
        if set(part) - _LEFT_TO_THE_SCHEMA - _SHAPE:
            raise UnknownKeyword(f"{'.'.join(path) or name}: allOf {sorted(set(part) - _LEFT_TO_THE_SCHEMA - _SHAPE)}")
    kinds = schema.get("type")
    if kinds is None:  # an enum or const alone: the kinds of its values
        values = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if values is None:
            raise UnknownKeyword(f"{'.'.join(path) or name}: a value of no stated type")
        kinds = sorted({_KIND[type(v)] for v in values})
    kinds = [kinds] if isinstance(kinds, str) else kinds
    made = [_of_kind(kind, schema, path, limits, name) for kind in kinds]
    return made[0] if len(made) == 1 else Union[tuple(made)]  # noqa: UP007 - a Union made at run time


_KIND = {str: "string", int: "integer", bool: "boolean", type(None): "null"}


def _of_kind(kind: str, schema: dict, path: tuple, limits: dict, name: str) -> object:
    if kind == "string":  # what it may hold the strict schema says (Rust's regex is many times faster than re)
        return Annotated[str, msgspec.Meta(max_length=min(schema.get("maxLength", MAX_STRING_CHARS), MAX_STRING_CHARS))]
    if kind == "integer":
        most = _limit(limits, "integer", path)
        return Annotated[int, msgspec.Meta(ge=-_LARGEST, le=_LARGEST if most is None else most)]
    if kind == "boolean":
        return bool
    if kind == "null":
        return None
    if kind == "array":
        item = _type(schema.get("items", {}), path + ("*",), limits, name)
        most = _limit(limits, "entries", path)
        return Annotated[list[item], msgspec.Meta(max_length=most)] if most is not None else list[item]
    if kind == "object":
        return _object(schema, path, limits, name)
    raise UnknownKeyword(f"{'.'.join(path) or name}: type {kind!r}")


def _object(schema: dict, path: tuple, limits: dict, name: str) -> object:
    extra = schema.get("additionalProperties", True)
    if isinstance(extra, dict):  # a map (a child's earnings by personnummer)
        if schema.get("properties"):
            raise UnknownKeyword(f"{'.'.join(path) or name}: named properties beside a map")
        key = Annotated[str, msgspec.Meta(max_length=MAX_STRING_CHARS, pattern=_TEXT)]
        most = _limit(limits, "entries", path)
        value = _type(extra, path + ("*",), limits, name)
        return Annotated[dict[key, value], msgspec.Meta(max_length=most)] if most is not None else dict[key, value]
    # An object whose schema lets other properties in is closed here all the same: an unknown property goes
    # the long way, which looks into it.
    fields = [(prop, _type(sub, path + (prop,), limits, name) | msgspec.UnsetType, msgspec.UNSET)
              for prop, sub in schema.get("properties", {}).items()]
    return msgspec.defstruct("_".join((name,) + path) or name, fields, forbid_unknown_fields=True)


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def contract_type(name: str) -> object:
    """The type of schemas/<name>.schema.json with the limits, made once."""
    return _type(_schema(name), (), LIMITS.get(name, {}), name)


def _texts_only(schema: object, field: str = "") -> object:
    """The schema with every string that is not already held to a pattern, a set of values or a format held to
    what text may hold."""
    if isinstance(schema, list):
        return [_texts_only(s, field) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            out[key] = {name: _texts_only(sub, name) for name, sub in value.items()}
        elif key in ("description", "title", "enum", "const", "default"):
            out[key] = value
        else:
            out[key] = _texts_only(value, field)
    kinds = schema.get("type")
    if ("string" in kinds if isinstance(kinds, list) else kinds == "string") and not {"pattern", "enum", "const", "format"} & set(schema):
        out["pattern"] = _FREE_TEXT if field in FREE_TEXT else _TEXT
    return out


@cache
def strict_validator(name: str) -> jsonschema_rs.Validator:
    """The contract's schema <name>, formats checked, with its free strings held to what text may hold."""
    return jsonschema_rs.validator_for(_texts_only(_schema(name)), validate_formats=True)


@cache
def _checks(name: str) -> tuple[object, jsonschema_rs.Validator]:
    return contract_type(name), strict_validator(name)


def plainly_valid(name: str, value: object) -> bool:
    """Whether `value` keeps the contract `name` and every limit, in the common case's few microseconds;
    False also for whatever the fast path cannot tell about: robots.contract.validate looks further."""
    kind, strict = _checks(name)
    try:
        msgspec.convert(value, kind)
        return strict.is_valid(value)
    except Exception:  # noqa: BLE001 - any refusal (a type, a limit, a lone surrogate, a str that is a subclass) means: look the long way
        return False

