"""JSON from outside is parsed by robots.contract.safe_json: refused with one line naming the problem, before
it can cost time or memory, or become a value Python would make of it (a huge int, NaN, a lone surrogate)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robots.contract.limits import MAX_BODY_BYTES, MAX_DEPTH, MAX_INT_DIGITS
from robots.contract.safe_json import (
    TooLarge,
    UnsafeJSON,
    _may_nest_deeper,
    _scan,
    load_json,
)

LIMITS = {"max_bytes": MAX_BODY_BYTES, "max_depth": MAX_DEPTH, "max_int_digits": MAX_INT_DIGITS}


def refusal(data) -> str:
    with pytest.raises(UnsafeJSON) as e:
        load_json(data, **LIMITS)
    message = str(e.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("data,expected", [
    ("[" * 100_000, "nested deeper than 32 levels (line 1, column 33)"),
    ('{"a":\n' + "[" * 40 + "]" * 40 + "}", "nested deeper than 32 levels (line 2, column 32)"),
    ("1" * 5_000, "an integer with more than 15 digits (line 1, column 1)"),
    ('{"rent": -' + "9" * 16 + "}", "an integer with more than 15 digits (line 1, column 10)"),
    ("NaN", "NaN is not a number JSON allows"),
    ('{"rent": Infinity}', "Infinity is not a number JSON allows"),
    ("[-Infinity]", "-Infinity is not a number JSON allows"),
    ("[1e999]", "too large to be represented"),
    ('{"kind": "\\ud800"}', "lone surrogate"),
    ('{"\\udc00": 1}', "lone surrogate"),
    ('["\\ude00\\ud83d"]', "lone surrogate"),  # a pair in the wrong order is two lone halves
    (b'{"message": "\xff"}', "not UTF-8 text (an invalid byte at offset 13)"),
    (b'"\xed\xa0\x80"', "not UTF-8 text"),  # a surrogate encoded in UTF-8 is no UTF-8
    ('{"application_id": "A",', "not valid JSON (line 1, column 24: Expecting property name enclosed in double quotes)"),
    ("", "not valid JSON (line 1, column 1: Expecting value)"),
    ("<html>", "not valid JSON (line 1, column 1: Expecting value)"),
])
def test_what_is_refused_and_the_one_line_naming_it(data, expected):
    assert expected in refusal(data)


def test_a_body_above_the_limit_is_too_large_before_anything_is_decoded():
    with pytest.raises(TooLarge, match="too large: more than 262144 bytes \\(256 KiB\\)"):
        load_json(b"\xff" * (MAX_BODY_BYTES + 1), **LIMITS)
    with pytest.raises(TooLarge):
        load_json("ö" * (MAX_BODY_BYTES // 2 + 1), **LIMITS)  # counted in bytes, not characters
    assert load_json(b" " * (MAX_BODY_BYTES - 2) + b"{}", **LIMITS) == {}


def test_the_limits_themselves_are_taken():
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, **LIMITS) is not None
    assert load_json("-" + "9" * MAX_INT_DIGITS, **LIMITS) == -(10**MAX_INT_DIGITS - 1)


@pytest.mark.parametrize("text", [
    '"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
    '"\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["',
    '"12345678901234567890"',
    '"\\\\ud800"',  # an escaped backslash, then text: no surrogate
])
def test_brackets_digits_and_escapes_inside_strings_are_text(text):
    assert load_json(text, **LIMITS) == json.loads(text)


def test_floats_pass_so_that_validation_can_name_the_field():
    assert load_json('{"rent": 7200.0, "electricity": 72e2, "other": 1.5, "long": 123456789012345678.5}', **LIMITS) == {
        "rent": 7200.0, "electricity": 7200.0, "other": 1.5, "long": 123456789012345678.5}
    assert load_json("[1.00000000000000000000000001, 1e-0000000000000000000001]", **LIMITS) == [1.0, 0.1]


def test_pairs_of_surrogates_and_a_byte_order_mark_are_fine():
    assert load_json('["\\ud83d\\ude00"]', **LIMITS) == ["😀"]
    assert load_json("\ufeff{}".encode(), **LIMITS) == {}


def test_a_string_already_decoded_is_checked_the_same():
    assert "lone surrogate" in refusal('"\ud800"')
    assert load_json('{"a": [1, 2]}', **LIMITS) == {"a": [1, 2]}


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet='[]{}"\\a,:', max_size=60), st.integers(1, 6))
def test_the_quick_look_at_nesting_never_lets_through_what_the_scan_refuses(text, depth):
    """_may_nest_deeper's False spares the scan: only where the scan, which finds where, finds nothing."""
    if not _may_nest_deeper(text.encode(), depth):
        _scan(text, depth, MAX_INT_DIGITS)
