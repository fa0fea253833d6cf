"""The contract check's fast path (robots/contract/typed.py) answers exactly as the long way does: on generated
households, on hostile variants of them (a float, a value beyond its limit, a string that is no text, an
unknown property, anything put anywhere), and at each limit's edge."""

import copy
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robots.contract.limits import MAX_REGISTER_ITEMS, MAX_STRING_CHARS
from robots.contract.typed import LIMITS, UnknownKeyword, _type, plainly_valid
from robots.contract.validate import (
    all_problems,
    all_registry_sources,
    application_problems,
    registry_sources,
)
from robots.synthetic import MUTATIONS, case_for

PERIOD = "2026-03"
REASONS = [None, *sorted(MUTATIONS)]


def household(seed: int) -> tuple[dict, list[dict]]:
    rng = random.Random(seed)
    return case_for(rng, f"T-{seed}", PERIOD, REASONS[seed % len(REASONS)])


def places(value, path=()):
    """Every (path, value) inside a JSON value, the value itself first."""
    yield path, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, child in items:
        yield from places(child, path + (k,))


def put(value, path, new):
    if not path:
        return new
    value = copy.deepcopy(value)
    parent = value
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = new
    return value


class Odd(str):
    """A str that is not one: what a caller, not JSON, could hand in."""


HOSTILE = [
    0, -1, 1, 30, 31, 1200, 1201, 1_000_000, 1_000_001, 100_000_000, 100_000_001, 10**15 - 1, 10**15, -(10**15), 2**64,
    0.0, 7200.0, 0.5, True, False, None, "", "ok", "error", "x" * 32, "x" * 501, "x" * MAX_STRING_CHARS,
    "x" * (MAX_STRING_CHARS + 1), "rad\nett", "tab\tin", "bell\x07", "del\x7f", "c1\x85", "rtl\u202e", "iso\u2068",
    "lone\ud800", "2026-03", "2026-13", "2026-03-02", "2026-02-30", "19810105-4859", Odd("ok"),
    {}, [], {"x": 1}, [1.0], ["x"] * (MAX_REGISTER_ITEMS + 1), [{}] * 51, {"status": "ok"}, {"status": "error", "error": "down"},
]


def same_verdict(application: object, answers: list[object]) -> None:
    if isinstance(application, dict):  # what is no object at all is refused before either way looks
        assert application_problems(application) == all_problems(application)
    for answer in answers:
        if isinstance(answer, dict):
            assert registry_sources(answer, PERIOD) == all_registry_sources(answer, PERIOD)


def test_generated_households_take_the_fast_path_and_answer_as_the_long_way():
    fast = 0
    for seed in range(300):
        application, answers = household(seed)
        same_verdict(application, answers)
        fast += plainly_valid("application", application) and all(plainly_valid("registry", a) for a in answers)
    assert fast >= 290, fast  # only the invalid applications among them (one reason in 19) go the long way


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.integers(0, 10_000), st.data())
def test_a_hostile_value_anywhere_gets_the_same_answer_either_way(seed, data):
    application, answers = household(seed)
    target = data.draw(st.sampled_from(["application", *range(len(answers))]))
    value = application if target == "application" else answers[target]
    path, _ = data.draw(st.sampled_from(list(places(value))))
    new = data.draw(st.sampled_from(HOSTILE))
    if data.draw(st.booleans()) and isinstance(_at(value, path), dict):  # or an unknown property beside the others
        changed = put(value, path, {**_at(value, path), data.draw(st.sampled_from(["extra", "FK", "status", "note"])): new})
    else:
        changed = put(value, path, copy.deepcopy(new))
    if target == "application":
        same_verdict(changed, [])
    else:
        same_verdict(application, [changed])


def _at(value, path):
    for k in path:
        value = value.get(k) if isinstance(value, dict) else None
    return value


ROWS = [(name, kind, pattern, most) for name, kinds in sorted(LIMITS.items()) for kind, rows in kinds.items() for pattern, most in rows.items()]


@pytest.mark.parametrize("name,kind,pattern,most", ROWS, ids=[f"{n}:{'.'.join(p)}" for n, _, p, _ in ROWS])
def test_each_limit_lets_its_edge_in_and_keeps_one_more_out(name, kind, pattern, most):
    """Every row of the limits, at the most it takes and one more, on the first households where its place is."""
    checked = 0
    for seed in range(60):
        application, answers = household(seed)
        for value in [application] if name == "application" else answers:
            found_here = [(path, found) for path, found in places(value)
                          if len(path) == len(pattern) and all(p in ("*", q) for p, q in zip(pattern, path))]
            if not found_here and "*" not in pattern and isinstance(_at(value, pattern[:-1]), dict):
                found_here = [(pattern, 1)]  # an optional field the household leaves out: put in
            for path, found in found_here:
                if kind == "integer" and type(found) is int:
                    edges = [most, most + 1]
                elif kind == "entries" and isinstance(found, (list, dict)) and found:
                    entry = next(iter(found.items())) if isinstance(found, dict) else found[0]
                    edges = [_entries(entry, most, found), _entries(entry, most + 1, found)]
                else:
                    continue
                for edge in edges:
                    changed = put(value, path, edge)
                    same_verdict(changed, []) if name == "application" else same_verdict(application, [changed])
                checked += 1
        if checked >= 3:
            return
    assert checked, f"no household has a place of {'.'.join(pattern)}"


def _entries(entry, n: int, like):
    """n copies of a list's entry, or a map of n entries like one of its own."""
    if isinstance(like, dict):
        key, value = entry
        return {f"{key[:-4]}{i:04d}": value for i in range(n)}
    return [copy.deepcopy(entry) for _ in range(n)]


def test_a_keyword_the_fast_path_was_not_made_for_stops_it():
    with pytest.raises(UnknownKeyword, match="oneOf"):
        _type({"type": "object", "properties": {"x": {"oneOf": [{"type": "integer"}]}}}, (), {}, "t")
