"""What the worker processes of ``test_workers.py`` run: desks on one database, racing.

Kept in a module of its own so that ``multiprocessing`` (spawn) can import
it in each child. The gateway and the notifier write what they do to tables
of their own in the same database, so the parent can count payouts and
deliveries across processes afterwards.
"""

from __future__ import annotations

import contextlib
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from reimbursement import Actor, CustomerProfile, DeskSettings, LineInput, Money, Role
from reimbursement.adapters.memory import ManualClock
from reimbursement.bootstrap import sql_desk
from reimbursement.errors import PaymentError, ReimbursementError
from reimbursement.payments import iban_for
from reimbursement.ports import Notification, PaymentInstruction, PaymentReceipt, ReceiptStatus
from reimbursement.service.desk import ReimbursementDesk
from reimbursement.service.dispatch import DeliveryPolicy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REVIEWERS = ["rev-1", "rev-2", "rev-3"]
FINANCE = [Actor.finance("fin-1"), Actor.finance("fin-2")]
CUSTOMERS = [
    CustomerProfile(
        f"cust-{i}", f"Customer {i}", f"POL-{i}", "EUR", payee_account=iban_for("DE", f"{i:018d}")
    )
    for i in range(10)
]
SYSTEM = Actor("gateway", Role.SYSTEM)

_TEST_TABLES = sa.MetaData()
PAYOUTS = sa.Table(
    "test_payouts",
    _TEST_TABLES,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("amount", sa.String(40), nullable=False),
    sa.Column("account", sa.String(80), nullable=False),
)
SENDS = sa.Table(
    "test_sends",
    _TEST_TABLES,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("process", sa.String(40), nullable=False),
)


def create_test_tables(url: str) -> None:
    engine = sa.create_engine(url)
    _TEST_TABLES.create_all(engine)
    engine.dispose()


