"""Every contract suite of ``reimbursement.testing``, run against the built-in adapters.

Then what only the in-memory adapters promise: FX fallbacks and inverse
rates, and a store that loses no update under threads.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from reimbursement import Actor, Claim, Money
from reimbursement.adapters.filesystem import FileSystemDocumentStore
from reimbursement.adapters.memory import (
    InMemoryClaimStore,
    InMemoryCustomerDirectory,
    InMemoryDocumentStore,
    InMemoryFxRates,
    InMemoryNotifier,
    InMemoryOutboxQueue,
    InMemoryPaymentGateway,
    InMemoryUnitOfWork,
    ManualClock,
)
from reimbursement.adapters.system import SystemClock
from reimbursement.domain import commands
from reimbursement.errors import ConcurrencyError, PaymentError, RateNotFoundError, ValidationError
from reimbursement.ports import (
    Clock,
    CustomerDirectory,
    CustomerProfile,
    DocumentStore,
    FxRates,
    Notification,
    Notifier,
    OutboxQueue,
    PaymentGateway,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
    StoredDocument,
)
from reimbursement.testing import (
    ClaimRepositoryContract,
    ClockContract,
    CustomerDirectoryContract,
    DocumentStoreContract,
    FxRatesContract,
    NotifierContract,
    OutboxQueueContract,
    PaymentGatewayContract,
    UnitOfWorkFactory,
    draft,
)

# -- the contract suites on the in-memory adapters ------------------------------------------


class TestInMemoryClaimStore(ClaimRepositoryContract):
    @pytest.fixture
    def unit_of_work(self) -> UnitOfWorkFactory:
        return InMemoryClaimStore().unit_of_work


class TestInMemoryOutboxQueue(OutboxQueueContract):
    @pytest.fixture
    def store(self) -> InMemoryClaimStore:
        return InMemoryClaimStore()

    @pytest.fixture
    def unit_of_work(self, store: InMemoryClaimStore) -> UnitOfWorkFactory:
        return store.unit_of_work

    @pytest.fixture
    def outbox_queue(self, store: InMemoryClaimStore) -> OutboxQueue:
        return store.queue


class TestInMemoryNotifier(NotifierContract):
    @pytest.fixture
    def notifier(self) -> InMemoryNotifier:
        return InMemoryNotifier()

    def deliveries(self, notifier: Notifier) -> Sequence[str]:
        assert isinstance(notifier, InMemoryNotifier)
        return [n.key for n in notifier.sent]


@pytest.mark.parametrize("settle_immediately", [True, False], ids=["settled", "pending"])
class TestInMemoryPaymentGateway(PaymentGatewayContract):
    @pytest.fixture
    def gateway(self, settle_immediately: bool) -> InMemoryPaymentGateway:
        return InMemoryPaymentGateway(settle_immediately=settle_immediately)

    def payouts(self, gateway: PaymentGateway) -> Sequence[str]:
        assert isinstance(gateway, InMemoryPaymentGateway)
        return [p.idempotency_key for p in gateway.payouts] + gateway.pending()


class TestInMemoryCustomerDirectory(CustomerDirectoryContract):
    @pytest.fixture
    def directory(self) -> InMemoryCustomerDirectory:
        return InMemoryCustomerDirectory()

    def seed_profile(self, directory: CustomerDirectory, profile: CustomerProfile) -> None:
        assert isinstance(directory, InMemoryCustomerDirectory)
        directory.add(profile)


class TestInMemoryDocumentStore(DocumentStoreContract):
    @pytest.fixture
    def documents(self) -> DocumentStore:
        return InMemoryDocumentStore()


class TestFileSystemDocumentStore(DocumentStoreContract):
    @pytest.fixture
    def documents(self, tmp_path: Path) -> DocumentStore:
        return FileSystemDocumentStore(tmp_path / "documents")


class TestInMemoryFxRates(FxRatesContract):
    @pytest.fixture
    def fx_rates(self) -> InMemoryFxRates:
        return InMemoryFxRates()

    def seed_rate(
        self, fx_rates: FxRates, base: str, quote: str, day: date, rate: Decimal
    ) -> None:
        assert isinstance(fx_rates, InMemoryFxRates)
        fx_rates.set(base, quote, day, rate)


class TestSystemClock(ClockContract):
    @pytest.fixture
    def clock(self) -> Clock:
        return SystemClock()


class TestManualClock(ClockContract):
    @pytest.fixture
    def clock(self) -> Clock:
        return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


# -- the suites fail on adapters that break the contract -------------------------------------


class _RepeatingNotifier(InMemoryNotifier):
    """Delivers every send, a repeated key too."""

    def send(self, notification: Notification) -> None:
        self.sent.append(notification)


class _ForgetfulGateway(InMemoryPaymentGateway):
    """Forgets the keys it has paid, so a retry pays again."""

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        self._sent.clear()
        return super().pay(instruction)


class _UnstoppableGateway(InMemoryPaymentGateway):
    """Says a cancelled key is cancelled, but still pays it when it arrives."""

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        receipt = super().cancel(idempotency_key)
        if self._sent[idempotency_key][3] == 0:  # a key it never saw: forget the cancellation
            del self._sent[idempotency_key]
        return receipt


class _FloatRates(InMemoryFxRates):
    def rate(self, base: str, quote: str, on: date) -> Decimal:
        return float(super().rate(base, quote, on))  # type: ignore[return-value]


class _NaiveClock:
    def now(self) -> datetime:
        return datetime(2026, 3, 2, 9, 0)


class _ContentAddressedDocuments(InMemoryDocumentStore):
    """Gives identical content the same id: the second put overwrites the first's name."""

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        digest = hashlib.sha256(content).hexdigest()
        info = StoredDocument(digest[:12], file_name, media_type, len(content), digest)
        self._docs[info.id] = (info, content)
        return info


