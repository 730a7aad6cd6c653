"""ISO 20022 ``pain.001`` credit-transfer files: a payment run as the one file the bank takes.

Needs the ``payments`` extra (lxml; pypinyin for Chinese names). Both
versions banks take are written: ``pain.001.001.09`` (the current SEPA
rulebooks) and ``pain.001.001.03`` (banks that still take it). Every
transfer carries its own end-to-end id (:func:`end_to_end_id` of the
payment attempt's idempotency key), so the bank's ``camt.054`` reconciles
to the attempt; nothing is ever sent as ``NOTPROVIDED``.

Names and texts go through :mod:`reimbursement.payments.charset`; postal
addresses are structured (:class:`PostalAddress`: town and country always,
street, building number and post code when known, at most two free
lines), the form banks require from November 2026.

Every check runs before the tree is built: a refused file raises one
:class:`~reimbursement.errors.ValidationError` listing each field (at most
:data:`~reimbursement.errors.MAX_PROBLEMS`), and writes nothing.
"""

from __future__ import annotations

import functools
import hashlib
import re
from base64 import b32encode
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import cast

import attrs

from .._extras import missing
from ..domain.accounts import account_problem, compact_account
from ..domain.checks import require_aware
from ..domain.money import Money
from ..domain.payment import split_attempt_key
from ..errors import FieldProblem, ValidationError
from .charset import sepa_problem

try:
    from lxml import etree
except ModuleNotFoundError as error:  # pragma: no cover - the extra is in dev
    raise missing(error, "payments", "ISO 20022 bank files") from error

__all__ = [
    "PAIN_001_VERSIONS",
    "CreditTransfer",
    "Debtor",
    "PostalAddress",
    "end_to_end_id",
    "write_pain001",
]

PAIN_001_VERSIONS = ("pain.001.001.09", "pain.001.001.03")
"""The versions :func:`write_pain001` writes; the first is the default."""

_NSMAP = {  # lxml takes None for the default namespace; its stubs do not say so
    v: cast(dict[str, str], {None: f"urn:iso:std:iso:20022:tech:xsd:{v}"})
    for v in PAIN_001_VERSIONS
}
_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,35}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")


def end_to_end_id(idempotency_key: str) -> str:
    """The end-to-end id of the payment attempt with ``idempotency_key``.

    ``"<claim id>:payment:<attempt>"`` becomes ``"<claim id>/<attempt>"``
    when that fits the 35 characters and the character set of the field,
    else ``"H"`` and 34 characters of the key's SHA-256 in base 32: the same
    key always gives the same id, and two keys never share one.
    """
    parts = split_attempt_key(idempotency_key)
    short = idempotency_key if parts is None else "/".join(parts)
    if _ID.fullmatch(short) and not short.startswith("H"):
        return short
    digest = b32encode(hashlib.sha256(idempotency_key.encode()).digest()).decode()
    return f"H{digest[:34]}"


@attrs.frozen
class PostalAddress:
    """A structured postal address: ``town`` and ``country`` (ISO 3166 alpha-2) always."""

    town: str
    country: str
    street: str = ""
    building_number: str = ""
    postcode: str = ""
    country_subdivision: str = ""
    lines: tuple[str, ...] = ()
    """At most two free lines besides the structured fields (the "hybrid" form)."""


@attrs.frozen
class Debtor:
    """The insurer's account the run pays from; ``bic`` may be empty (IBAN-only SEPA)."""

    name: str
    iban: str
    bic: str = ""
    address: PostalAddress | None = None


@attrs.frozen
class CreditTransfer:
    """One payment in the file: ``end_to_end_id`` comes back in the bank's camt."""

    end_to_end_id: str
    amount: Money
    payee_name: str
    payee_account: str
    remittance: str
    payee_address: PostalAddress | None = None


def _address_problems(path: str, address: PostalAddress) -> list[FieldProblem]:
    problems = []
    if not address.town.strip():
        problems.append(FieldProblem(f"{path}.town", "is empty; structured addresses need a town"))
    if not _COUNTRY.fullmatch(address.country):
        problems.append(
            FieldProblem(f"{path}.country", f"{address.country[:10]!r} is no ISO 3166 code")
        )
    if len(address.lines) > 2:
        problems.append(
            FieldProblem(f"{path}.lines", f"has {len(address.lines)} lines; at most 2 with a town")
        )
    return problems


_PLAIN = re.compile(r"[A-Za-z0-9/\-?:().,'+]+(?: [A-Za-z0-9/\-?:().,'+]+)*")