class TableGateway:
    """Pays once per idempotency key, recorded in ``test_payouts``; answers "pending"."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        key = instruction.idempotency_key
        row = {
            "idempotency_key": key,
            "claim_id": instruction.claim_id,
            "amount": str(instruction.amount),
            "account": instruction.payee_account,
        }
        with self.engine.begin() as connection:
            found = connection.execute(
                sa.select(PAYOUTS).where(PAYOUTS.c.idempotency_key == key)
            ).first()
            if found is None:
                # another process may pay this key a moment before: once is enough
                with contextlib.suppress(sa.exc.IntegrityError):
                    connection.execute(PAYOUTS.insert().values(**row))
        return PaymentReceipt(key, f"REF-{key}", ReceiptStatus.PENDING)

    def status(self, idempotency_key: str) -> PaymentReceipt | None:
        """Settled once recorded (the money moved); ``None`` for a key never paid."""
        with self.engine.begin() as connection:
            found = connection.execute(
                sa.select(PAYOUTS).where(PAYOUTS.c.idempotency_key == idempotency_key)
            ).first()
        if found is None:
            return None
        return PaymentReceipt(idempotency_key, f"REF-{idempotency_key}", ReceiptStatus.SETTLED)

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        """Too late for a recorded payout; the workload never cancels one it has not made."""
        found = self.status(idempotency_key)
        if found is None:
            raise PaymentError(f"this test gateway cannot close {idempotency_key} in advance")
        return found


class TableNotifier:
    """Records every delivery of this process in ``test_sends``.

    ``hang`` makes it stop for good (the parent kills the process there):
    ``"before"`` the first delivery is made, or ``"after"`` it is made but
    before the dispatcher can mark it delivered.
    """

    def __init__(self, url: str, process: str, *, hang: str | None = None) -> None:
        self.engine = sa.create_engine(url)
        self.process = process
        self.hang = hang

    def send(self, notification: Notification) -> None:
        if self.hang == "before":
            time.sleep(600)
        with self.engine.begin() as connection:
            connection.execute(
                SENDS.insert().values(
                    key=notification.key, claim_id=notification.claim_id, process=self.process
                )
            )
        if self.hang == "after":
            time.sleep(600)


def desk_on(
    url: str,
    documents: Path,
    process: str,
    *,
    hang: str | None = None,
    immediately: bool = False,
) -> ReimbursementDesk:
    """A desk as each worker process builds it (leases of one second, for the crash tests)."""
    return sql_desk(
        url,
        documents=documents,
        customers=CUSTOMERS,
        payments=TableGateway(url),
        notifier=TableNotifier(url, process, hang=hang),
        clock=ManualClock(START),
        reviewers=REVIEWERS,
        settings=DeskSettings(
            require_receipts=False,
            dispatch_immediately=immediately,
            delivery=DeliveryPolicy(lease=timedelta(seconds=1)),
        ),
    )


def file_claims(desk: ReimbursementDesk, count: int) -> list[str]:
    """``count`` submitted claims, spread over the customers."""
    ids = []
    for i in range(count):
        customer = Actor.customer(CUSTOMERS[i % len(CUSTOMERS)].customer_id)
        line = LineInput("pharmacy", date(2026, 3, 1), "Pharmacy", Money(f"{10 + i}.00", "EUR"))
        draft = desk.start_draft(customer, [line])
        ids.append(desk.submit(customer, draft.id).id)
    return ids


def race(url: str, documents: str, process: int, claim_ids: list[str], rounds: int) -> list[str]:
    """Work every claim in a shuffled order, with conflicting and repeated commands.

    Returns what this process saw accepted, as ``"<claim>:<what>"`` lines.
    """
    rng = random.Random(process)
    accepted: list[str] = []
    with desk_on(url, Path(documents), f"p{process}") as desk:
        for _ in range(rounds):
            order = list(claim_ids)
            rng.shuffle(order)
            for claim_id in order:
                accepted.extend(_step(desk, claim_id, rng))
            desk.dispatch_notifications(20)
    return accepted


def _step(desk: ReimbursementDesk, claim_id: str, rng: random.Random) -> list[str]:
    done = []
    staff = FINANCE[rng.randrange(2)]
    claim = desk.get(staff, claim_id)
    state = claim.state.value
    # the same author and request id in every process: the message is posted once
    note = rng.randrange(3)
    try:
        desk.post_message(
            FINANCE[note % 2],
            claim_id,
            f"note {note}",
            internal=True,
            request_id=f"{claim_id}-note-{note}",
        )
        done.append(f"{claim_id}:note-{note}")
    except ReimbursementError:
        pass
    try:
        if state == "in_review" and claim.assignee is not None:
            desk.approve(Actor.reviewer(claim.assignee), claim_id)
            done.append(f"{claim_id}:approved")
        elif state == "payment_requested":
            desk.approve_payment(staff, claim_id)
            done.append(f"{claim_id}:payment_approved")
        elif state == "payment_approved" and claim.payment.status.value == "approved":  # type: ignore[union-attr]
            desk.pay(staff, claim_id, request_id=f"{claim_id}-pay")
            done.append(f"{claim_id}:sent")
        elif state == "payment_approved" and claim.payment is not None:
            reference = claim.payment.gateway_reference or ""
            desk.confirm_payment(SYSTEM, claim_id, reference)  # every process: a duplicate
            done.append(f"{claim_id}:paid")
    except ReimbursementError:
        pass  # someone else got there first: refused, nothing written
    return done


def submit_and_hang(url: str, documents: str) -> None:
    """Submit a claim and deliver at once, through a notifier that hangs before it delivers:
    killed there, the claim is committed and its notification not yet delivered."""
    with desk_on(url, Path(documents), "submitting", hang="before", immediately=True) as desk:
        file_claims(desk, 1)


def deliver_and_hang(url: str, documents: str) -> None:
    """Dispatch through a notifier that hangs after its first delivery: killed there, the
    message was leased and delivered but never marked delivered."""
    with desk_on(url, Path(documents), "hanging", hang="after") as desk:
        desk.dispatch_notifications(100)


def pay_and_hang(url: str, documents: str, claim_id: str) -> None:
    """Pay through a gateway that hangs once the money has moved, before the desk commits."""
    with desk_on(url, Path(documents), "paying") as desk:
        gateway = desk.adapters.payments
        assert isinstance(gateway, TableGateway)
        pay = gateway.pay

        def pay_then_hang(instruction: PaymentInstruction) -> PaymentReceipt:
            receipt = pay(instruction)
            time.sleep(600)  # the parent kills this process here
            return receipt

        gateway.pay = pay_then_hang  # type: ignore[method-assign]
        desk.pay(FINANCE[0], claim_id, request_id=f"{claim_id}-pay")