class _LastWriterWins:
    """A unit of work whose saves ignore the version read: updates get lost."""

    def __init__(self, inner: InMemoryUnitOfWork) -> None:
        self._inner = inner
        self.outbox = inner.outbox
        self.rollback = inner.rollback
        self._written: dict[str, Claim] = {}

    @property
    def claims(self) -> _LastWriterWins:
        return self

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner.claims, name)

    def save(self, claim: Claim, expected_version: int) -> None:
        self._inner.claims.get(claim.id)
        self._written[claim.id] = claim  # staged without any version check

    def commit(self) -> None:
        self._inner._store.claims.update(self._written)  # the last writer wins
        self._inner.commit()

    def __enter__(self) -> _LastWriterWins:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._inner.rollback()


def _blind_store() -> dict[str, object]:
    store = InMemoryClaimStore()
    return {"unit_of_work": lambda: _LastWriterWins(store.unit_of_work())}


class _NoCommitCheck(InMemoryUnitOfWork):
    """Checks the version when a claim is saved, but not again on commit: a lost update."""

    def commit(self) -> None:
        saved = self.claims.saved
        if saved is not None:  # pretend every claim is still at the version it was read at
            for claim_id, (claim, _) in list(saved.items()):
                saved[claim_id] = (claim, self._store.claims[claim_id].version)
        super().commit()


def _unchecked_store() -> dict[str, object]:
    store = InMemoryClaimStore()
    return {"unit_of_work": lambda: _NoCommitCheck(store)}


class _ReplacingQueue(InMemoryOutboxQueue):
    """Replaces a queued notification with a later one of the same key instead of keeping it."""

    def enqueue(
        self, notifications: Iterable[Notification], until: datetime | None = None
    ) -> list[Notification]:
        notifications = list(notifications)
        for notification in notifications:
            if self._pending.pop(notification.key, None) is not None:
                self._lines[notification.claim_id].remove(notification.key)
        return super().enqueue(notifications, until)


def _replacing_outbox() -> dict[str, object]:
    store = InMemoryClaimStore()
    store.queue = _ReplacingQueue(store.lock)
    return {"unit_of_work": store.unit_of_work, "outbox_queue": store.queue}


@pytest.mark.parametrize(
    ("suite", "test", "fixtures", "failure"),
    [
        (
            TestInMemoryClaimStore,
            "test_a_stale_save_raises_concurrency_error_and_the_first_save_stays",
            _blind_store,
            pytest.fail.Exception,
        ),
        (
            TestInMemoryOutboxQueue,
            "test_a_key_queued_again_is_kept_once_as_first_queued",
            _replacing_outbox,
            AssertionError,
        ),
        (
            TestInMemoryNotifier,
            "test_a_key_sent_twice_is_delivered_once",
            lambda: {"notifier": _RepeatingNotifier()},
            AssertionError,
        ),
        (
            TestInMemoryPaymentGateway,
            "test_the_same_key_twice_returns_the_first_receipt_and_pays_once",
            lambda: {"gateway": _ForgetfulGateway()},
            AssertionError,
        ),
        (
            TestInMemoryPaymentGateway,
            "test_a_key_cancelled_before_it_arrives_never_pays",
            lambda: {"gateway": _UnstoppableGateway(settle_immediately=False)},
            AssertionError,
        ),
        (
            TestInMemoryFxRates,
            "test_a_known_rate_comes_back_exactly_as_a_decimal",
            lambda: {"fx_rates": _FloatRates()},
            AssertionError,
        ),
        (
            TestInMemoryDocumentStore,
            "test_every_put_gets_a_new_id_even_for_the_same_content",
            lambda: {"documents": _ContentAddressedDocuments()},
            AssertionError,
        ),
        (
            TestManualClock,
            "test_now_is_timezone_aware",
            lambda: {"clock": _NaiveClock()},
            AssertionError,
        ),
    ],
    ids=["store", "outbox", "notifier", "gateway", "gateway-cancel", "fx", "documents", "clock"],
)
def test_a_suite_fails_on_an_adapter_that_breaks_its_contract(
    suite: type, test: str, fixtures: Callable[[], dict[str, object]], failure: type[BaseException]
) -> None:
    with pytest.raises(failure):
        getattr(suite(), test)(**fixtures())


