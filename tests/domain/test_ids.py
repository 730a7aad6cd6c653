"""Line and message ids: numbered after the last one, unique, and found by id on any claim."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import ClaimPatch, LineInput, LinePatch, Money
from reimbursement.domain import commands as cmd
from reimbursement.domain._ids import next_ids, position
from reimbursement.domain.actors import Actor
from reimbursement.testing import AT, draft

CUSTOMER = Actor.customer("cust-1")
LINE = LineInput("pharmacy", date(2026, 2, 27), "City Pharmacy", Money("10.00", "EUR"))


def same(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


# each step: lines to add, which existing lines (by position) to remove, and one to change
patches = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.lists(st.integers(0, 40), max_size=2, unique=True),
        st.integers(0, 40) | st.none(),
    ),
    max_size=12,
)


@given(patches)
def test_ids_stay_unique_and_every_line_is_found_by_its_id(
    steps: list[tuple[int, list[int], int | None]],
) -> None:
    claim = draft("C-1")
    for added, removed, changed in steps:
        ids = [line.id for line in claim.lines]
        remove = tuple(dict.fromkeys(ids[i] for i in removed if i < len(ids)))
        kept = [i for i in ids if i not in remove]
        change = (
            (LinePatch(kept[changed], description=f"changed {changed}"),)
            if changed is not None and changed < len(kept)
            else ()
        )
        patch = ClaimPatch(add_lines=(LINE,) * added, change_lines=change, remove_lines=remove)
        claim = cmd.update_draft(claim, CUSTOMER, AT, patch, same)
        ids = [line.id for line in claim.lines]
        assert len(set(ids)) == len(ids)
        assert all(claim.line(i).id == i for i in ids)
        numbers = [int(i[1:]) for i in ids]
        assert numbers == sorted(numbers)  # the order the binary search relies on
        for item in change:
            assert claim.line(item.line_id).description == item.description
    assert all(position(claim.lines, "L", i) is None for i in ("L0", "L01", "X1", "L", ""))


def test_a_claim_whose_lines_are_out_of_order_is_still_searched_right() -> None:
    claim = cmd.start_draft("C-2", draft("x").claimant, "EUR", CUSTOMER, AT, [LINE] * 5, same)
    shuffled = attrs.evolve(claim, lines=tuple(reversed(claim.lines)))
    assert [position(shuffled.lines, "L", f"L{n}") for n in range(1, 6)] == [4, 3, 2, 1, 0]
    assert shuffled.line("L2").id == "L2"


def test_ids_are_numbered_after_the_last_item() -> None:
    claim = cmd.start_draft("C-3", draft("x").claimant, "EUR", CUSTOMER, AT, [LINE] * 3, same)
    assert next_ids("L", claim.lines)() == "L4"
    messages = cmd.post_message(cmd.post_message(claim, CUSTOMER, AT, "a"), CUSTOMER, AT, "b")
    assert [m.id for m in messages.messages] == ["M1", "M2"]
    # ids not made by the commands: numbered after the highest that is
    foreign = attrs.evolve(claim, lines=(*claim.lines[:2], attrs.evolve(claim.lines[2], id="x")))
    assert next_ids("L", foreign.lines)() == "L3"
