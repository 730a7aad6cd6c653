"""Payment attempts: their idempotency keys, and what a customer text may show of an account."""

from __future__ import annotations

import pytest

from reimbursement.domain.payment import (
    PaymentStatus,
    account_ending,
    attempt_key,
    split_attempt_key,
)
from reimbursement.testing import approved, assigned, draft, paid, submitted


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


def test_an_attempts_key_names_its_claim_and_number_and_splits_back() -> None:
    assert attempt_key("c:1", 3) == "c:1:payment:3"
    assert split_attempt_key(attempt_key("c:1", 3)) == ("c:1", "3")
    assert split_attempt_key("a:payment:b:payment:2") == ("a:payment:b", "2")  # the last infix
    assert split_attempt_key("gw-991") is None  # a key of another form


def test_a_claims_payment_is_keyed_by_its_claim_and_attempt() -> None:
    (payment,) = paid(approved(assigned(submitted(draft("c-7"))))).payments
    assert payment.idempotency_key == attempt_key("c-7", 1) == "c-7:payment:1"
