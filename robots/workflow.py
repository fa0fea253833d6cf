"""The life of a work item: its states, the transitions allowed between them, and `move`, the one way a
state changes. A move checks the transition and writes its audit event in the same call; bots, the
console and the operators' commands never assign a state themselves.

    NEW ──▶ CLAIMED ──▶ (WAITING ──▶) READY ──▶ DECIDED ──▶ WRITTEN                 the robot grants
     │                                  │   ◀──┘ (paid elsewhere: decide again)
     │                                  └────▶ REFERRED ──▶ WITH_CASEWORKER ──▶ CASEWORKER_DECIDED ──▶ WRITTEN
     └──▶ READY (breaks the contract: referred without register data)
    any open state ──▶ FAILED (a person must look) · NEW/CLAIMED/WAITING/DECIDED/REFERRED ──▶ WITHDRAWN (someone else has it)
    WITH_CASEWORKER ──▶ NEW: a caseworker sends it back to the robot (after a register outage, say)
    FAILED ──▶ where it failed from: an operator requeues it (robots/casework.py, `requeue`)
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update


class State(StrEnum):
    NEW = "NEW"  # known, application not yet claimed from the case system
    CLAIMED = "CLAIMED"  # claimed; register data to fetch
    WAITING = "WAITING"  # a fetch failed; tried again at next_attempt_at
    READY = "READY"  # register data in (or none needed); to decide
    DECIDED = "DECIDED"  # granted; to write back
    REFERRED = "REFERRED"  # referred to a caseworker; to write back
    WITH_CASEWORKER = "WITH_CASEWORKER"  # the referral is written back: a caseworker decides
    CASEWORKER_DECIDED = "CASEWORKER_DECIDED"  # a caseworker's decision, to write back
    WRITTEN = "WRITTEN"  # a decision is recorded in the case system (a grant paid once)
    FAILED = "FAILED"  # a problem nobody can retry away: a person must look
    WITHDRAWN = "WITHDRAWN"  # not ours after all: another robot or a person took it first


S = State
ALLOWED: dict[State, frozenset[State]] = {
    S.NEW: frozenset({S.CLAIMED, S.READY, S.WITHDRAWN, S.FAILED}),
    S.CLAIMED: frozenset({S.WAITING, S.READY, S.WITHDRAWN, S.FAILED}),
    S.WAITING: frozenset({S.WAITING, S.READY, S.WITHDRAWN, S.FAILED}),
    S.READY: frozenset({S.DECIDED, S.REFERRED, S.FAILED, S.WITHDRAWN}),  # WITHDRAWN: a person took it over
    # READY: the ledger pays a member elsewhere; WITHDRAWN: a person decided it in the case system meanwhile
    S.DECIDED: frozenset({S.WRITTEN, S.READY, S.FAILED, S.WITHDRAWN}),
    S.REFERRED: frozenset({S.WITH_CASEWORKER, S.FAILED, S.WITHDRAWN}),
    S.WITH_CASEWORKER: frozenset({S.CASEWORKER_DECIDED, S.NEW}),  # NEW: sent back to the robot
    S.CASEWORKER_DECIDED: frozenset({S.WRITTEN, S.FAILED, S.WITHDRAWN}),
    S.WRITTEN: frozenset(),
    # An operator sends a failed item back to where it failed: to be claimed, fetched, decided or written again.
    S.FAILED: frozenset({S.NEW, S.CLAIMED, S.READY, S.DECIDED, S.REFERRED, S.CASEWORKER_DECIDED, S.WITH_CASEWORKER,
                         S.WITHDRAWN}),  # WITHDRAWN: a person resolved it, or took it over
    S.WITHDRAWN: frozenset(),
}
# States in which the robot still has work to do; the rest are with a person, or done.
OPEN = frozenset({S.NEW, S.CLAIMED, S.WAITING, S.READY, S.DECIDED, S.REFERRED, S.CASEWORKER_DECIDED})
# Decisions waiting to be written back to the case system.
TO_WRITE = (S.DECIDED, S.REFERRED, S.CASEWORKER_DECIDED)


class IllegalMove(Exception):
    """A transition the workflow does not allow: a bug, never an input problem."""


def check(frm: str, to: State) -> None:
    if to not in ALLOWED[State(frm)]:
        raise IllegalMove(f"a work item cannot go from {frm} to {to}")


def move(store, session, item, to: State, step: str, run_id: str | None = None, **detail) -> None:
    """Change the item's state to `to`, checked against ALLOWED, with its audit event `step` (the detail
    names both states). The caller's transaction holds both, so neither happens without the other."""
    check(item.state, to)
    frm, item.state = item.state, to
    store.audit(session, step, {"from": str(frm), "to": str(to), **detail}, item.id, run_id)


def move_many(store, session, step: str, moves: list[tuple[object, State, dict, dict]], run_id: str | None = None) -> None:
    """Many moves of one step in bulk statements, for bots that record a batch at a time: (item, to,
    other column values, audit detail) each, each checked as `move` checks it."""
    rows, events = [], []
    for item, to, values, detail in moves:
        check(item.state, to)
        rows.append({"id": item.id, "state": to, **values})
        events.append((item.id, {"from": str(item.state), "to": str(to), **detail}))
    if rows:
        session.execute(update(type(moves[0][0])), rows)
        store.audit_many(session, step, events, run_id)
