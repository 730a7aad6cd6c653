"""pain.001 out, camt.054 in: valid files, an end-to-end id per attempt, hostile XML refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.payments.bank import INSURER_IBAN, assert_valid, camt054
from tests.support import FINANCE, PROFILES, REVIEWER, submitted

from reimbursement import Money
from reimbursement.bootstrap import in_memory_desk
from reimbursement.errors import ValidationError
from reimbursement.payments.bankfile import BankFileGateway
from reimbursement.payments.camt import match, open_payments, plan_camt, read_camt, reconcile
from reimbursement.payments.charset import SEPA_CHARACTERS, sepa_text
from reimbursement.payments.iso20022 import (
    PAIN_001_VERSIONS,
    CreditTransfer,
    Debtor,
    PostalAddress,
    end_to_end_id,
    write_pain001,
)
from reimbursement.payments.runs import PaymentRuns
from reimbursement.ports import PaymentGateway, PaymentInstruction, PaymentReceipt, ReceiptStatus

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
DEBTOR = Debtor(
    "Versicherung AG",
    INSURER_IBAN,
    "COBADEFFXXX",
    PostalAddress("Berlin", "DE", "Unter den Linden", "1", "10117"),
)


def transfer(i: int, name: str = "Ana Lima", **changes: object) -> CreditTransfer:
    fields: dict[str, object] = {
        "end_to_end_id": end_to_end_id(f"{i:032x}:payment:1"),
        "amount": Money("125.40", "EUR"),
        "payee_name": name,
        "payee_account": "DE89 3704 0044 0532 0130 00",
        "remittance": f"Claim CLM-{i}",
        "payee_address": PostalAddress("München", "DE", "Leopoldstraße", "12a", "80802"),
    }
    fields.update(changes)
    return CreditTransfer(**fields)  # type: ignore[arg-type]


def write(transfers: list[CreditTransfer], version: str = PAIN_001_VERSIONS[0]) -> bytes:
    return write_pain001(
        transfers,
        DEBTOR,
        message_id="RUN-1",
        created_at=AT,
        execution_date=AT.date(),
        version=version,
    )


@pytest.mark.parametrize("version", PAIN_001_VERSIONS)
def test_a_file_validates_with_structured_addresses_and_its_own_end_to_end_ids(
    version: str,
) -> None:
    document = assert_valid(write([transfer(i) for i in range(3)], version), version)
    ids = [e.text for e in document.iterfind(".//{*}EndToEndId")]
    assert len(set(ids)) == 3
    assert "NOTPROVIDED" not in ids
    address = document.find(".//{*}Cdtr/{*}PstlAdr")
    assert address is not None
    assert [child.tag.split("}")[1] for child in address] == [
        "StrtNm",
        "BldgNb",
        "PstCd",
        "TwnNm",
        "Ctry",
    ]
    assert document.findtext(".//{*}GrpHdr/{*}CtrlSum") == "376.20"


def test_end_to_end_ids_are_short_for_short_keys_and_hashed_for_long_ones() -> None:
    assert end_to_end_id("C000042:payment:2") == "C000042/2"
    long_key = f"{'a' * 40}:payment:1"
    assert len(end_to_end_id(long_key)) == 35
    assert end_to_end_id(long_key) != end_to_end_id(f"{'a' * 40}:payment:2")


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Jörg Müller-Lüdenscheidt", "Joerg Mueller-Luedenscheidt"),
        ("François Ærø", "Francois AEro"),
        ("李伟", "Li Wei"),
        ("Zhang 小明 & Co", "Zhang Xiao Ming + Co"),
        ("Ana\u00a0 Lima", "Ana Lima"),
    ],
)
def test_names_are_transliterated_by_the_stated_rule(name: str, written: str) -> None:
    assert sepa_text("name", name) == written
    assert_valid(write([transfer(1, name)]), "pain.001.001.09")


@pytest.mark.parametrize("name", ["Иван Петров", "محمد", "Ana 😀"])
def test_names_no_rule_can_write_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        write([transfer(0), transfer(1, name)])
    assert [p.path for p in caught.value.problems] == ["transfers[1].payee_name"]


@settings(max_examples=60)
@given(st.text(min_size=1, max_size=80))
def test_any_name_is_written_in_the_sepa_set_or_refused(name: str) -> None:
    try:
        content = write([transfer(1, name)])
    except ValidationError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert all(p.path.startswith("transfers[0]") for p in refused.problems)
        return
    document = assert_valid(content, "pain.001.001.09")
    written = document.findtext(".//{*}Cdtr/{*}Nm") or ""
    assert set(written) <= SEPA_CHARACTERS
    assert 0 < len(written) <= 70


def test_bad_files_are_refused_with_every_problem_and_nothing_written() -> None:
    bad = [
        transfer(1, payee_account="DE89"),
        transfer(1, amount=Money("0", "EUR")),
        transfer(2, end_to_end_id="NOTPROVIDED"),
        transfer(3, payee_address=PostalAddress("", "Germany")),
    ]
    with pytest.raises(ValidationError) as caught:
        write(bad)
    paths = {p.path for p in caught.value.problems}
    assert {
        "transfers[0].payee_account",
        "transfers[1].end_to_end_id",
        "transfers[1].amount",
        "transfers[2].end_to_end_id",
    } <= paths
    with pytest.raises(ValidationError) as caught:
        write([transfer(3, payee_address=PostalAddress("", "Germany"))])
    assert {p.path for p in caught.value.problems} == {
        "transfers[0].payee_address.town",
        "transfers[0].payee_address.country",
    }
    with pytest.raises(ValidationError):
        write([transfer(1), transfer(2, amount=Money("5", "USD"))])
    with pytest.raises(ValidationError):
        write([])


# -- reconciliation ------------------------------------------------------------------------


def _sent_run(count: int, payments: PaymentGateway | None = None):  # type: ignore[no-untyped-def]
    """``count`` claims sent in one run's file by ``payments`` (a gateway wrapping ``.inner``)."""
    gateway = BankFileGateway(DEBTOR) if payments is None else payments.inner  # type: ignore[attr-defined]
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, payments=payments or gateway)
    ids = []
    for _ in range(count):
        claim = desk.approve(REVIEWER, submitted(desk).id)
        desk.approve_payment(FINANCE, claim.id)
        ids.append(claim.id)
    runs = PaymentRuns(desk, bank_files=gateway)
    outcome = runs.run_at(AT)
    assert outcome.file is not None
    assert_valid(outcome.file.content, "pain.001.001.09")
    return desk, ids, outcome.file.end_to_end_ids


