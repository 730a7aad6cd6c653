"""What the payment tests share: the schemas, an insurer's account, camt files made for tests."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

DATA = Path(__file__).parent / "data"
INSURER_IBAN = "DE02 1203 0000 0000 2020 51"


@cache
def schema(version: str) -> etree.XMLSchema:
    """The official XSD of ``version`` (copied into tests/payments/data as test data)."""
    return etree.XMLSchema(etree.parse(str(DATA / f"{version}.xsd")))


def assert_valid(content: bytes, version: str) -> etree._Element:
    """``content`` parsed, once it validates against the schema of ``version``."""
    document = etree.fromstring(content)
    checker = schema(version)
    assert checker.validate(document), checker.error_log
    return document


def camt054(
    entries: Iterable[tuple[str, str, str]],
    *,
    account: str = INSURER_IBAN,
    message_id: str = "CAMT-1",
) -> bytes:
    """A camt.054.001.08 debit notification: ``(end-to-end id, amount, outcome)`` per entry.

    ``outcome`` is ``paid`` (booked debit), ``failed`` (returned, AC04) or ``pending``.
    """
    rows = []
    for e2e, amount, outcome in entries:
        status = "PDNG" if outcome == "pending" else "BOOK"
        indicator = "CRDT" if outcome == "failed" else "DBIT"
        returned = (
            "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>account closed</AddtlInf></RtrInf>"
            if outcome == "failed"
            else ""
        )
        rows.append(
            f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
            f"<Sts><Cd>{status}</Cd></Sts><BkTxCd/><NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
            f'<Amt Ccy="EUR">{amount}</Amt>{returned}</TxDtls></NtryDtls></Ntry>'
        )
    compact = account.replace(" ", "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{message_id}</MsgId>"
        "<CreDtTm>2026-12-01T18:00:00+01:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N1</Id><Acct><Id><IBAN>{compact}</IBAN></Id></Acct>"
        f"{''.join(rows)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


class OnePerPage:
    """A desk that lists one claim per page: as a desk with more claims than a page holds.

    Counts the pages read, and fails a caller that keeps reading the same pages.
    """

    def __init__(self, desk: Any) -> None:
        self.desk = desk
        self.pages = 0

    def claims_in(self, actor: Any, states: Any, *, after: Any = None, limit: int = 50) -> Any:
        self.pages += 1
        assert self.pages < 100, "the same pages read again and again"
        return self.desk.claims_in(actor, states, after=after, limit=1)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.desk, name)
