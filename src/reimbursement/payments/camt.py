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

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Literal, cast

import attrs

from .._extras import missing
from ..domain.accounts import compact_account
from ..domain.actors import Actor
from ..domain.claim import PaymentStatus
from ..domain.lifecycle import ClaimState
from ..domain.money import Money
from ..errors import NotFoundError, ValidationError
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


def _amount(text: str | None, currency: str | None) -> Money | None:
    try:
        return Money(Decimal(text.strip()), currency or "") if text else None
    except (ValidationError, InvalidOperation):
        return None


def _result(
    e2e: str, status: str, side: str, amount: Money | None, returned: str | None
) -> BankResult | None:
    if returned is not None:
        return BankResult(e2e, "failed", amount, returned)
    if status == "BOOK" and side == "DBIT":
        return BankResult(e2e, "paid", amount)
    if status in ("PDNG", "INFO"):
        return BankResult(e2e, "pending", amount)
    return None


class _Walk:
    """Any file: the entries walked child by child by qualified tag."""

    def __init__(self, q: str) -> None:
        self.q = q

    def _find(self, node: etree._Element, *path: str) -> etree._Element | None:
        return node.find("/".join(self.q + step for step in path))

    def _text(self, node: etree._Element, *path: str) -> str:
        found = self._find(node, *path)
        return "" if found is None or found.text is None else found.text.strip()

    def results(self, body: etree._Element) -> Iterator[BankResult]:
        for entry in body.iterfind(self.q + "Ntry"):
            status = self._text(entry, "Sts", "Cd") or self._text(entry, "Sts")
            side = self._text(entry, "CdtDbtInd")
            details = entry.findall(f"{self.q}NtryDtls/{self.q}TxDtls")
            for tx in details:
                e2e = self._text(tx, "Refs", "EndToEndId")
                node = self._find(tx, "Amt")
                if node is None:
                    node = self._find(tx, "AmtDtls", "InstdAmt", "Amt")
                if node is None and len(details) == 1:
                    node = self._find(entry, "Amt")
                amount = None if node is None else _amount(node.text, node.get("Ccy"))
                back = self._find(tx, "RtrInf")
                reason = None
                if back is not None:
                    code = self._text(back, "Rsn", "Cd") or "returned"
                    info = self._text(back, "AddtlInf")
                    reason = f"{code} {info}" if info else code
                result = _result(e2e, status, side, amount, reason) if e2e else None
                if result is not None:
                    yield result


# The usual file has one transaction per entry and one of each field: then a
# few XPath queries (in C) read every entry at once, about four times faster
# than walking the tree from Python (benchmarks/payments.py). The counts
# prove the shape first, so that the lists line up entry by entry; any other
# file is walked.
_ODD = (
    "count(c:Ntry[count(c:Sts) != 1 or count(c:CdtDbtInd) != 1"
    " or count(c:NtryDtls/c:TxDtls) != 1 or count(c:NtryDtls/c:TxDtls/c:Refs/c:EndToEndId) != 1"
    " or count(c:NtryDtls/c:TxDtls/c:Amt) != 1 or count(c:NtryDtls/c:TxDtls/c:RtrInf) > 1])"
)
_TX = "c:Ntry/c:NtryDtls/c:TxDtls"


def _fast(body: etree._Element, namespace: str) -> list[BankResult] | None:
    def query(path: str) -> list[str]:
        found = body.xpath(path, namespaces={"c": namespace}, smart_strings=False)
        return found  # type: ignore[return-value]

    if body.xpath(_ODD, namespaces={"c": namespace}) != 0:
        return None
    count = int(body.xpath("count(c:Ntry)", namespaces={"c": namespace}))  # type: ignore[arg-type]
    status = query("c:Ntry/c:Sts/c:Cd/text()") or query("c:Ntry/c:Sts/text()")
    columns = [
        query(f"{_TX}/c:Refs/c:EndToEndId/text()"),
        status,
        query("c:Ntry/c:CdtDbtInd/text()"),
        query(f"{_TX}/c:Amt/text()"),
        query(f"{_TX}/c:Amt/@Ccy"),
    ]
    if any(len(column) != count for column in columns):
        return None
    if len(set(columns[0])) != count:
        return None  # an id twice: walk it, entry by entry
    failed = {}
    q = f"{{{namespace}}}"
    returns = body.xpath(f"{_TX}/c:RtrInf", namespaces={"c": namespace})
    for back in cast(list[etree._Element], returns):
        transaction = back.getparent()
        e2e = "" if transaction is None else transaction.findtext(f"{q}Refs/{q}EndToEndId")
        code = (back.findtext(f"{q}Rsn/{q}Cd") or "returned").strip()
        info = (back.findtext(f"{q}AddtlInf") or "").strip()
        failed[(e2e or "").strip()] = f"{code} {info}" if info else code
    results = []
    for e2e, state, side, amount, currency in zip(*columns, strict=True):
        e2e = e2e.strip()
        reason = failed.get(e2e)
        result = _result(e2e, state.strip(), side.strip(), _amount(amount, currency), reason)
        if result is not None and e2e:
            results.append(result)
    return results


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
    message_id = _text(body.getparent(), "{*}GrpHdr/{*}MsgId") or ""
    namespace = str(body.tag)[1:].partition("}")[0] if str(body.tag).startswith("{") else ""
    fast = _fast(body, namespace) if namespace else None
    walked = _Walk(f"{{{namespace}}}" if namespace else "").results(body)
    results = tuple(fast if fast is not None else walked)
    return BankStatement(message_id, compact_account(account), results)


@attrs.frozen
class OpenPayment:
    """A payment sent and not settled: the claim it pays and the amount."""

    claim_id: str
    amount: Money


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
    confirm: list[tuple[str, str]] = []
    fail: list[tuple[str, str, str]] = []
    pending: list[str] = []
    not_open: list[str] = []
    mismatched: list[tuple[str, str]] = []
    used: set[str] = set()
    for result in statement.results:
        e2e = result.end_to_end_id
        if result.outcome == "pending":
            pending.append(e2e)
            continue
        payment = open_payments.get(e2e)
        if payment is None or e2e in used:
            not_open.append(e2e)
            continue
        if result.amount is not None and result.amount != payment.amount:
            mismatched.append(
                (e2e, f"the bank says {result.amount}, the payment is {payment.amount}")
            )
            continue
        used.add(e2e)
        if result.outcome == "paid":
            confirm.append((payment.claim_id, e2e))
        else:
            fail.append((payment.claim_id, e2e, result.reason or "returned by the bank"))
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
                found[payment.gateway_reference or ""] = OpenPayment(claim.id, payment.amount)
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

    Each claim moves in its own desk call (``confirm_payment`` or
    ``fail_payment``), so notifications and the audit trail are the desk's.
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
    plan = match(statement, open_payments(desk, actor))
    for claim_id, e2e in plan.confirm:
        desk.confirm_payment(actor, claim_id, e2e)
    for claim_id, e2e, reason in plan.fail:
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
