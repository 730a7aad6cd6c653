"""What the payment commands record and refuse, read on the pure commands the desk runs.

Each test reaches a failed payment through the desk (whose gateway answers
"pending" and fails when told), then calls the domain command on the claim
as the desk holds it: the refusals below must come from the command itself,
whatever the desk checks before it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, Claim, Money, ReimbursementDesk, Role
from reimbursement.claims import EventType
from reimbursement.domain import commands as cmd
from reimbursement.errors import ValidationError
from support import FINANCE, REVIEWER, gateway, payment_reference, submitted

BANK = Actor("bank-callback", Role.SYSTEM)
APPROVED = Money("42.50", "EUR")


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(settle_immediately=False)


def failed(desk: ReimbursementDesk) -> Claim:
    """A claim of 42.50 whose first payment the gateway failed, as the desk holds it."""
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    desk.pay(FINANCE, claim.id)
    reference = payment_reference(desk, claim.id)
    gateway(desk).fail(reference, "IBAN unknown")
    desk.fail_payment(BANK, claim.id, reference, "IBAN unknown")
    return desk.get(FINANCE, claim.id)


def refusal(call: Callable[[], object]) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value


def test_each_retry_records_the_number_of_its_attempt(desk: ReimbursementDesk) -> None:
    claim = failed(desk)
    retried = cmd.retry_payment(claim, FINANCE, claim.updated_at)
    event = retried.events[-1]
    assert event.type is EventType.PAYMENT_RETRIED
    assert event.data == {"attempt": "2"}
    assert retried.payment is not None
    assert (retried.payment.attempt, retried.payment.idempotency_key) == (
        2,
        f"{claim.id}:payment:2",
    )


@pytest.mark.parametrize("account", ["", "   ", "\t"])
def test_an_empty_payee_account_is_refused_at_its_argument(
    desk: ReimbursementDesk, account: str
) -> None:
    claim = failed(desk)
    customer = Actor.customer(claim.customer_id)
    error = refusal(lambda: cmd.change_payee(claim, customer, claim.updated_at, account))
    assert [p.path for p in error.problems] == ["account"]
    assert "is empty: give the account to pay into" in str(error)


def test_an_account_that_is_no_account_is_refused_at_its_argument(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    customer = Actor.customer(claim.customer_id)
    error = refusal(
        lambda: cmd.change_payee(claim, customer, claim.updated_at, "DE00 not-an-iban")
    )
    assert [p.path for p in error.problems] == ["account"]


def test_a_payee_change_records_its_attempt_and_the_account_ending(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    customer = Actor.customer(claim.customer_id)
    changed = cmd.change_payee(claim, customer, claim.updated_at, " DE89370400440532013000 ")
    assert changed.events[-1].type is EventType.PAYEE_CHANGED
    assert changed.events[-1].data["attempt"] == "2"
    assert changed.claimant.payee_account == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("end", "says"),
    [
        (cmd.fail_payment, "say why the payment failed"),
        (cmd.cancel_payment, "say why the payment is cancelled"),
    ],
    ids=["fail", "cancel"],
)
def test_ending_a_payment_needs_a_reason_and_records_it(
    desk: ReimbursementDesk, end: Callable[..., Claim], says: str
) -> None:
    claim = desk.approve(REVIEWER, submitted(desk).id)
    desk.approve_payment(FINANCE, claim.id)
    desk.pay(FINANCE, claim.id)
    held = desk.get(FINANCE, claim.id)
    error = refusal(lambda: end(held, FINANCE, held.updated_at, "  "))
    assert [p.path for p in error.problems] == ["reason"]
    assert says in str(error)
    ended = end(held, FINANCE, held.updated_at, "no news from the bank")
    assert ended.events[-1].reason == "no news from the bank"
    assert ended.payment is not None
    assert ended.payment.failure_reason == "no news from the bank"


def test_a_discrepancy_records_the_attempt_reference_and_amount(desk: ReimbursementDesk) -> None:
    claim = failed(desk)
    assert claim.payment is not None
    reference = claim.payment.gateway_reference
    assert reference is not None
    reported = cmd.report_discrepancy(claim, BANK, claim.updated_at, reference)
    event = reported.events[-1]
    assert event.type is EventType.PAYMENT_DISCREPANCY
    assert event.data == {"attempt": "1", "reference": reference, "amount": str(APPROVED)}
