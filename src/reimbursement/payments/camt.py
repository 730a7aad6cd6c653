"""Reading the bank's ``camt.054`` (or ``camt.053``) and settling the claims it reports on.

Needs the ``payments`` extra (lxml). The file is hostile until checked:
it is parsed with entities left unresolved, no network, no DTD loading and
libxml2's size limits on (no ``huge_tree``); a file with a document type
declaration is refused outright (a bank file never has one; external
entities and entity expansion, "billion laughs", need one), and so is a
file over ``max_bytes``.

Each transaction is matched to a sent payment by its end-to-end id
(:func:`~reimbursement.payments.iso20022.end_to_end_id`):

- a booked debit (status ``BOOK``, ``DBIT``) is money gone: the claim is paid;
- a transaction with return information (``RtrInf``, e.g. ``AC04``) failed:
  the claim moves to payment_failed with the bank's reason;
- pending or informational entries change nothing and are listed.

An id of no open payment is reported as *already settled* (the claim's
attempt was paid or failed before: reading the same file twice changes
nothing) or *unknown*; neither is ever applied. An amount that differs from
the payment's, and a transaction the bank names no amount for, are reported
as mismatched and not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from ..domain.accounts import compact_account
from ..domain.actors import Actor
from ..domain.claim import PaymentStatus
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..errors import NotFoundError, ValidationError
from ..ports import BankSettlement, ReceiptStatus
from ..service.desk import ReimbursementDesk
from ._camt_file import (
    MAX_BYTES,
    BankResult,
    BankStatement,
    Row,
    exact_amount,
    parse,
    read_camt,
    rows,
)

__all__ = [
    "MAX_BYTES",
    "BankResult",
    "BankStatement",
    "OpenPayment",
    "Plan",
    "Reconciliation",
    "match",
    "open_payments",
    "plan_camt",
    "read_camt",
    "reconcile",
]


@attrs.frozen
class OpenPayment:
    """A payment sent and not settled: the claim it pays and the amount."""

    claim_id: str
    amount: Money
    idempotency_key: str = ""


@attrs.frozen
class Plan:
    """What a statement means for the open payments, before anything is applied."""

    confirm: tuple[tuple[str, str], ...]
    """``(claim id, end-to-end id)`` of the payments to confirm."""
    fail: tuple[tuple[str, str, str], ...]
    """``(claim id, end-to-end id, reason)`` of the payments that failed."""
    pending: tuple[str, ...]
    not_open: tuple[str, ...]
    """End-to-end ids of no open payment (settled before, twice in the file, or unknown)."""
    mismatched: tuple[tuple[str, str], ...]


def match(statement: BankStatement, open_payments: Mapping[str, OpenPayment]) -> Plan:
    """The :class:`Plan` for ``statement`` against ``open_payments`` (by end-to-end id).

    Pure: the same statement and payments give the same plan. An id is
    settled at most once, even when the file names it twice.
    """
    rows = (
        (
            r.end_to_end_id,
            r.outcome,
            "" if r.amount is None else str(r.amount.amount),
            "" if r.amount is None else r.amount.currency,
            r.reason,
            r.problem,
        )
        for r in statement.results
    )
    return _plan(rows, open_payments)


def plan_camt(data: bytes, open_payments: Mapping[str, OpenPayment], *, account: str) -> Plan:
    """What the camt ``data`` means for ``open_payments``: ``match(read_camt(data), …)``, leaner.

    This is what :func:`reconcile` does before it applies anything: every
    check of :func:`read_camt` and :func:`match` (the account, each amount
    and currency exactly as the bank wrote it, ids named twice), without
    making an object of each transaction. Raises
    :class:`~reimbursement.errors.ValidationError` for a file
    :func:`read_camt` refuses and a file for another ``account``.
    """
    _, found, lines = parse(data, MAX_BYTES)
    _same_account(found, account)
    return _plan(rows(lines), open_payments)


def _same_account(found: str, account: str) -> None:
    if found != compact_account(account):
        raise ValidationError.at(
            "account",
            f"the file is for account {found}, not {compact_account(account)}: "
            "it belongs to another account, and nothing was applied",
        )


def _plan(rows: Iterable[Row], open_payments: Mapping[str, OpenPayment]) -> Plan:
    confirm: list[tuple[str, str]] = []
    fail: list[tuple[str, str, str]] = []
    pending: list[str] = []
    not_open: list[str] = []
    mismatched: list[tuple[str, str]] = []
    used: set[str] = set()
    find = open_payments.get
    for e2e, outcome, text, currency, reason, problem in rows:
        if outcome == "pending":
            pending.append(e2e)
            continue
        payment = find(e2e)
        if payment is None or e2e in used:
            not_open.append(e2e)
            continue
        expected = payment.amount
        # the usual entry writes the amount as the payment does: equal text in the same
        # currency is the same Decimal; anything else is read exactly and compared
        if problem is None and not (text or currency):
            problem = "the bank names no amount for it"  # nothing to check: never applied
        elif problem is None and not (
            currency == expected.currency and text == str(expected.amount)
        ):
            amount = exact_amount(text, currency)
            if isinstance(amount, str):
                problem = amount
            elif amount != expected:
                mismatched.append((e2e, f"the bank says {amount}, the payment is {expected}"))
                continue
        if problem is not None:
            mismatched.append((e2e, f"{problem}; the payment is {expected}"))
            continue
        used.add(e2e)
        if outcome == "paid":
            confirm.append((payment.claim_id, e2e))
        else:
            fail.append((payment.claim_id, e2e, reason or "returned by the bank"))
    return Plan(tuple(confirm), tuple(fail), tuple(pending), tuple(not_open), tuple(mismatched))


@attrs.frozen
class Reconciliation:
    """What :func:`reconcile` did: claims moved by claim id, the rest by end-to-end id."""

    paid: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    already_settled: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    mismatched: tuple[tuple[str, str], ...] = ()


def open_payments(desk: ReimbursementDesk, actor: Actor) -> dict[str, OpenPayment]:
    """The desk's payments sent and not settled, by their reference (the end-to-end id)."""
    found: dict[str, OpenPayment] = {}
    after = None
    while True:
        page = desk.claims_in(actor, [ClaimState.PAYMENT_APPROVED], after=after, limit=1000)
        for claim in page.items:
            payment = claim.payment
            if payment is not None and payment.status is PaymentStatus.SENT:
                found[payment.gateway_reference or ""] = OpenPayment(
                    claim.id, payment.amount, payment.idempotency_key
                )
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def _settled_before(desk: ReimbursementDesk, actor: Actor, e2e: str) -> bool:
    """True when ``e2e`` names an attempt of a known claim that was paid or failed already."""
    claim_id, sep, _ = e2e.rpartition("/")
    if not sep:
        return False
    try:
        claim = desk.get(actor, claim_id)
    except (NotFoundError, ValidationError):
        return False
    return any(
        p.gateway_reference == e2e and p.status in (PaymentStatus.PAID, PaymentStatus.FAILED)
        for p in claim.payments
    )


