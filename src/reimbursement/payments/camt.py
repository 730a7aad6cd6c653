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

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import attrs

from .._extras import missing
from ..domain.accounts import compact_account
from ..domain.actors import Actor
from ..domain.claim import PaymentStatus
from ..domain.currencies import MINOR_UNITS
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..errors import NotFoundError, ValidationError
from ..ports import BankSettlement, ReceiptStatus
from ..service.desk import ReimbursementDesk

try:
    from lxml import etree
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "payments", "reading ISO 20022 bank files") from error

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

MAX_BYTES = 512 * 1024 * 1024
"""The largest camt file read by default (about a million entries)."""

Outcome = Literal["paid", "failed", "pending"]


@attrs.frozen
class BankResult:
    """What the bank says about one payment, found by its end-to-end id."""

    end_to_end_id: str
    outcome: Outcome
    amount: Money | None
    """The amount the bank names (``None``: the file names none for this transaction)."""
    reason: str | None = None
    problem: str | None = None
    """Why the result cannot be applied as the bank wrote it (an amount that is
    not one, in no ISO 4217 currency, or with more decimals than its currency):
    :func:`match` reports it as mismatched."""


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


# One pass in libxslt writes a line per transaction, its fields normalised (no
# tab or line break survives, so no field can shift another or forge a line)
# and joined by tabs; Python then only splits the lines. Walking the tree from
# Python, or lxml's iterparse, costs three to four times as much per entry
# (benchmarks/payments.py). The amount is the transaction's, else its
# instructed amount, else the entry's when the entry holds one transaction;
# the return's code and text follow only for a returned transaction, the usual
# entry pays for none of it.
_AMOUNT_FIELDS = """<xsl:value-of select="normalize-space(PATH)"/><xsl:text>&#9;</xsl:text>
<xsl:value-of select="normalize-space(PATH/@Ccy)"/>"""
_LINES = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
 xmlns:c="{namespace}">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/">
<xsl:for-each select="/*/*/*/P:Ntry">
<xsl:variable name="head"
 select="concat('&#9;', normalize-space(P:Sts), '&#9;', normalize-space(P:CdtDbtInd), '&#9;')"/>
<xsl:for-each select="P:NtryDtls/P:TxDtls">
<xsl:value-of select="normalize-space(P:Refs/P:EndToEndId)"/><xsl:value-of select="$head"/>
<xsl:choose>
<xsl:when test="P:Amt">{own}</xsl:when>
<xsl:when test="P:AmtDtls/P:InstdAmt/P:Amt">{instructed}</xsl:when>
<xsl:when test="not(../P:TxDtls[2])">{entry}</xsl:when>
<xsl:otherwise><xsl:text>&#9;</xsl:text></xsl:otherwise>
</xsl:choose>
<xsl:if test="P:RtrInf"><xsl:text>&#9;</xsl:text>
<xsl:value-of select="normalize-space(P:RtrInf/P:Rsn/P:Cd)"/><xsl:text>&#9;</xsl:text>
<xsl:value-of select="normalize-space(P:RtrInf/P:AddtlInf)"/>
</xsl:if>
<xsl:text>&#10;</xsl:text>
</xsl:for-each>
</xsl:for-each>
</xsl:template>
</xsl:stylesheet>""".format(
    namespace="{namespace}",
    own=_AMOUNT_FIELDS.replace("PATH", "P:Amt"),
    instructed=_AMOUNT_FIELDS.replace("PATH", "P:AmtDtls/P:InstdAmt/P:Amt"),
    entry=_AMOUNT_FIELDS.replace("PATH", "../../P:Amt"),
)


@functools.lru_cache(maxsize=8)  # a few camt versions; a hostile file cannot grow it much
def _lines(namespace: str) -> etree.XSLT:
    text = _LINES.replace("{namespace}", namespace).replace("P:", "c:" if namespace else "")
    if not namespace:
        text = text.replace(' xmlns:c=""', "")
    return etree.XSLT(
        etree.fromstring(text.encode()),
        access_control=etree.XSLTAccessControl.DENY_ALL,  # type: ignore[attr-defined,unused-ignore]
    )


# xs:decimal as ISO 20022 amounts write it (at most 18 digits, no sign: never below zero)
_DECIMAL = re.compile(r"[0-9]{1,18}(?:\.[0-9]{0,5})?").fullmatch


def _amount(text: str, currency: str) -> Money | str | None:
    """The amount the bank wrote, exactly; else why it is none (``None``: the file gives none).

    Never rounded: ``42.505`` in euros is a problem to report, not 42.50.
    """
    if not text and not currency:
        return None
    places = MINOR_UNITS.get(currency)
    if places is None:
        return f"the bank's currency {currency[:12]!r} is no ISO 4217 code"
    if _DECIMAL(text) is None:
        return f"the bank's amount {text[:40]!r} is no amount"
    if len(text.partition(".")[2].rstrip("0")) > places:
        return f"the bank's amount {text} {currency} has more decimals than {currency} has"
    return Money(text, currency)


_Row = tuple[str, Outcome, str, str, str | None, str | None]
"""One transaction as the file says it: end-to-end id, outcome, amount and currency as
written, the return's reason, and a problem found before matching (none from a file)."""