def test_camt054_settles_claims_and_the_same_file_twice_changes_nothing() -> None:
    desk, ids, e2e = _sent_run(3)
    data = camt054(
        [
            (e2e[0], "42.50", "paid"),
            (e2e[1], "42.50", "failed"),
            (e2e[2], "42.50", "pending"),
            ("C999/1", "10.00", "paid"),
        ]
    )
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert (report.paid, report.failed, report.pending) == ((ids[0],), (ids[1],), (e2e[2],))
    assert report.unknown == ("C999/1",)
    states = [desk.get(FINANCE, c).state.value for c in ids]
    assert states == ["paid", "payment_failed", "payment_approved"]
    assert "AC04" in (desk.get(FINANCE, ids[1]).payment.failure_reason or "")  # type: ignore[union-attr]
    before = [desk.get(FINANCE, c) for c in ids]
    again = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert (again.paid, again.failed) == ((), ())
    assert set(again.already_settled) == {e2e[0], e2e[1]}
    assert [desk.get(FINANCE, c) for c in ids] == before


def test_an_amount_that_differs_is_reported_not_applied() -> None:
    desk, ids, e2e = _sent_run(1)
    report = reconcile(desk, FINANCE, camt054([(e2e[0], "42.51", "paid")]), account=INSURER_IBAN)
    assert report.paid == ()
    assert report.mismatched[0][0] == e2e[0]
    assert desk.get(FINANCE, ids[0]).state.value == "payment_approved"


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("42.505", "more decimals than EUR has"),  # never rounded to 42.50
        ("42,50", "is no amount"),
        ("-42.50", "is no amount"),
        ("1e2", "is no amount"),
    ],
)
def test_an_amount_the_bank_wrote_wrongly_is_reported_not_applied(
    amount: str, problem: str
) -> None:
    desk, ids, e2e = _sent_run(1)
    data = camt054([(e2e[0], amount, "paid")])
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert report.paid == ()
    assert report.mismatched[0][0] == e2e[0]
    assert problem in report.mismatched[0][1]
    assert desk.get(FINANCE, ids[0]).state.value == "payment_approved"
    (result,) = read_camt(data).results
    assert result.amount is None
    assert result.problem is not None
    assert problem in result.problem