def reconcile(
    desk: ReimbursementDesk,
    actor: Actor,
    data: bytes | BankStatement,
    *,
    account: str,
    settlement: BankSettlement | None = None,
) -> Reconciliation:
    """Settle the claims the camt ``data`` reports on; ``account`` is the insurer's IBAN.

    Each claim moves in its own desk call (``confirm_payment`` or
    ``fail_payment``), so notifications and the audit trail are the desk's.
    Before each, the bank's word goes to ``settlement`` (by default the desk's
    gateway when it is a :class:`~reimbursement.ports.BankSettlement`, as
    :class:`~reimbursement.payments.BankFileGateway` is), since the desk
    settles a payment only on the gateway's word.
    Raises :class:`~reimbursement.errors.ValidationError` (nothing applied)
    for a file :func:`read_camt` refuses and a file for another account.
    """
    if isinstance(data, BankStatement):
        _same_account(data.account, account)
        sent = open_payments(desk, actor)
        plan = match(data, sent)
    else:
        _, found, lines = parse(data, MAX_BYTES)
        _same_account(found, account)  # before anything is read from the desk
        sent = open_payments(desk, actor)
        plan = _plan(rows(lines), sent)
    books = settlement
    if books is None and isinstance(desk.adapters.payments, BankSettlement):
        books = desk.adapters.payments
    for claim_id, e2e in plan.confirm:
        if books is not None:  # the desk confirms only on the gateway's word
            books.settle(sent[e2e].idempotency_key, ReceiptStatus.SETTLED)
        desk.confirm_payment(actor, claim_id, e2e)
    for claim_id, e2e, reason in plan.fail:
        if books is not None:
            books.settle(sent[e2e].idempotency_key, ReceiptStatus.FAILED, reason)
        desk.fail_payment(actor, claim_id, e2e, reason)
    settled = {e2e for e2e in plan.not_open if _settled_before(desk, actor, e2e)}
    return Reconciliation(
        tuple(c for c, _ in plan.confirm),
        tuple(c for c, _, _ in plan.fail),
        plan.pending,
        tuple(e for e in plan.not_open if e in settled),
        tuple(e for e in plan.not_open if e not in settled),
        plan.mismatched,
    )
