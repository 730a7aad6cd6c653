"""The checks of outside values that several modules share (``domain/checks.py``)."""

from __future__ import annotations

import pytest

from reimbursement.domain.checks import require_count
from reimbursement.errors import ValidationError


@pytest.mark.parametrize("count", [1, 2, 10**12])
def test_a_count_of_1_or_more_is_kept_as_given(count: int) -> None:
    assert require_count("limit", count) == count


@pytest.mark.parametrize("count", [0, -3, True, False, 2.0, "5", None])
def test_a_count_that_is_no_whole_number_of_1_or_more_is_refused_at_its_path(
    count: object,
) -> None:
    with pytest.raises(ValidationError) as refused:
        require_count("delivery.batch", count)
    (problem,) = refused.value.problems
    assert problem.path == "delivery.batch"
    assert problem.message == f"must be a whole number of 1 or more, got {count!r}"
