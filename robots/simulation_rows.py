"""What a what-if simulation needs of each decision the robot makes, kept beside it as one packed row.

A simulation re-decides a recorded month under other parameters. Parsing every recorded application again
costs about 0.3 ms a household; a month of a large city would take half a minute. So the decide bot, which
has the parsed case in hand, keeps with each decision its features for robots/rules/batch.py (everything the
rules need that no parameter changes) and a digest of the decision itself (outcome, amount, entitlement,
reasons, household type), as WIDTH little-endian int64s in `simulation_rows`. `casebot simulate` reads a
month of them in one query. A row is derived data: `row_for` makes it from the recorded inputs, the same
function for the bot and for the recorded decisions that have none (decided before rows were kept, or under
another LAYOUT), and the per-case re-run stays the reference it is tested against.
"""

from __future__ import annotations

import hashlib

import numpy as np

from robots.rules import batch
from robots.rules.agencies import AGENCIES
from robots.rules.case import Case
from robots.rules.engine import RULES_VERSION

# The digest of the recorded decision, after the features: granted (0/1), the amount granted, whether a
# calculation was made (0/1), its deficit, the reasons (batch.BIT), adults and children by role (-1: unknown).
DIGEST = ("granted", "amount", "made", "deficit", "reasons", "adults", "children")
WIDTH = batch.WIDTH + len(DIGEST)
# What the columns mean and the rules that filled them (a changed rule may parse, count or check otherwise):
# a row packed under another layout is made again from the recorded inputs.
LAYOUT = hashlib.sha256("|".join((RULES_VERSION, *batch.COLUMNS, *batch.CODES, *AGENCIES, *DIGEST)).encode()).hexdigest()[:16]


def household(application: dict) -> tuple[int, int]:
    """(adults, children) by role in the application as filed; (-1, -1) when it has no list of members."""
    household = application.get("household")
    members = household.get("members") if isinstance(household, dict) else None
    if not isinstance(members, list):
        return -1, -1
    adults = sum(isinstance(m, dict) and m.get("role") in ("applicant", "partner") for m in members)
    return adults, sum(isinstance(m, dict) and m.get("role") == "child" for m in members)


def digest(application: dict, decision: dict, bits: dict[str, int] = batch.BIT) -> list[int] | None:
    """The decision's digest (DIGEST), reasons as `bits`; None when it gives a reason `bits` has no bit for
    (an older rule's)."""
    reasons = 0
    for r in decision.get("reasons", []):
        if r["code"] not in bits:
            return None
        reasons |= bits[r["code"]]
    calculation = decision.get("calculation") or {}
    made = calculation.get("made") is not False and "deficit" in calculation
    granted = decision["outcome"] == "granted"
    return [int(granted), decision.get("amount", 0) if granted else 0, int(made), calculation["deficit"] if made else 0, reasons,
            *household(application)]


def row_for(application: dict, case: Case | None, decision: dict) -> bytes | None:
    """The packed row of one decision: `case` as the rules parsed it (None for an application that broke
    the contract). None when the decision cannot be put in a row (then it is re-run case by case)."""
    recorded = digest(application, decision)
    if recorded is None:
        return None
    return np.array([*(batch.row(case) if case is not None else batch.INVALID), *recorded], dtype="<i8").tobytes()


def unpack(rows: list[bytes]) -> np.ndarray:
    """Packed rows as one int64 matrix, a household a row."""
    return np.frombuffer(b"".join(rows), dtype="<i8").reshape(len(rows), WIDTH).astype(np.int64)
