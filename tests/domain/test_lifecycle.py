"""The lifecycle table agrees with the transitions machine it is compiled from, and the docs."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from transitions import Machine, MachineError

from reimbursement import ClaimState
from reimbursement.claims import LIFECYCLE, Action
from reimbursement.domain.authorization import ROLE_ACTIONS
from reimbursement.errors import InvalidTransitionError


class Cursor:
    """A plain object bound to a throw-away copy of the machine."""


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ClaimState, Action)), ids=str)
def test_compiled_table_agrees_with_transitions(state: ClaimState, action: Action) -> None:
    cursor = Cursor()
    definition = LIFECYCLE.machine
    Machine(
        model=cursor,
        states=list(definition.states),
        transitions=[
            {"trigger": name, "source": source, "dest": t.dest}
            for name, event in definition.events.items()
            for source, ts in event.transitions.items()
            for t in ts
        ],
        initial=state.value,
        auto_transitions=False,
    )
    try:
        getattr(cursor, action.value)()
    except MachineError:
        assert not LIFECYCLE.can(state, action)
        with pytest.raises(InvalidTransitionError) as caught:
            LIFECYCLE.target("c-1", state, action)
        assert caught.value.allowed == tuple(a.value for a in LIFECYCLE.allowed(state))
    else:
        assert LIFECYCLE.target("c-1", state, action).value == cursor.state  # type: ignore[attr-defined]


def test_final_states_allow_nothing() -> None:
    for state in ClaimState:
        assert (LIFECYCLE.allowed(state) == ()) is state.is_final


def test_every_state_is_reachable_from_draft() -> None:
    reached = {ClaimState.DRAFT}
    frontier = [ClaimState.DRAFT]
    while frontier:
        state = frontier.pop()
        for action in LIFECYCLE.allowed(state):
            nxt = LIFECYCLE.target("c", state, action)
            if nxt not in reached:
                reached.add(nxt)
                frontier.append(nxt)
    assert reached == set(ClaimState)


def test_every_action_has_a_role() -> None:
    for action in Action:
        assert any(action in actions for actions in ROLE_ACTIONS.values()), action


def test_docs_show_the_current_diagram_and_table() -> None:
    page = (Path(__file__).parents[2] / "docs" / "lifecycle.md").read_text()
    assert LIFECYCLE.mermaid() in page
    for state in ClaimState:
        cells = []
        for action in LIFECYCLE.allowed(state):
            roles = ", ".join(r.value for r, acts in ROLE_ACTIONS.items() if action in acts)
            dest = LIFECYCLE.target("x", state, action)
            shown = "(stays)" if dest is state else dest.value
            cells.append(f"`{action}` → {shown} ({roles})")
        row = f"| `{state}` | {'<br>'.join(cells) if cells else '— (final)'} |"
        assert row in page, f"docs/lifecycle.md is out of date for {state}"
