"""Line and message ids: numbered after the last one, unique, and found by id on any claim."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Claim, ClaimPatch, LineInput, LinePatch, Money
from reimbursement.claims import check_claim
from reimbursement.domain import commands as cmd
from reimbursement.domain._ids import next_ids, position
from reimbursement.domain.actors import Actor
from reimbursement.errors import ValidationError
from reimbursement.serialization import from_data, from_json, to_data, to_json
from reimbursement.testing import AT, assigned, draft, returned, submitted

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
    ever: set[str] = {line.id for line in claim.lines}
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
        before = set(ids)
        claim = cmd.update_draft(claim, CUSTOMER, AT, patch, same)
        ids = [line.id for line in claim.lines]
        assert not (set(ids) - before) & ever  # a new line never takes an id seen before
        ever |= set(ids)
        assert len(set(ids)) == len(ids)
        assert all(claim.line(i).id == i for i in ids)
        numbers = [int(i[1:]) for i in ids]
        assert numbers == sorted(numbers)  # the order the binary search relies on
        for item in change:
            assert claim.line(item.line_id).description == item.description
    assert all(position(claim.lines, "L", i) is None for i in ("L0", "L01", "X1", "L", ""))
    check_claim(claim)
    assert from_json(to_json(claim), Claim) == claim


def test_removing_the_last_line_never_frees_its_id() -> None:
    claim = cmd.start_draft("C-4", draft("x").claimant, "EUR", CUSTOMER, AT, [LINE] * 3, same)
    claim = cmd.update_draft(claim, CUSTOMER, AT, ClaimPatch(remove_lines=("L3",)), same)
    claim = cmd.update_draft(claim, CUSTOMER, AT, ClaimPatch(add_lines=(LINE,)), same)
    assert [line.id for line in claim.lines] == ["L1", "L2", "L4"]
    every = ClaimPatch(remove_lines=("L1", "L2", "L4"))
    claim = cmd.update_draft(claim, CUSTOMER, AT, every, same)
    assert claim.lines == ()
    assert claim.last_line_number == 4
    claim = cmd.update_draft(claim, CUSTOMER, AT, ClaimPatch(add_lines=(LINE,)), same)
    assert [line.id for line in claim.lines] == ["L5"]
    assert from_json(to_json(claim), Claim).last_line_number == 5  # kept where it is stored


def test_a_line_removed_on_resubmission_is_not_the_id_of_the_line_added() -> None:
    claim = returned(assigned(submitted(draft("C-5", lines=(("taxi", "9.0"), ("bus", "9.0"))))))
    fix = ClaimPatch(add_lines=(LINE,), remove_lines=("L2",))
    later = AT + timedelta(days=2)
    fixed = cmd.resubmit(claim, CUSTOMER, later, fix, same, require_receipts=False)
    assert [line.id for line in fixed.lines] == ["L1", "L3"]
    with pytest.raises(KeyError):
        fixed.line("L2")  # a decision or document that named L2 finds nothing, not L3


def test_a_stored_claim_that_reuses_a_removed_lines_id_is_refused() -> None:
    claim = cmd.start_draft("C-6", draft("x").claimant, "EUR", CUSTOMER, AT, [LINE] * 2, same)
    claim = cmd.update_draft(claim, CUSTOMER, AT, ClaimPatch(remove_lines=("L2",)), same)
    data = to_data(claim)
    data["lines"].append({**data["lines"][0], "id": "L2"})  # the old bug's claim
    data["last_line_number"] = 0  # as stored before the number was kept
    with pytest.raises(ValidationError) as raised:
        from_data(data, Claim)
    assert "lines[1].id: claim C-6: 'L2' is the id of a removed line" in str(raised.value)
    data["lines"][1]["id"] = "L7"
    data["last_line_number"] = 2
    with pytest.raises(
        ValidationError, match="last_line_number: claim C-6: is 2, but the claim has a line L7"
    ):
        from_data(data, Claim)


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
