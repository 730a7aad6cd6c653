"""A new payee account after a failed payment: the customer's own word, or a second person.

Each change is on the customer's timeline and in a notification that shows
the account's last characters only, in the customer's language.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reimbursement import Actor, Claim, ClaimState, CustomerProfile, ReimbursementDesk
from reimbursement.claims import EventType, PaymentStatus
from reimbursement.errors import AuthorizationError, FourEyesError
from support import ANA, BEN, FINANCE, PROFILES, REVIEWER, gateway, notifier, submitted

S = ClaimState
NEW_ACCOUNT = "DE36 5001 0517 0000 0005 17"
FINANCE_2 = Actor.finance("fin-2", "Femi")


def failed(desk: ReimbursementDesk, customer: Actor = ANA) -> Claim:
    """A claim of ``customer``'s whose payment the bank refused."""
    claim = desk.approve(REVIEWER, submitted(desk, customer).id)
    account = claim.claimant.payee_account
    gateway(desk).failing_accounts[account] = "account closed"
    desk.approve_payment(FINANCE, claim.id)
    done = desk.pay(FINANCE, claim.id)
    del gateway(desk).failing_accounts[account]
    assert done.state is S.PAYMENT_FAILED
    return done


def test_the_customer_gives_a_corrected_account_that_finance_then_verifies(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    assert "change_payee" in desk.track(ANA, claim.id).customer_actions
    answered = desk.change_payee_account(ANA, claim.id, NEW_ACCOUNT)
    assert answered.state is S.PAYMENT_REQUESTED
    assert answered.claimant.payee_account == NEW_ACCOUNT
    changed = desk.get(FINANCE, claim.id)  # the customer is answered their part only
    attempt = changed.payments[-1]
    assert (attempt.payee_account, attempt.status, attempt.payee_changed_by) == (
        NEW_ACCOUNT,
        PaymentStatus.REQUESTED,
        None,  # the customer's own word
    )
    assert gateway(desk).payouts == []
    desk.approve_payment(FINANCE, claim.id)  # finance verifies: the one who approved attempt 1
    paid = desk.pay(FINANCE, claim.id)
    assert paid.state is S.PAID
    assert [p.payee_account for p in gateway(desk).payouts] == [NEW_ACCOUNT]


def test_a_change_is_on_the_timeline_and_notified_with_the_account_ending_only(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    desk.change_payee_account(FINANCE_2, claim.id, NEW_ACCOUNT)
    entry = desk.track(ANA, claim.id).timeline[-1]
    assert entry.event is EventType.PAYEE_CHANGED
    assert entry.title == "Payment account changed"
    assert "account ending 0517" in entry.detail
    assert "If you did not ask for this" in entry.detail
    (notice,) = [n for n in notifier(desk).to(ANA.id) if n.event is EventType.PAYEE_CHANGED]
    assert "account ending 0517" in notice.body
    desk.approve_payment(FINANCE, claim.id)
    paid = desk.pay(FINANCE, claim.id)
    said = [entry.detail for entry in desk.track(ANA, claim.id).timeline]
    assert said[-1] == "42.50 EUR to the account ending 0517"
    everything = str(desk.track(ANA, claim.id)) + str(notifier(desk).to(ANA.id))
    assert NEW_ACCOUNT not in everything
    assert "5001" not in everything
    assert paid.paid_total == paid.approved_total


def test_a_chinese_speaking_customer_reads_the_change_in_chinese(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    li = Actor.customer("cust-li")
    profile = CustomerProfile(
        "cust-li", "Li Wei", "POL-300", "EUR", language="zh-CN", payee_account="622202111122228333"
    )
    desk = make_desk(customers=[*PROFILES, profile])
    claim = failed(desk, li)
    desk.change_payee_account(li, claim.id, "6222021234567880517")
    entry = desk.track(li, claim.id).timeline[-1]
    assert entry.title == "收款账户已更改"
    assert "尾号为 0517 的账户" in entry.detail
    assert "7890" not in entry.detail


def test_only_the_claims_customer_or_finance_changes_its_account(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    for actor, error in (
        (BEN, AuthorizationError),  # another customer
        (REVIEWER, AuthorizationError),  # a reviewer has no say in payments
        (Actor("payments-bot", "system"), AuthorizationError),
        (Actor.finance(ANA.id), FourEyesError),  # the claimant in a finance role
    ):
        with pytest.raises(error):
            desk.change_payee_account(actor, claim.id, NEW_ACCOUNT)
    assert desk.get(FINANCE, claim.id) == claim


def test_the_finance_person_who_gave_an_account_never_approves_retries_or_sends_it(
    desk: ReimbursementDesk,
) -> None:
    claim = failed(desk)
    desk.change_payee_account(FINANCE_2, claim.id, NEW_ACCOUNT)
    with pytest.raises(FourEyesError, match="gave the payee account"):
        desk.approve_payment(FINANCE_2, claim.id)
    desk.approve_payment(FINANCE, claim.id)
    gateway(desk).failing_accounts[NEW_ACCOUNT] = "blocked"
    again = desk.pay(FINANCE, claim.id)
    assert again.state is S.PAYMENT_FAILED
    with pytest.raises(FourEyesError, match="gave the payee account"):
        desk.retry_payment(FINANCE_2, claim.id)  # the account is still the one they gave
    retried = desk.retry_payment(FINANCE, claim.id)
    assert retried.payments[-1].payee_changed_by == FINANCE_2.id
    del gateway(desk).failing_accounts[NEW_ACCOUNT]
    with pytest.raises(FourEyesError):
        desk.pay(FINANCE_2, claim.id)
    assert gateway(desk).payouts == []
    assert desk.pay(FINANCE, claim.id).state is S.PAID


def test_the_customers_own_account_clears_a_staff_change(desk: ReimbursementDesk) -> None:
    claim = failed(desk)
    desk.change_payee_account(FINANCE_2, claim.id, NEW_ACCOUNT)
    desk.approve_payment(FINANCE, claim.id)
    gateway(desk).failing_accounts[NEW_ACCOUNT] = "blocked"
    desk.pay(FINANCE, claim.id)
    desk.change_payee_account(ANA, claim.id, "DE44 3704 0044 0000 0011 11")
    mine = desk.get(FINANCE, claim.id)
    assert mine.payments[-1].payee_changed_by is None
    assert desk.approve_payment(FINANCE_2, claim.id).state is S.PAYMENT_APPROVED
    assert desk.pay(FINANCE_2, claim.id).state is S.PAID
    assert [p.payee_account for p in gateway(desk).payouts] == ["DE44 3704 0044 0000 0011 11"]