# -- what only the in-memory adapters promise ------------------------------------------------

DAY = date(2026, 2, 27)  # a Friday
ALICE = Actor.customer("cust-1", "Alice")


def _instruction(key: str, amount: str = "10.00", account: str = "DE00 1") -> PaymentInstruction:
    return PaymentInstruction(key, "claim-1", account, Money(amount, "EUR"), "Claim CLM-1")


def test_in_memory_gateway_settles_and_fails_pending_payments_by_reference() -> None:
    gateway = InMemoryPaymentGateway(settle_immediately=False)
    first = gateway.pay(_instruction("k1"))
    second = gateway.pay(_instruction("k2", "20.00"))
    assert gateway.pending() == ["k1", "k2"]
    assert gateway.payouts == []
    settled = gateway.settle(second.reference)
    assert settled == PaymentReceipt("k2", second.reference, ReceiptStatus.SETTLED)
    failed = gateway.fail(first.reference, "account closed")
    assert failed.status is ReceiptStatus.FAILED
    assert failed.failure_reason == "account closed"
    assert gateway.pending() == []
    assert gateway.payouts == [_instruction("k2", "20.00")]
    assert gateway.receipt("k1") == failed
    assert gateway.receipt("k404") is None
    assert gateway.pay(_instruction("k2", "20.00")) == settled  # a replay moves no money
    assert len(gateway.payouts) == 1


def test_in_memory_gateway_refuses_to_finish_a_payment_twice_or_one_it_never_saw() -> None:
    gateway = InMemoryPaymentGateway(settle_immediately=False)
    receipt = gateway.pay(_instruction("k1"))
    gateway.settle(receipt.reference)
    with pytest.raises(PaymentError, match="already settled"):
        gateway.fail(receipt.reference, "too late")
    with pytest.raises(PaymentError, match="no payment with reference PAY-404"):
        gateway.settle("PAY-404")
    assert gateway.payouts == [_instruction("k1")]


def test_in_memory_gateway_refuses_a_known_key_for_another_amount_or_account() -> None:
    gateway = InMemoryPaymentGateway()
    gateway.pay(_instruction("k1"))
    with pytest.raises(PaymentError, match=r"was used for 10\.00 EUR to DE00 1"):
        gateway.pay(_instruction("k1", "11.00"))
    with pytest.raises(PaymentError, match="was used for"):
        gateway.pay(_instruction("k1", account="DE00 2"))
    assert gateway.paid_to("claim-1") == [_instruction("k1")]


def test_in_memory_fx_falls_back_to_the_last_earlier_day_within_the_lookback() -> None:
    fx = InMemoryFxRates({("USD", "EUR", DAY): Decimal("0.92")}, lookback_days=3)
    assert fx.rate("USD", "EUR", DAY + timedelta(days=1)) == Decimal("0.92")  # Saturday
    assert fx.rate("USD", "EUR", DAY + timedelta(days=3)) == Decimal("0.92")
    with pytest.raises(RateNotFoundError, match="3 days before"):
        fx.rate("USD", "EUR", DAY + timedelta(days=4))


def test_in_memory_fx_takes_the_latest_day_that_has_a_rate() -> None:
    fx = InMemoryFxRates(
        {
            ("USD", "EUR", DAY - timedelta(days=1)): Decimal("0.91"),
            ("USD", "EUR", DAY): Decimal("0.92"),
        }
    )
    assert fx.rate("USD", "EUR", DAY + timedelta(days=2)) == Decimal("0.92")


def test_in_memory_fx_derives_the_inverse_rate() -> None:
    fx = InMemoryFxRates({("USD", "EUR", DAY): Decimal("0.8")})
    assert fx.rate("EUR", "USD", DAY) == Decimal("1.25")
    assert fx.rate("EUR", "USD", DAY + timedelta(days=2)) == Decimal("1.25")


