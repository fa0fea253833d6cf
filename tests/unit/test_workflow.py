"""The workflow: every state has its allowed moves, and a move it does not allow is refused."""

import pytest

from robots.workflow import ALLOWED, OPEN, TO_WRITE, IllegalMove, State, check


def test_every_state_has_its_moves_and_done_states_have_none():
    assert set(ALLOWED) == set(State)
    assert {s for s, to in ALLOWED.items() if not to} == {State.WRITTEN, State.WITHDRAWN}
    assert set(TO_WRITE) <= OPEN and State.WITH_CASEWORKER not in OPEN  # with a person, not the robot


@pytest.mark.parametrize("frm,to", [
    (State.NEW, State.CLAIMED), (State.NEW, State.READY), (State.CLAIMED, State.WAITING), (State.WAITING, State.WAITING),
    (State.READY, State.REFERRED), (State.DECIDED, State.READY), (State.REFERRED, State.WITH_CASEWORKER),
    (State.WITH_CASEWORKER, State.CASEWORKER_DECIDED), (State.CASEWORKER_DECIDED, State.WRITTEN),
    (State.WITH_CASEWORKER, State.NEW), (State.FAILED, State.CLAIMED), (State.FAILED, State.CASEWORKER_DECIDED),
])
def test_allowed_moves(frm, to):
    check(frm, to)


@pytest.mark.parametrize("frm,to", [
    (State.NEW, State.WRITTEN), (State.WRITTEN, State.READY), (State.WITH_CASEWORKER, State.WRITTEN),
    (State.REFERRED, State.WRITTEN), (State.FAILED, State.WRITTEN), (State.WRITTEN, State.WITHDRAWN),
    (State.WITH_CASEWORKER, State.DECIDED),
])
def test_a_move_the_workflow_does_not_allow_is_refused(frm, to):
    with pytest.raises(IllegalMove, match=f"from {frm} to {to}"):
        check(frm, to)
