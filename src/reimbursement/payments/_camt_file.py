"""Reading a camt file: the hostile bytes parsed safely, one line per transaction, amounts exact.

The private half of :mod:`reimbursement.payments.camt` (which says what the
results mean); needs the ``payments`` extra (lxml).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Literal

import attrs

from .._extras import missing
from .._xml import parse_outside_xml
from ..domain.accounts import compact_account
from ..domain.currencies import MINOR_UNITS
from ..domain.money import Money
from ..errors import ValidationError

try:
    from lxml import etree
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "payments", "reading ISO 20022 bank files") from error

__all__ = [
    "MAX_BYTES",
    "BankResult",
    "BankStatement",
    "Outcome",
    "Row",
    "exact_amount",
    "parse",
    "read_camt",
    "rows",
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


def exact_amount(text: str, currency: str) -> Money | str | None:
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


Row = tuple[str, Outcome, str, str, str | None, str | None]
"""One transaction as the file says it: end-to-end id, outcome, amount and currency as
written, the return's reason, and a problem found before matching (none from a file)."""


def rows(text: str) -> Iterator[Row]:
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


def _result(row: Row) -> BankResult:
    e2e, outcome, text, currency, reason, _ = row
    amount = exact_amount(text, currency)
    if isinstance(amount, str):
        return BankResult(e2e, outcome, None, reason, amount)
    return BankResult(e2e, outcome, amount, reason)


def parse(data: bytes, max_bytes: int) -> tuple[str, str, str]:
    """The message id, the compact account IBAN and the stylesheet's lines of ``data``."""
    if not isinstance(data, bytes):
        raise ValidationError.at("data", f"must be the file's bytes, got {type(data).__name__}")
    root = parse_outside_xml(data, "bank file", path="data", max_bytes=max_bytes, extra="payments")
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
    message_id, account, lines = parse(data, max_bytes)
    return BankStatement(message_id, account, tuple(map(_result, rows(lines))))
