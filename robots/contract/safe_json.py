"""JSON from outside, parsed so that it cannot cost what it likes or turn into what Python would make of it.

`load_json` refuses, with one English line that names the problem and never quotes the input:

* a body larger than `max_bytes` (`TooLarge`, checked before anything is decoded);
* text that is not UTF-8;
* nesting deeper than `max_depth`, found by an iterative scan that skips string contents, before the
  parser (which recurses) sees it;
* an integer literal with more than `max_int_digits` digits, before Python's int parser does any work;
* NaN, Infinity, -Infinity, and a number too large for a float (1e999);
* a string (or a property name) holding a lone surrogate ("\\ud800" written as an escape);
* anything that is not JSON at all, with its line and column.

Floats are let through as Python floats, so that validation can name the field that holds one.
The limits callers use are in robots.contract.limits.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache

__all__ = ["TooLarge", "UnsafeJSON", "load_json"]


class UnsafeJSON(ValueError):
    """The JSON cannot be taken; str() is one English line naming the problem."""


class TooLarge(UnsafeJSON):
    """Larger than the byte limit (HTTP 413)."""


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a lone surrogate gets into valid UTF-8 JSON


_A_STRING = r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?'  # a string, escapes and all, even unterminated


@cache
def _scanner(max_int_digits: int) -> re.Pattern:
    """What the depth scan stops at: a string (skipped whole, even unterminated), a bracket, or an
    integer part longer than allowed (not a fraction's or an exponent's digits, not a float's)."""
    return re.compile(_A_STRING + r"|[\[\]{}]" + rf"|(?<![\w.+\-])-?[0-9]{{{max_int_digits + 1},}}(?![0-9.eE])")


_STRING = re.compile(_A_STRING.encode())  # as the scan skips one
_NOT_QUOTES_OR_BRACKETS = bytes(b for b in range(256) if b not in b'"[]{}')
_ROUND = bytes.maketrans(b"[{]}", b"(())")
_DIGITS_AS_ZERO = bytes.maketrans(bytes(range(256)), bytes(48 if 48 <= b <= 57 else 32 for b in range(256)))


def _may_nest_deeper(data: bytes, max_depth: int) -> bool:
    """False when the JSON plainly nests no deeper than max_depth: its brackets outside strings, balanced,
    emptied of innermost pairs level by level, all in C. True sends it to the scan, which finds where."""
    if b"\\" in data:  # strings with escapes: skipped as the scan skips them
        marks = _STRING.sub(b"", data).translate(None, _NOT_QUOTES_OR_BRACKETS)
    else:  # all but quotes and brackets gone, then the strings: pairs of quotes side by side first (any two,
        # which keeps every bracket on its side), what is inside the others by splitting
        marks = data.translate(None, _NOT_QUOTES_OR_BRACKETS).replace(b'""', b"")
        if b'"' in marks:
            marks = b"".join(marks.split(b'"')[::2])  # an unterminated string is left out whole
    brackets = marks.translate(_ROUND)
    for _ in range(max_depth):
        if b"()" not in brackets:
            break
        brackets = brackets.replace(b"()", b"")
    return bool(brackets)


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _human(n: int) -> str:
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def _scan(text: str, max_depth: int, max_int_digits: int) -> None:
    depth = 0
    for m in _scanner(max_int_digits).finditer(text):
        c = text[m.start()]
        if c == '"':
            continue
        if c in "[{":
            depth += 1
            if depth > max_depth:
                raise UnsafeJSON(f"nested deeper than {max_depth} levels ({_where(text, m.start())})")
        elif c in "]}":
            depth -= 1
        else:
            raise UnsafeJSON(f"an integer with more than {max_int_digits} digits ({_where(text, m.start())})")


def _has_lone_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def load_json(data: bytes | str, *, max_bytes: int, max_depth: int, max_int_digits: int) -> object:
    """The parsed JSON value; UnsafeJSON (TooLarge for size) with one line when it cannot be taken."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if len(data) > max_bytes:
            raise TooLarge(f"too large: more than {max_bytes} bytes ({_human(max_bytes)})")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnsafeJSON(f"not UTF-8 text (an invalid byte at offset {e.start})") from None
    else:
        text = data
        if len(text) > max_bytes:
            raise TooLarge(f"too large: more than {max_bytes} bytes ({_human(max_bytes)})")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as e:  # only a lone surrogate cannot be encoded
            if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
                raise TooLarge(f"too large: more than {max_bytes} bytes ({_human(max_bytes)})") from None
            raise UnsafeJSON(f"holds a lone surrogate, which is no character ({_where(text, e.start)})") from None
        if len(data) > max_bytes:
            raise TooLarge(f"too large: more than {max_bytes} bytes ({_human(max_bytes)})")
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write one
    # The scan only when it can find something: most bodies have no long run of digits, and nest plainly less
    # deep than the limit (which a count of brackets, then their pairs, tells many times faster). Both looked
    # for in the UTF-8 bytes, where no byte of a multi-byte character is an ASCII digit or bracket.
    long_digits = b"0" * (max_int_digits + 1) in data.translate(_DIGITS_AS_ZERO)
    if long_digits or (data.count(b"[") + data.count(b"{") > max_depth and _may_nest_deeper(data, max_depth)):
        _scan(text, max_depth, max_int_digits)

    def integer(literal: str) -> int:
        if len(literal) - literal.startswith("-") > max_int_digits:  # the scan finds these first; a backstop
            raise UnsafeJSON(f"an integer with more than {max_int_digits} digits")
        return int(literal)

    def real(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            raise UnsafeJSON("a number too large to be represented (it would be Infinity)")
        return value

    def constant(name: str) -> object:
        raise UnsafeJSON(f"{name} is not a number JSON allows")

    try:
        value = json.loads(text, parse_int=integer if long_digits else None, parse_float=real, parse_constant=constant)
    except json.JSONDecodeError as e:
        raise UnsafeJSON(f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:  # cannot happen after the scan; never let it out as a crash
        raise UnsafeJSON(f"nested deeper than {max_depth} levels") from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise UnsafeJSON("holds a lone surrogate (an escape such as \\ud800 without its pair), which is no character")
    return value
