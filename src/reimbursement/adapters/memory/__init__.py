"""In-memory adapters: the embedded default for tests, demos and notebooks.

They behave like the real ones, errors included: a stale save raises the
same :class:`~reimbursement.errors.ConcurrencyError` a database adapter
raises, a request key is unique on commit, the outbox leases one message
per claim at a time, a repeated payment key moves no money, a repeated
notification key reaches the customer once. Nothing survives the process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal

from ...ports import Clock, CustomerProfile, Notifier
from ...service.adapters import Adapters
from ._claims import InMemoryClaimStore, InMemoryUnitOfWork
from ._inbox import InMemoryGoneEndpoints, InMemoryInbox, InMemorySmsGateway
from ._ocr import CannedOcr
from ._passkeys import InMemoryPasskeys
from ._ports import (
    InMemoryCustomerDirectory,
    InMemoryDocumentStore,
    InMemoryFxRates,
    InMemoryNotifier,
    InMemoryPaymentGateway,
    ManualClock,
    new_document_id,
)
from ._queue import InMemoryOutboxQueue

__all__ = [
    "CannedOcr",
    "InMemoryClaimStore",
    "InMemoryCustomerDirectory",
    "InMemoryDocumentStore",
    "InMemoryFxRates",
    "InMemoryGoneEndpoints",
    "InMemoryInbox",
    "InMemoryNotifier",
    "InMemoryOutboxQueue",
    "InMemoryPasskeys",
    "InMemoryPaymentGateway",
    "InMemorySmsGateway",
    "InMemoryUnitOfWork",
    "ManualClock",
    "create",
    "new_document_id",
]


def create(
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    customers: Iterable[CustomerProfile] = (),
    fx_rates: Mapping[tuple[str, str, date], Decimal] | None = None,
    settle_immediately: bool = True,
    store: InMemoryClaimStore | None = None,
    document_ids: Callable[[], str] | None = None,
) -> Adapters:
    """Every port wired to its in-memory adapter; ``document_ids``: see the document store."""
    from ..system import SystemClock  # the only wall-clock reader, in an adapter

    claim_store = store if store is not None else InMemoryClaimStore()
    return Adapters(
        unit_of_work=claim_store.unit_of_work,
        outbox=claim_store.queue,
        notifier=notifier if notifier is not None else InMemoryNotifier(),
        payments=InMemoryPaymentGateway(settle_immediately=settle_immediately),
        directory=InMemoryCustomerDirectory(customers),
        documents=InMemoryDocumentStore(document_ids),
        fx_rates=InMemoryFxRates(fx_rates),
        clock=clock if clock is not None else SystemClock(),
    )
