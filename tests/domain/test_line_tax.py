"""A line's tax: the tax included in its amount, as the receipt or invoice states it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reimbursement import Actor, Claim, ClaimPatch, LineInput, LinePatch, Money, from_data, to_data
from reimbursement.claims import NO_TAX
from reimbursement.domain import commands as cmd
from reimbursement.errors import ValidationError
from reimbursement.testing import AT, draft

DAY = date(2026, 2, 27)
CUSTOMER = Actor.customer("cust-1")


def _same(amount: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return amount, None


def _line(tax: Money | None = None) -> LineInput:
    return LineInput("dental", DAY, "Praxis Weber", Money("119.00", "EUR"), tax=tax)


def _update(claim: Claim, patch: ClaimPatch) -> Claim:
    return cmd.update_draft(claim, CUSTOMER, AT, patch, _same)


def _with(line: LineInput) -> Claim:
    return _update(draft("claim-t"), ClaimPatch(add_lines=[line]))


def test_a_line_keeps_its_tax_and_a_patch_changes_it() -> None:
    claim = _with(_line(Money("19.00", "EUR")))
    line_id = claim.lines[-1].id
    assert claim.lines[-1].tax == Money("19.00", "EUR")
    fixed = _update(claim, ClaimPatch(change_lines=[LinePatch(line_id, tax=Money("7.79", "EUR"))]))
    assert fixed.lines[-1].tax == Money("7.79", "EUR")
    assert fixed.lines[-1].amount == Money("119.00", "EUR")
    moved = _update(fixed, ClaimPatch(change_lines=[LinePatch(line_id, provider="Dr. Weber")]))
    assert moved.lines[-1].tax == Money("7.79", "EUR")  # a patch of other fields keeps it


def test_a_patch_takes_the_tax_away_with_no_tax_and_keeps_a_zero_tax() -> None:
    claim = _with(_line(Money("19.00", "EUR")))
    line_id = claim.lines[-1].id
    zero = _update(claim, ClaimPatch(change_lines=[LinePatch(line_id, tax=Money("0", "EUR"))]))
    assert zero.lines[-1].tax == Money("0", "EUR")  # exempt: a tax the receipt states
    cleared = _update(zero, ClaimPatch(change_lines=[LinePatch(line_id, tax=NO_TAX)]))
    assert cleared.lines[-1].tax is None
    assert cleared.lines[-1].amount == Money("119.00", "EUR")
    again = _update(cleared, ClaimPatch(change_lines=[LinePatch(line_id, tax=NO_TAX)]))
    assert again.lines[-1].tax is None
    patch = LinePatch(line_id, tax=NO_TAX)
    assert to_data(patch)["tax"] == "no_tax"
    assert from_data(to_data(patch), LinePatch) == patch
    with pytest.raises(ValidationError) as raised:
        LinePatch(line_id, tax="no tax")  # type: ignore[arg-type]
    assert [p.path for p in raised.value.problems] == ["tax"]


def test_a_line_without_a_stated_tax_has_none() -> None:
    assert _with(_line()).lines[-1].tax is None


@pytest.mark.parametrize(
    ("tax", "message"),
    [
        (Money("19.00", "USD"), "is in USD, the line's amount is in EUR"),
        (Money("-1.00", "EUR"), "must be zero or more, got -1.00 EUR"),
        (Money("119.01", "EUR"), "119.01 EUR is more than the line's amount 119.00 EUR"),
    ],
)
def test_a_tax_that_is_not_part_of_the_amount_is_refused(tax: Money, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _with(_line(tax))
    (problem,) = raised.value.problems
    assert problem.path == "add_lines[0].tax"
    assert message in problem.message


def test_lowering_the_amount_below_the_tax_is_refused() -> None:
    claim = _with(_line(Money("19.00", "EUR")))
    lowered = LinePatch(claim.lines[-1].id, amount=Money("10.00", "EUR"))
    with pytest.raises(ValidationError) as raised:
        _update(claim, ClaimPatch(change_lines=[lowered]))
    (problem,) = raised.value.problems
    assert problem.path == f"change_lines[{lowered.line_id}].tax"
    assert "19.00 EUR is more than the line's amount 10.00 EUR" in problem.message


def test_a_tax_of_the_wrong_type_is_refused_when_the_input_is_made() -> None:
    with pytest.raises(ValidationError, match="tax"):
        LineInput("dental", DAY, "Weber", Money("1", "EUR"), tax="19.00")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tax"):
        LinePatch("L1", tax=Decimal("19.00"))  # type: ignore[arg-type]