def test_an_amount_in_another_or_an_unknown_currency_is_reported_not_applied() -> None:
    desk, ids, e2e = _sent_run(2)
    data = camt054([(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "paid")])
    data = data.replace(b'Ccy="EUR"', b'Ccy="USD"', 2).replace(b'Ccy="EUR"', b'Ccy="XYZ"', 2)
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert report.paid == ()
    assert dict(report.mismatched).keys() == {e2e[0], e2e[1]}
    assert "42.50 USD" in dict(report.mismatched)[e2e[0]]
    assert "no ISO 4217" in dict(report.mismatched)[e2e[1]]
    assert [desk.get(FINANCE, c).state.value for c in ids] == ["payment_approved"] * 2


def _first_without_amounts(data: bytes) -> bytes:
    """``data`` with its first entry's amounts taken out (the entry's and the transaction's)."""
    head, first, rest = data.split(b"<Ntry>", 2)
    first = re.sub(rb'<Amt Ccy="[A-Z]+">[^<]*</Amt>', b"", first)
    return b"<Ntry>".join((head, first, rest))


@pytest.mark.parametrize("outcome", ["paid", "failed"])
def test_a_transaction_with_no_amount_is_reported_not_applied(outcome: str) -> None:
    desk, ids, e2e = _sent_run(2)
    data = _first_without_amounts(camt054([(e2e[0], "42.50", outcome), (e2e[1], "42.50", "paid")]))
    assert b"<Amt" not in data.split(b"<Ntry>")[1], "the test file still names an amount"
    without, _ = read_camt(data).results
    assert (without.amount, without.problem) == (None, None)  # the file names none
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert (report.paid, report.failed) == ((ids[1],), ())
    assert [e for e, _ in report.mismatched] == [e2e[0]]
    assert "names no amount" in report.mismatched[0][1]
    assert "42.50 EUR" in report.mismatched[0][1]
    assert desk.get(FINANCE, ids[0]).state.value == "payment_approved"
    assert desk.adapters.payments.status(f"{ids[0]}:payment:1").status is ReceiptStatus.PENDING
    plan = match(read_camt(data), open_payments(desk, FINANCE))
    assert [e for e, _ in plan.mismatched] == [e2e[0]]  # still open, still refused


def test_an_amount_written_otherwise_but_equal_is_applied() -> None:
    desk, ids, e2e = _sent_run(1)
    report = reconcile(desk, FINANCE, camt054([(e2e[0], "42.5000", "paid")]), account=INSURER_IBAN)
    assert report.paid == (ids[0],)


def test_match_on_a_statement_read_gives_the_plan_plan_camt_gives() -> None:
    desk, ids, e2e = _sent_run(3)
    data = camt054(
        [
            (e2e[0], "42.50", "paid"),
            (e2e[1], "42.50", "failed"),
            (e2e[2], "42.51", "paid"),
            (e2e[0], "42.50", "paid"),
            ("C999/1", "1.00", "pending"),
        ]
    )
    sent = open_payments(desk, FINANCE)
    plan = plan_camt(data, sent, account=INSURER_IBAN)
    assert plan == match(read_camt(data), sent)
    assert plan.confirm == ((ids[0], e2e[0]),)
    assert [c for c, _, _ in plan.fail] == [ids[1]]
    assert [e for e, _ in plan.mismatched] == [e2e[2]]
    assert plan.not_open == (e2e[0],)  # named twice: settled once
    assert plan.pending == ("C999/1",)


class _FileFed:
    """A gateway of an integration team's own, fed by bank files: no BankFileGateway."""

    def __init__(self, inner: BankFileGateway) -> None:
        self.inner = inner
        self.settled: list[tuple[str, ReceiptStatus]] = []

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        return self.inner.pay(instruction)

    def status(self, idempotency_key: str) -> PaymentReceipt | None:
        return self.inner.status(idempotency_key)

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        return self.inner.cancel(idempotency_key)

    def settle(
        self, idempotency_key: str, status: ReceiptStatus, reason: str | None = None
    ) -> PaymentReceipt:
        self.settled.append((idempotency_key, status))
        return self.inner.settle(idempotency_key, status, reason)


def test_any_gateway_that_is_a_bank_settlement_is_told_what_the_bank_said() -> None:
    gateway = _FileFed(BankFileGateway(DEBTOR))
    desk, ids, e2e = _sent_run(2, gateway)
    report = reconcile(
        desk,
        FINANCE,
        camt054([(e2e[0], "42.50", "paid"), (e2e[1], "42.50", "failed")]),
        account=INSURER_IBAN,
    )
    assert (report.paid, report.failed) == ((ids[0],), (ids[1],))
    assert [s for _, s in gateway.settled] == [ReceiptStatus.SETTLED, ReceiptStatus.FAILED]
    assert [desk.get(FINANCE, c).state.value for c in ids] == ["paid", "payment_failed"]


