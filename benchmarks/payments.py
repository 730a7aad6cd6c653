"""Bank files at volume: pain.001 written and validated, camt.054 read and matched, by ratios.

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
- ``camt_apply``: not part of the ratio. Applying the plan moves each claim
  in its own desk call (``confirm_payment``: one unit of work, an event, a
  notification); its cost per claim is measured on ``--apply`` claims sent
  through a real payment run on the in-memory desk and printed on its own.

Each figure is the median of ``--repeat`` rounds of this process's CPU time
(``--clock wall`` for elapsed time): on a shared machine it moves less with
the load of others. The pain.001 schema is the one in tests/payments/data.

Usage: python benchmarks/payments.py [--payments 100000] [--apply 500] [--repeat 3]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from reimbursement import Money
from reimbursement.bootstrap import in_memory_desk
from reimbursement.payments.bankfile import BankFileGateway
from reimbursement.payments.camt import OpenPayment, plan_camt, reconcile
from reimbursement.payments.iso20022 import (
    CreditTransfer,
    Debtor,
    PostalAddress,
    end_to_end_id,
    write_pain001,
)
from reimbursement.payments.runs import PaymentRuns

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--apply", type=int, default=500, help="claims for the apply cost")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
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

    n = f"{args.payments:,}"
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
        json.dumps(
            {
                "pain001_s": round(pain_s, 4),
                "pain001_floor_s": round(pain_floor, 4),
                "pain001_ratio": round(pain_s / pain_floor, 2),
                "camt_s": round(camt_s, 4),
                "camt_floor_s": round(camt_floor, 4),
                "camt_ratio": round(camt_s / camt_floor, 2),
                "camt_apply_per_claim_s": round(per_claim, 6),
                "payments": args.payments,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