def _rows(text: str) -> Iterator[_Row]:
    """The transactions in the stylesheet's ``text``; entries that settle nothing are left out."""
    for line in text.split("\n"):
        fields = line.split("\t")
        if not fields[0] or len(fields) < 5:
            continue  # no end-to-end id: no payment of ours (or the empty last line)
        e2e, status, side, amount, currency = fields[:5]
        if len(fields) == 7:
            code = fields[5] or "returned"
            reason = f"{code} {fields[6]}" if fields[6] else code
            yield e2e, "failed", amount, currency, reason, None
        elif status == "BOOK" and side == "DBIT":
            yield e2e, "paid", amount, currency, None, None
        elif status in ("PDNG", "INFO"):
            yield e2e, "pending", amount, currency, None, None


def _result(row: _Row) -> BankResult:
    e2e, outcome, text, currency, reason, _ = row
    amount = _amount(text, currency)
    if isinstance(amount, str):
        return BankResult(e2e, outcome, None, reason, amount)
    return BankResult(e2e, outcome, amount, reason)


def _parse(data: bytes, max_bytes: int) -> tuple[str, str, str]:
    """The message id, the compact account IBAN and the stylesheet's lines of ``data``."""
    if not isinstance(data, bytes):
        raise ValidationError.at("data", f"must be the file's bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise ValidationError.at("data", f"is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise ValidationError.at("data", f"is not well-formed XML: {error}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr,unused-ignore]
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
    message_id = _text(body.getparent(), "{*}GrpHdr/{*}MsgId") or ""
    tag = str(body.tag)
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    if not re.fullmatch(r"[A-Za-z0-9:._/-]{0,200}", namespace):
        raise ValidationError.at("data", "has a namespace that is no camt namespace")
    return message_id, compact_account(account), str(_lines(namespace)(root))


def read_camt(data: bytes, *, max_bytes: int = MAX_BYTES) -> BankStatement:
    """The results in the camt.054 or camt.053 ``data`` (any ``.001.xx`` version).

    Raises :class:`~reimbursement.errors.ValidationError` for a file that is
    too large, not well-formed XML, has a DOCTYPE, is neither camt.054 nor
    camt.053, or names no account IBAN.
    """
    message_id, account, lines = _parse(data, max_bytes)
    return BankStatement(message_id, account, tuple(map(_result, _rows(lines))))


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
    _, found, lines = _parse(data, MAX_BYTES)
    _same_account(found, account)
    return _plan(_rows(lines), open_payments)


def _same_account(found: str, account: str) -> None:
    if found != compact_account(account):
        raise ValidationError.at(
            "account",
            f"the file is for account {found}, not {compact_account(account)}: "
            "it belongs to another account, and nothing was applied",
        )


def _plan(rows: Iterable[_Row], open_payments: Mapping[str, OpenPayment]) -> Plan:
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
        if (
            problem is None
            and (text or currency)
            and not (currency == expected.currency and text == str(expected.amount))
        ):
            amount = _amount(text, currency)
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
        _, found, lines = _parse(data, MAX_BYTES)
        _same_account(found, account)  # before anything is read from the desk
        sent = open_payments(desk, actor)
        plan = _plan(_rows(lines), sent)
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
