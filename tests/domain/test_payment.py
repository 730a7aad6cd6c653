"""What a customer text may show of an account: its last characters, never all of it."""

from __future__ import annotations

import pytest

from reimbursement.domain.payment import PaymentStatus, account_ending


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        ("DE12 5001 0517", "0517"),  # at most four
        ("1234567", "567"),  # never more than half
        ("12 34", "34"),
        ("AB", "B"),
        ("A", ""),
        ("", ""),
        ("--//", ""),  # only letters and digits count
    ],
)
def test_an_account_ending_shows_at_most_four_and_never_half(account: str, shown: str) -> None:
    assert account_ending(account) == shown


def test_only_a_failed_or_cancelled_attempt_is_over() -> None:
    assert {s for s in PaymentStatus if s.is_over} == {
        PaymentStatus.FAILED,
        PaymentStatus.CANCELLED,
    }
