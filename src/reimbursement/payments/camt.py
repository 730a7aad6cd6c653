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
the payment's is reported and not applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Literal

import attrs

from .._extras import missing
from ..domain.accounts import compact_account
from ..domain.actors import Actor
from ..domain.claim import Claim, PaymentStatus
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..errors import NotFoundError, ValidationError
from ..service.desk import ReimbursementDesk

try:
    from lxml import etree
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "payments", "reading ISO 20022 bank files") from error

__all__ = ["BankResult", "BankStatement", "Reconciliation", "read_camt", "reconcile"]

MAX_BYTES = 512 * 1024 * 1024
"""The largest camt file read by default (about a million entries)."""

Outcome = Literal["paid", "failed", "pending"]


@attrs.frozen
class BankResult:
    """What the bank says about one payment, found by its end-to-end id."""

    end_to_end_id: str
    outcome: Outcome
    amount: Money | None
    reason: str | None = None


@attrs.frozen
class BankStatement:
    """A camt file read: the message id, the account it is for (compact IBAN), the results."""

    message_id: str
    account: str
    results: tuple[BankResult, ...]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _money(node: etree._Element | None) -> Money | None:
    if node is None or node.text is None:
        return None
    try:
        return Money(Decimal(node.text.strip()), node.get("Ccy", ""))
    except (ValidationError, InvalidOperation):
        return None


def _results(entry: etree._Element) -> Iterator[BankResult]:
    status = _text(entry, "{*}Sts/{*}Cd") or _text(entry, "{*}Sts") or ""
    debit = _text(entry, "{*}CdtDbtInd") == "DBIT"
    details = entry.findall("{*}NtryDtls/{*}TxDtls")
    for tx in details:
        e2e = _text(tx, "{*}Refs/{*}EndToEndId")
        if not e2e:
            continue
        amount = _money(tx.find("{*}Amt")) or _money(tx.find("{*}AmtDtls/{*}InstdAmt/{*}Amt"))
        if amount is None and len(details) == 1:
            amount = _money(entry.find("{*}Amt"))
        returned = tx.find("{*}RtrInf")
        if returned is not None:
            code = _text(returned, "{*}Rsn/{*}Cd") or "returned"
            info = _text(returned, "{*}AddtlInf")
            yield BankResult(e2e, "failed", amount, f"{code} {info}" if info else code)
        elif status == "BOOK" and debit:
            yield BankResult(e2e, "paid", amount)
        elif status in ("PDNG", "INFO"):
            yield BankResult(e2e, "pending", amount)


def read_camt(data: bytes, *, max_bytes: int = MAX_BYTES) -> BankStatement:
    """The results in the camt.054 or camt.053 ``data`` (any ``.001.xx`` version).

    Raises :class:`~reimbursement.errors.ValidationError` for a file that is
    too large, not well-formed XML, has a DOCTYPE, is neither camt.054 nor
    camt.053, or names no account IBAN.
    """
    if not isinstance(data, bytes):
        raise ValidationError.at("data", f"must be the file's bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ValidationError.at("data", f"is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise ValidationError.at("data", f"is not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise ValidationError.at(
            "data", "has a DOCTYPE; bank files never do, and it may hide entities: refused"
        )
    body = root.find("{*}BkToCstmrDbtCdtNtfctn/{*}Ntfctn")
    if body is None:
        body = root.find("{*}BkToCstmrStmt/{*}Stmt")
    if body is None:
        raise ValidationError.at("data", "is neither a camt.054 notification nor a camt.053")
    account = _text(body, "{*}Acct/{*}Id/{*}IBAN")
    if not account:
        raise ValidationError.at("data", "names no account IBAN (Acct/Id/IBAN)")
    message_id = _text(root, "{*}*/{*}GrpHdr/{*}MsgId") or ""
    results = tuple(r for entry in body.iterfind("{*}Ntry") for r in _results(entry))
    return BankStatement(message_id, compact_account(account), results)


@attrs.frozen
class Reconciliation:
    """What :func:`reconcile` did, by end-to-end id (claims moved by claim id)."""

    paid: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    pending: tuple[str, ...] = ()
    already_settled: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    mismatched: tuple[tuple[str, str], ...] = ()


def _open_payments(desk: ReimbursementDesk, actor: Actor) -> dict[str, Claim]:
    """The claims whose payment was sent, by the payment's reference."""
    found: dict[str, Claim] = {}
    after = None
    while True:
        page = desk.claims_in(actor, [ClaimState.PAYMENT_APPROVED], after=after, limit=1000)
        for claim in page.items:
            payment = claim.payment
            if payment is not None and payment.status is PaymentStatus.SENT:
                found[payment.gateway_reference or ""] = claim
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
    desk: ReimbursementDesk, actor: Actor, data: bytes | BankStatement, *, account: str
) -> Reconciliation:
    """Settle the claims the camt ``data`` reports on; ``account`` is the insurer's IBAN.

    Raises :class:`~reimbursement.errors.ValidationError` (nothing applied)
    for a file :func:`read_camt` refuses and a file for another account.
    """
    statement = data if isinstance(data, BankStatement) else read_camt(data)
    if statement.account != compact_account(account):
        raise ValidationError.at(
            "account",
            f"the file is for account {statement.account}, not {compact_account(account)}: "
            "it belongs to another account, and nothing was applied",
        )
    open_payments = _open_payments(desk, actor)
    done: dict[str, list[str]] = {
        k: [] for k in ("paid", "failed", "pending", "settled", "unknown")
    }
    mismatched: list[tuple[str, str]] = []
    for result in statement.results:
        claim = open_payments.pop(result.end_to_end_id, None)
        if result.outcome == "pending":
            done["pending"].append(result.end_to_end_id)
            if claim is not None:
                open_payments[result.end_to_end_id] = claim
            continue
        if claim is None:
            settled = _settled_before(desk, actor, result.end_to_end_id)
            done["settled" if settled else "unknown"].append(result.end_to_end_id)
            continue
        payment = claim.payment
        assert payment is not None
        if result.amount is not None and result.amount != payment.amount:
            mismatched.append((result.end_to_end_id, f"{result.amount} != {payment.amount}"))
            continue
        if result.outcome == "paid":
            desk.confirm_payment(actor, claim.id, result.end_to_end_id)
        else:
            desk.fail_payment(actor, claim.id, result.end_to_end_id, result.reason or "returned")
        done[result.outcome].append(claim.id)
    return Reconciliation(
        tuple(done["paid"]),
        tuple(done["failed"]),
        tuple(done["pending"]),
        tuple(done["settled"]),
        tuple(done["unknown"]),
        tuple(mismatched),
    )
