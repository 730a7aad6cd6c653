"""Payee accounts are checked wherever they enter, by one rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support import ANA, FINANCE, PROFILES, REVIEWER, gateway, ready_draft

from reimbursement import ClaimPatch, CustomerProfile
from reimbursement.bootstrap import in_memory_desk
from reimbursement.domain import accounts
from reimbursement.errors import ValidationError
from reimbursement.payments import account_problem, check_account, iban_for

VALID = [
    "DE89 3704 0044 0532 0130 00",
    "DE89370400440532013000",
    "gb29 nwbk 6016 1331 9268 19",
    "NL91 ABNA 0417 1643 00",
    "FR76 3000 6000 0112 3456 7890 189",
    "6222 0202 0000 0000 030",  # a UnionPay-style card number: 19 digits, Luhn
    "4111 1111 1111 1111",
]


@pytest.mark.parametrize("account", VALID)
def test_valid_accounts_pass(account: str) -> None:
    assert account_problem("payee_account", account) is None
    assert check_account("payee_account", f"  {account} ") == account


@pytest.mark.parametrize(
    ("account", "says"),
    [
        ("DE89", "is 4 characters"),
        ("DE88 3704 0044 0532 0130 00", "check digits"),
        ("DE89 3704 0044 0532 0130 0", "check digits"),
        ("DE89-3704-0044-0532-0130-00", "only letters and digits"),
        ("6222 0202 0000 0000 031", "Luhn"),
        ("1234 5678", "has 8 digits"),
        ("IBAN please", "is 10 characters"),
        ("+49 30 1234567", "neither an IBAN"),
    ],
)
def test_bad_accounts_are_refused_with_the_reason(account: str, says: str) -> None:
    problem = account_problem("payee_account", account)
    assert problem is not None
    assert problem.path == "payee_account"
    assert says in problem.message


def test_country_formats_come_from_schwifty() -> None:
    # right check digits, wrong length for Germany (22): only schwifty knows
    short = iban_for("DE", "3704004405320130")
    assert account_problem("p", short) is not None
    assert "DE IBAN" in str(account_problem("p", short))


def test_without_schwifty_the_check_digits_still_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_schwifty", lambda: None)
    assert account_problem("p", iban_for("DE", "3704004405320130")) is None  # no country rule
    assert account_problem("p", "DE88 3704 0044 0532 0130 00") is not None
    assert account_problem("p", "DE89") is not None


@given(st.integers(0, 10**18 - 1), st.integers(0, 21), st.integers(0, 9))
def test_any_single_mistyped_digit_is_caught(number: int, position: int, digit: int) -> None:
    iban = iban_for("DE", f"{number:018d}").replace(" ", "")
    assert account_problem("p", iban) is None
    if position < 2 or iban[position] == str(digit):
        return
    typo = iban[:position] + str(digit) + iban[position + 1 :]
    assert account_problem("p", typo) is not None


def test_a_profile_with_a_bad_account_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        CustomerProfile("c", "Ana", "POL-1", "EUR", payee_account="DE89")
    assert [p.path for p in caught.value.problems] == ["payee_account"]
    assert CustomerProfile("c", "Ana", "POL-1", "EUR").payee_account == ""  # not known yet


def test_a_draft_cannot_take_a_bad_account_and_stays_unchanged() -> None:
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES)
    claim = ready_draft(desk)
    with pytest.raises(ValidationError) as caught:
        desk.update_draft(ANA, claim.id, ClaimPatch(payee_account="DE89"))
    assert [p.path for p in caught.value.problems] == ["payee_account"]
    assert desk.get(FINANCE, claim.id) == claim
    fixed = desk.update_draft(ANA, claim.id, ClaimPatch(payee_account="NL91 ABNA 0417 1643 00"))
    assert fixed.claimant.payee_account == "NL91 ABNA 0417 1643 00"


def test_a_new_account_after_a_failed_payment_is_refused_when_invalid() -> None:
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES)
    claim = desk.approve(REVIEWER, desk.submit(ANA, ready_draft(desk).id).id)
    desk.approve_payment(FINANCE, claim.id)
    gateway(desk).failing_accounts["DE89 3704 0044 0532 0130 00"] = "account closed"
    failed = desk.pay(FINANCE, claim.id)
    with pytest.raises(ValidationError) as caught:
        desk.change_payee_account(FINANCE, failed.id, "DE00 1234")
    assert [p.path for p in caught.value.problems] == ["account"]  # the argument's name
    assert desk.get(FINANCE, claim.id) == failed