def test_in_memory_fx_prefers_the_direct_rate_to_the_inverse() -> None:
    fx = InMemoryFxRates(
        {("USD", "EUR", DAY): Decimal("0.8"), ("EUR", "USD", DAY): Decimal("1.2499")}
    )
    assert fx.rate("EUR", "USD", DAY) == Decimal("1.2499")


@pytest.mark.parametrize("rate", [Decimal(0), Decimal("-0.9"), Decimal("NaN"), 0.92])
def test_in_memory_fx_refuses_a_rate_that_is_not_a_positive_decimal(rate: object) -> None:
    with pytest.raises(ValidationError, match="rate"):
        InMemoryFxRates().set("USD", "EUR", DAY, rate)  # type: ignore[arg-type]


# -- the in-memory store under threads --------------------------------------------------------


@pytest.fixture
def busy_interpreter() -> Iterator[None]:
    """Switch threads very often, so read-modify-save races actually happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("busy_interpreter")
def test_threads_saving_one_claim_with_retries_lose_no_update() -> None:
    store = InMemoryClaimStore()
    with store.unit_of_work() as uow:
        uow.claims.add(draft("claim-1"))
        uow.commit()
    threads, per_thread = 4, 40
    start = threading.Barrier(threads)
    conflicts = [0] * threads

    def work(worker: int) -> None:
        start.wait()
        for i in range(per_thread):
            while True:
                with store.unit_of_work() as uow:
                    claim = uow.claims.get("claim-1")
                    new = commands.post_message(claim, ALICE, claim.created_at, f"{worker}-{i}")
                    try:
                        uow.claims.save(new, claim.version)
                        uow.commit()
                        break
                    except ConcurrencyError:
                        conflicts[worker] += 1

    with ThreadPoolExecutor(threads) as pool:
        for done in [pool.submit(work, w) for w in range(threads)]:
            done.result()

    with store.unit_of_work() as uow:
        final = uow.claims.get("claim-1")
    assert final.version == 1 + threads * per_thread  # the draft's event, then one per commit
    expected = {f"{w}-{i}" for w in range(threads) for i in range(per_thread)}
    assert len(final.messages) == threads * per_thread
    assert {m.body for m in final.messages} == expected


# -- the in-memory store under any interleaving of units of work -----------------------------

_CLAIMS = ("claim-1", "claim-2")


class InterleavedUnitsOfWork(RuleBasedStateMachine):
    """Units of work opened, read, saved, committed and rolled back in any order.

    Each save appends one message with a unique body. Whatever the order, the
    store holds exactly the messages of the saves whose unit of work
    committed: a stale save never overwrites, a refused commit writes nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.store = InMemoryClaimStore()
        with self.store.unit_of_work() as uow:
            for claim_id in _CLAIMS:
                uow.claims.add(draft(claim_id))
            uow.commit()
        self.open: dict[int, InMemoryUnitOfWork] = {}
        self.staged: dict[int, dict[str, list[str]]] = {}
        self.committed: dict[str, set[str]] = {c: set() for c in _CLAIMS}
        self.bodies = itertools.count(1)

    @rule(slot=st.integers(0, 2))
    def begin(self, slot: int) -> None:
        if slot not in self.open:
            self.open[slot] = self.store.unit_of_work()
            self.staged[slot] = {}

    @rule(slot=st.integers(0, 2), claim_id=st.sampled_from(_CLAIMS))
    def save(self, slot: int, claim_id: str) -> None:
        uow = self.open.get(slot)
        if uow is None:
            return
        claim = uow.claims.get(claim_id)
        body = f"message {next(self.bodies)}"
        try:
            uow.claims.save(
                commands.post_message(claim, ALICE, claim.created_at, body), claim.version
            )
        except ConcurrencyError:
            return
        self.staged[slot].setdefault(claim_id, []).append(body)

    @rule(slot=st.integers(0, 2))
    def commit(self, slot: int) -> None:
        uow = self.open.pop(slot, None)
        staged = self.staged.pop(slot, {})
        if uow is None:
            return
        try:
            uow.commit()
        except ConcurrencyError:
            return
        for claim_id, bodies in staged.items():
            self.committed[claim_id].update(bodies)

    @rule(slot=st.integers(0, 2))
    def rollback(self, slot: int) -> None:
        uow = self.open.pop(slot, None)
        self.staged.pop(slot, None)
        if uow is not None:
            uow.rollback()

    @invariant()
    def exactly_the_committed_saves_are_stored(self) -> None:
        with self.store.unit_of_work() as uow:
            for claim_id in _CLAIMS:
                claim = uow.claims.get(claim_id)
                assert {m.body for m in claim.messages} == self.committed[claim_id]
                assert claim.version == 1 + len(claim.messages)


TestInterleavedUnitsOfWork = InterleavedUnitsOfWork.TestCase