@functools.lru_cache(maxsize=4096)
def _written(value: str, size: int) -> tuple[str, str | None]:
    """``value`` in the SEPA set and the problem message: names repeat, pinyin is slow."""
    plain, problem = sepa_problem("", value, size)
    return plain, None if problem is None else problem.message


class _Tree:
    """One file's tree in the making: its version's qualified tags, the problems found."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.q = f"{{urn:iso:std:iso:20022:tech:xsd:{version}}}"
        self.problems: list[FieldProblem] = []

    def sub(self, parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        node = etree.SubElement(parent, self.q + tag)
        if text is not None:
            node.text = text
        return node

    def text(self, value: str, size: int, path: str, index: int = -1, field: str = "") -> str:
        """``value`` in the SEPA set, cut to ``size``; else a problem at ``path[index].field``."""
        if len(value) <= size and _PLAIN.fullmatch(value):
            return value  # the usual case, checked without building the path
        plain, message = _written(value, size)
        if message is not None:
            where = f"{path}[{index}]" if index >= 0 else path
            self.problems.append(FieldProblem(f"{where}.{field}" if field else where, message))
        return plain

    def address(self, parent: etree._Element, address: PostalAddress | None, path: str) -> None:
        if address is None:
            return
        self.problems.extend(_address_problems(path, address))
        node = self.sub(parent, "PstlAdr")
        for tag, value, size in (
            ("StrtNm", address.street, 70),
            ("BldgNb", address.building_number, 16),
            ("PstCd", address.postcode, 16),
            ("TwnNm", address.town, 35),
            ("CtrySubDvsn", address.country_subdivision, 35),
        ):
            if value.strip():
                self.sub(node, tag, self.text(value, size, path, field=tag))
        self.sub(node, "Ctry", address.country)
        for i, line in enumerate(address.lines):
            self.sub(node, "AdrLine", self.text(line, 70, f"{path}.lines[{i}]"))

    def account(self, parent: etree._Element, tag: str, account: str) -> None:
        ident = self.sub(self.sub(parent, tag), "Id")
        compact = compact_account(account)
        if compact[:2].isalpha():
            self.sub(ident, "IBAN", compact)
        else:  # a bank card number (see reimbursement.domain.accounts)
            self.sub(self.sub(ident, "Othr"), "Id", compact)

    def agent(self, parent: etree._Element, tag: str, bic: str) -> None:
        institution = self.sub(self.sub(parent, tag), "FinInstnId")
        if bic:
            self.sub(institution, "BIC" if self.version.endswith(".03") else "BICFI", bic)
        else:  # IBAN-only SEPA, as the EPC says
            self.sub(self.sub(institution, "Othr"), "Id", "NOTPROVIDED")


def _check_transfers(transfers: Sequence[CreditTransfer], problems: list[FieldProblem]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(transfers):
        path = f"transfers[{i}]"
        if not _ID.fullmatch(item.end_to_end_id) or item.end_to_end_id == "NOTPROVIDED":
            problems.append(
                FieldProblem(f"{path}.end_to_end_id", "must be 1-35 characters of the SEPA set")
            )
        elif item.end_to_end_id in seen:
            problems.append(FieldProblem(f"{path}.end_to_end_id", "is used twice in the file"))
        seen.add(item.end_to_end_id)
        if item.amount.amount <= 0:
            problems.append(FieldProblem(f"{path}.amount", f"must be above zero: {item.amount}"))
        # checked when entered; here the check digits again, not the country formats
        account = account_problem(
            f"{path}.payee_account", item.payee_account, country_formats=False
        )
        if account is not None:
            problems.append(account)


def _header(
    tree: _Tree, root: etree._Element, message_id: str, created_at: datetime, debtor: Debtor
) -> tuple[etree._Element, etree._Element]:
    """The group header; its count and total are filled in once the transfers are written."""
    header = tree.sub(root, "GrpHdr")
    tree.sub(header, "MsgId", message_id)
    tree.sub(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    count, total = tree.sub(header, "NbOfTxs"), tree.sub(header, "CtrlSum")
    tree.sub(tree.sub(header, "InitgPty"), "Nm", tree.text(debtor.name, 70, "debtor.name"))
    return count, total


def write_pain001(
    transfers: Sequence[CreditTransfer],
    debtor: Debtor,
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    version: str = PAIN_001_VERSIONS[0],
    instant: bool = False,
    schema: etree.XMLSchema | None = None,
) -> bytes:
    """The ``pain.001`` file (UTF-8 XML) paying ``transfers`` from ``debtor``'s account.

    With ``schema`` (the version's XSD, loaded with ``lxml.etree.XMLSchema``)
    the tree is validated before it is written; a file it refuses raises
    ValidationError at ``schema``. The XSD is ISO's; this package does not ship it.

    One payment information block, executed on ``execution_date``;
    ``instant`` asks for SEPA Instant (local instrument ``INST``), which
    banks execute on any day. Amounts of one currency only. Raises
    :class:`~reimbursement.errors.ValidationError` for an unknown version, no
    transfers, a bad id, account or amount, mixed currencies, an address
    without town or country, or a text no rule can write in the SEPA set.
    """
    problems: list[FieldProblem] = []
    if version not in PAIN_001_VERSIONS:
        problems.append(FieldProblem("version", f"must be one of {', '.join(PAIN_001_VERSIONS)}"))
    if not transfers:
        problems.append(FieldProblem("transfers", "is empty; a file pays at least one transfer"))
    if not _ID.fullmatch(message_id):
        problems.append(FieldProblem("message_id", "must be 1-35 characters of the SEPA set"))
    require_aware("created_at", created_at, "the caller")
    if debtor.bic and not _BIC.fullmatch(debtor.bic):
        problems.append(FieldProblem("debtor.bic", f"{debtor.bic[:12]!r} is no BIC"))
    iban = account_problem("debtor.iban", debtor.iban)
    if iban is not None or not compact_account(debtor.iban)[:2].isalpha():
        problems.append(iban or FieldProblem("debtor.iban", "must be an IBAN"))
    currencies = {t.amount.currency for t in transfers}
    if len(currencies) > 1:
        problems.append(FieldProblem("transfers", f"mixes {', '.join(sorted(currencies))}"))
    _check_transfers(transfers, problems)
    if problems:
        raise ValidationError("the bank file cannot be written", problems)
    root = _build(transfers, debtor, message_id, created_at, execution_date, version, instant)
    if schema is not None and not schema.validate(root):
        raise ValidationError.at(
            "schema", f"the file does not validate: {str(schema.error_log)[:300]}"
        )
    written: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return written


def _build(
    transfers: Sequence[CreditTransfer],
    debtor: Debtor,
    message_id: str,
    created_at: datetime,
    execution_date: date,
    version: str,
    instant: bool,
) -> etree._Element:
    tree = _Tree(version)
    sub, text = tree.sub, tree.text
    root = etree.Element(tree.q + "Document", nsmap=_NSMAP[version])
    initiation = sub(root, "CstmrCdtTrfInitn")
    count, total = _header(tree, initiation, message_id, created_at, debtor)
    info = sub(initiation, "PmtInf")
    sub(info, "PmtInfId", message_id)
    sub(info, "PmtMtd", "TRF")
    info_count, info_total = sub(info, "NbOfTxs"), sub(info, "CtrlSum")
    kind = sub(info, "PmtTpInf")
    currency = transfers[0].amount.currency
    if currency == "EUR":
        sub(sub(kind, "SvcLvl"), "Cd", "SEPA")
    if instant:
        sub(sub(kind, "LclInstrm"), "Cd", "INST")
    if version.endswith(".03"):
        sub(info, "ReqdExctnDt", execution_date.isoformat())
    else:
        sub(sub(info, "ReqdExctnDt"), "Dt", execution_date.isoformat())
    payer = sub(info, "Dbtr")
    sub(payer, "Nm", text(debtor.name, 70, "debtor.name"))
    tree.address(payer, debtor.address, "debtor.address")
    tree.account(info, "DbtrAcct", debtor.iban)
    tree.agent(info, "DbtrAgt", debtor.bic)
    sub(info, "ChrgBr", "SLEV")
    amount_sum = Decimal(0)
    for i, item in enumerate(transfers):
        tx = sub(info, "CdtTrfTxInf")
        sub(sub(tx, "PmtId"), "EndToEndId", item.end_to_end_id)
        sub(sub(tx, "Amt"), "InstdAmt", str(item.amount.amount)).set("Ccy", currency)
        payee = sub(tx, "Cdtr")
        sub(payee, "Nm", text(item.payee_name, 70, "transfers", i, "payee_name"))
        if item.payee_address is not None:
            tree.address(payee, item.payee_address, f"transfers[{i}].payee_address")
        tree.account(tx, "CdtrAcct", item.payee_account)
        remittance = text(item.remittance, 140, "transfers", i, "remittance")
        sub(sub(tx, "RmtInf"), "Ustrd", remittance)
        amount_sum += item.amount.amount
    if tree.problems:
        raise ValidationError("the bank file cannot be written", tree.problems)
    number, sum_text = str(len(transfers)), str(amount_sum)
    for node, value in ((count, number), (info_count, number), (total, sum_text)):
        node.text = value
    info_total.text = sum_text
    return root