def test_a_camt_file_for_another_account_is_refused_and_nothing_applied() -> None:
    desk, ids, e2e = _sent_run(1)
    data = camt054([(e2e[0], "42.50", "paid")], account="DE89 3704 0044 0532 0130 00")
    with pytest.raises(ValidationError) as caught:
        reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    assert "another account" in str(caught.value)
    assert desk.get(FINANCE, ids[0]).state.value == "payment_approved"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<Ntfctn><Acct><Id><IBAN>&xxe;</IBAN></Id></Acct></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]><Document><BkToCstmrDbtCdtNtfctn><Ntfctn><Acct><Id><IBAN>&lol9;</IBAN></Id></Acct>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_hostile_xml_is_refused_without_reading_files_or_expanding(data: bytes) -> None:
    with pytest.raises(ValidationError, match=r"DOCTYPE|entity") as caught:
        read_camt(data)
    assert len(str(caught.value)) < 500  # nothing expanded into the message


@pytest.mark.parametrize(
    "data", [b"", b"<not xml", b"<Document/>", camt054([]).replace(b"<IBAN>", b"<X>")]
)
def test_files_that_are_no_camt_are_refused(data: bytes) -> None:
    with pytest.raises(ValidationError):
        read_camt(data)


def test_a_file_over_the_limit_is_refused_before_parsing() -> None:
    with pytest.raises(ValidationError, match="limit"):
        read_camt(camt054([("a/1", "1.00", "paid")]), max_bytes=100)


def test_a_camt053_statement_is_read_too() -> None:
    data = (
        camt054([("C1/1", "42.50", "paid")])
        .replace(b"BkToCstmrDbtCdtNtfctn", b"BkToCstmrStmt")
        .replace(b"Ntfctn>", b"Stmt>")
    )
    statement = read_camt(data)
    assert [(r.end_to_end_id, r.outcome) for r in statement.results] == [("C1/1", "paid")]
    assert statement.results[0].amount == Money("42.50", "EUR")


BATCH = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>B-1</MsgId></GrpHdr><Ntfctn><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id>
</Acct><Ntry><Amt Ccy="EUR">85.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls>
<TxDtls><Refs><EndToEndId>C1/1</EndToEndId></Refs><AmtDtls><InstdAmt><Amt Ccy="EUR">42.50</Amt>
</InstdAmt></AmtDtls></TxDtls><TxDtls><Refs><EndToEndId>C2/1</EndToEndId></Refs><AmtDtls>
<InstdAmt><Amt Ccy="EUR">42.50</Amt></InstdAmt></AmtDtls></TxDtls></NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">42.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><Sts>PDNG</Sts>
<NtryDtls><TxDtls><Refs><EndToEndId>C3/1</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def test_batch_entries_and_odd_shapes_are_read_entry_by_entry() -> None:
    # two transactions in one booking, amounts in AmtDtls, a 2009 (.02) status, an entry
    # with two statuses: the column reader must not line these up, the walk reads them
    results = {r.end_to_end_id: r for r in read_camt(BATCH).results}
    assert {e: r.outcome for e, r in results.items()} == {
        "C1/1": "paid",
        "C2/1": "paid",
        "C3/1": "paid",
    }
    assert results["C1/1"].amount == Money("42.50", "EUR")
    assert results["C3/1"].amount == Money("42.50", "EUR")  # the entry's: its only transaction


@settings(max_examples=30)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C1/1", "C2/1", "C3/1", "C4/1"]),
            st.sampled_from(["42.50", "10.00"]),
            st.sampled_from(["paid", "failed", "pending"]),
        ),
        max_size=8,
    )
)
def test_every_entry_is_read_with_its_outcome(entries: list[tuple[str, str, str]]) -> None:
    results = read_camt(camt054(entries)).results
    assert [(r.end_to_end_id, str(r.amount.amount), r.outcome) for r in results] == entries  # type: ignore[union-attr]
    assert all((r.reason == "AC04 account closed") == (r.outcome == "failed") for r in results)


def test_tabs_and_line_breaks_in_a_field_cannot_shift_the_others() -> None:
    data = camt054([("C1/1\tBOOK\tDBIT", "42.50", "pending"), ("C2/1\n", "10.00", "paid")])
    results = read_camt(data).results
    assert [(r.end_to_end_id, r.outcome) for r in results] == [
        ("C1/1 BOOK DBIT", "pending"),
        ("C2/1", "paid"),
    ]


def test_a_camt_without_namespace_is_read_too() -> None:
    data = camt054([("C1/1", "42.50", "paid")]).replace(
        b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"', b""
    )
    assert [r.outcome for r in read_camt(data).results] == ["paid"]
