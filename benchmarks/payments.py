"""The issue's payment figures in one run: notifications rendered, pain.001 written, camt.054 read.

- ``render``: ``--notifications`` messages (default 100,000) in ``en`` and
  ``zh-CN`` rendered by ``TemplateSet.render`` against a floor of the same
  templates rendered with plain Jinja2 and Babel calls (the workload and both
  renderers are ``benchmarks/notifications.py``'s). Target: at most 2x the floor.
- ``pain001``: a run of ``--payments`` credit transfers written by
  ``write_pain001`` with the schema given (every check, the transliteration
  of names, the tree validated against the official XSD, the bytes), against
  a floor that builds the same tree with lxml directly, validates it and
  writes the bytes. Target: at most 2x the floor.
- ``camt``: a camt.054 of as many entries read and matched against as many
  open payments by ``plan_camt``, what ``reconcile`` does before it applies
  anything (hardened parser, the account, every entry's outcome, each amount
  and currency exactly, ids named twice), against a floor of parsing the
  file alone with lxml. Target: at most 3x the floor.
- not in the JSON line: applying the plan moves each claim in its own desk
  call (``confirm_payment``: one unit of work, an event, a notification);
  its cost per claim is measured on ``--apply`` claims sent through a real
  payment run on the in-memory desk and printed on its own. And the SQL
  bank ledger (a SQLite file): ``--ledger`` keys taken one ``pay`` at a
  time against a payment run's way (``take`` in one write per chunk, then
  ``pay`` of each), per key.

Each figure is the median of ``--repeat`` rounds of this process's CPU time
(``--clock wall`` for elapsed time; the ledger's figures are always wall
time, since a database's work is not this process's CPU): on a shared
machine CPU time moves less with the load of others. The pain.001 schema is
the one in tests/payments/data.

Usage: python benchmarks/payments.py [--payments 100000] [--notifications 100000]
       [--apply 500] [--ledger 2000] [--repeat 3]
The last line printed is one JSON object with the issue's keys.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from reimbursement import Money
from reimbursement.adapters import sql
from reimbursement.bootstrap import in_memory_desk
from reimbursement.notify import TemplateSet
from reimbursement.payments.bankfile import BankFileGateway, Payee
from reimbursement.payments.camt import OpenPayment, plan_camt, reconcile
from reimbursement.payments.iso20022 import (
    CreditTransfer,
    Debtor,
    PostalAddress,
    end_to_end_id,
    write_pain001,
)
from reimbursement.payments.ledger import BankLedger
from reimbursement.payments.runs import PaymentRuns
from reimbursement.ports import PaymentInstruction

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.notifications import floor, library, workload  # noqa: E402
from tests.payments.bank import INSURER_IBAN, camt054  # noqa: E402
from tests.support import FINANCE, PROFILES, REVIEWER, submitted  # noqa: E402

VERSION = "pain.001.001.09"
NS = f"urn:iso:std:iso:20022:tech:xsd:{VERSION}"
AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
DEBTOR = Debtor("Versicherung AG", INSURER_IBAN, "COBADEFFXXX", PostalAddress("Berlin", "DE"))
NAMES = ("Ana Lima", "Jörg Müller", "李伟", "Zoë Martin", "Ben Okafor")


def transfers(count: int) -> list[CreditTransfer]:
    return [
        CreditTransfer(
            end_to_end_id(f"C{i:07d}:payment:1"),
            Money(f"{10 + i % 500}.{i % 100:02d}", "EUR"),
            NAMES[i % len(NAMES)],
            "DE89 3704 0044 0532 0130 00",
            f"Claim CLM-2026-{i:07d}",
            PostalAddress("München", "DE", "Leopoldstraße", str(i % 90 + 1), "80802"),
        )
        for i in range(count)
    ]


def floor_pain001(items: list[CreditTransfer], names: list[str], schema: etree.XMLSchema) -> bytes:
    """The same tree built with lxml directly (names already plain), validated, written."""
    q = f"{{{NS}}}"
    sub = etree.SubElement
    root = etree.Element(q + "Document", nsmap={None: NS})  # type: ignore[dict-item]
    init = sub(root, q + "CstmrCdtTrfInitn")
    header = sub(init, q + "GrpHdr")
    sub(header, q + "MsgId").text = "RUN-1"
    sub(header, q + "CreDtTm").text = AT.isoformat(timespec="seconds")
    sub(header, q + "NbOfTxs").text = str(len(items))
    total = str(sum(t.amount.amount for t in items))
    sub(header, q + "CtrlSum").text = total
    sub(sub(header, q + "InitgPty"), q + "Nm").text = DEBTOR.name
    info = sub(init, q + "PmtInf")
    for tag, text in (("PmtInfId", "RUN-1"), ("PmtMtd", "TRF"), ("NbOfTxs", str(len(items)))):
        sub(info, q + tag).text = text
    sub(info, q + "CtrlSum").text = total
    sub(sub(sub(info, q + "PmtTpInf"), q + "SvcLvl"), q + "Cd").text = "SEPA"
    sub(sub(info, q + "ReqdExctnDt"), q + "Dt").text = AT.date().isoformat()
    payer = sub(info, q + "Dbtr")
    sub(payer, q + "Nm").text = DEBTOR.name
    address = sub(payer, q + "PstlAdr")
    sub(address, q + "TwnNm").text = "Berlin"
    sub(address, q + "Ctry").text = "DE"
    sub(sub(sub(info, q + "DbtrAcct"), q + "Id"), q + "IBAN").text = "DE02120300000000202051"
    sub(sub(sub(info, q + "DbtrAgt"), q + "FinInstnId"), q + "BICFI").text = "COBADEFFXXX"
    sub(info, q + "ChrgBr").text = "SLEV"
    for item, name in zip(items, names, strict=True):
        tx = sub(info, q + "CdtTrfTxInf")
        sub(sub(tx, q + "PmtId"), q + "EndToEndId").text = item.end_to_end_id
        amount = sub(sub(tx, q + "Amt"), q + "InstdAmt")
        amount.text = str(item.amount.amount)
        amount.set("Ccy", "EUR")
        payee = sub(tx, q + "Cdtr")
        sub(payee, q + "Nm").text = name
        postal = sub(payee, q + "PstlAdr")
        sub(postal, q + "StrtNm").text = "Leopoldstrasse"
        sub(postal, q + "BldgNb").text = item.payee_address.building_number  # type: ignore[union-attr]
        sub(postal, q + "PstCd").text = "80802"
        sub(postal, q + "TwnNm").text = "Muenchen"
        sub(postal, q + "Ctry").text = "DE"
        sub(sub(sub(tx, q + "CdtrAcct"), q + "Id"), q + "IBAN").text = "DE89370400440532013000"
        sub(sub(tx, q + "RmtInf"), q + "Ustrd").text = item.remittance
    assert schema.validate(root), schema.error_log
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def median(call: Callable[[], object], repeat: int, clock: Callable[[], float]) -> float:
    """The median of ``repeat`` timed calls."""
    times = []
    for _ in range(repeat):
        start = clock()
        call()
        times.append(clock() - start)
    return statistics.median(times)


def apply_cost(count: int, clock: Callable[[], float]) -> float:
    """Seconds per claim to apply a camt.054 to claims sent by a real run on the desk."""
    gateway = BankFileGateway(DEBTOR)
    desk = in_memory_desk(reviewers=["rev-1"], customers=PROFILES, payments=gateway)
    for _ in range(count):
        claim = desk.approve(REVIEWER, submitted(desk).id)
        desk.approve_payment(FINANCE, claim.id)
    written = PaymentRuns(desk).run_at(AT).file
    assert written is not None
    data = camt054([(e2e, "42.50", "paid") for e2e in written.end_to_end_ids])
    start = clock()
    report = reconcile(desk, FINANCE, data, account=INSURER_IBAN)
    elapsed = clock() - start
    assert len(report.paid) == count
    return elapsed / count


def ledger_costs(count: int) -> tuple[float, float]:
    """Wall seconds per key on a SQLite ledger: one ``pay`` at a time, and a run's way."""
    folder = Path(tempfile.mkdtemp())
    instructions = [
        PaymentInstruction(
            f"C{i:07d}:payment:1", f"C{i:07d}", "DE89370400440532013000", Money("42.50", "EUR"),
            f"Claim CLM-2026-{i:07d}",
        )
        for i in range(count)
    ]  # fmt: skip

    def gateway(name: str) -> tuple[BankFileGateway, sql.SqlClaimStore]:
        url = f"sqlite:///{folder / name}"
        sql.upgrade(url)
        store = sql.create(url)
        ledger: BankLedger = sql.SqlBankLedger(store.engine)
        return BankFileGateway(DEBTOR, payee_of=lambda i: Payee("Ana Lima"), ledger=ledger), store

    one, first = gateway("one.db")
    start = time.perf_counter()
    for instruction in instructions:
        one.pay(instruction)
    single = (time.perf_counter() - start) / count
    run, second = gateway("run.db")
    start = time.perf_counter()
    run.take(instructions)
    for instruction in instructions:
        run.pay(instruction)
    batched = (time.perf_counter() - start) / count
    assert one.queued() == run.queued()
    assert len(run.queued()) == count
    first.close()
    second.close()
    return single, batched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=100_000)
    parser.add_argument("--apply", type=int, default=500, help="claims for the apply cost")
    parser.add_argument("--ledger", type=int, default=2000, help="keys for the SQL ledger")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    messages = workload(args.notifications)
    ours_render, plain_render = library(TemplateSet()), floor()
    ours_render(messages[:200])  # warm both: templates compiled, locale data loaded
    plain_render(messages[:200])
    render_s = median(lambda: ours_render(messages), args.repeat, clock)
    render_floor = median(lambda: plain_render(messages), args.repeat, clock)

    schema = etree.XMLSchema(etree.parse(str(ROOT / "tests/payments/data" / f"{VERSION}.xsd")))
    items = transfers(args.payments)
    plain = [
        {"Jörg Müller": "Joerg Mueller", "李伟": "Li Wei", "Zoë Martin": "Zoe Martin"}.get(
            t.payee_name, t.payee_name
        )
        for t in items
    ]

    def ours() -> bytes:
        return write_pain001(
            items,
            DEBTOR,
            message_id="RUN-1",
            created_at=AT,
            execution_date=AT.date(),
            schema=schema,
        )

    assert etree.fromstring(ours()) is not None
    pain_s = median(ours, args.repeat, clock)
    pain_floor = median(lambda: floor_pain001(items, plain, schema), args.repeat, clock)

    data = camt054(
        (t.end_to_end_id, str(t.amount.amount), "failed" if i % 50 == 0 else "paid")
        for i, t in enumerate(items)
    )
    open_payments = {
        t.end_to_end_id: OpenPayment(f"C{i:07d}", t.amount) for i, t in enumerate(items)
    }
    hardened = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def camt() -> None:
        plan = plan_camt(data, open_payments, account=INSURER_IBAN)
        assert len(plan.confirm) + len(plan.fail) == len(items)

    camt_s = median(camt, args.repeat, clock)
    camt_floor = median(lambda: etree.fromstring(data, hardened), args.repeat, clock)
    per_claim = apply_cost(args.apply, clock)
    single, batched = ledger_costs(args.ledger)

    n, m = f"{args.payments:,}", f"{args.notifications:,}"
    print(
        f"render of {m} (en, zh-CN): {render_s:.3f} s; floor {render_floor:.3f} s;"
        f" x{render_s / render_floor:.2f}"
    )
    print(f"pain.001 of {n}: {pain_s:.3f} s; floor {pain_floor:.3f} s; x{pain_s / pain_floor:.2f}")
    print(
        f"camt.054 of {n} ({len(data) / 1e6:.1f} MB): {camt_s:.3f} s; floor {camt_floor:.3f} s;"
        f" x{camt_s / camt_floor:.2f}"
    )
    print(
        f"applying a camt.054 on the in-memory desk: {per_claim * 1e6:.0f} µs per claim "
        f"({args.apply:,} claims; one desk call each; not in the ratio)"
    )
    print(
        f"SQLite bank ledger, {args.ledger:,} keys: pay one at a time {single * 1e3:.3f} ms/key;"
        f" a run's take + pay {batched * 1e3:.3f} ms/key (wall time; not in the JSON line)"
    )
    figures = {
        "render_s": render_s,
        "render_floor_s": render_floor,
        "pain001_s": pain_s,
        "pain001_floor_s": pain_floor,
        "camt_s": camt_s,
        "camt_floor_s": camt_floor,
    }
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
