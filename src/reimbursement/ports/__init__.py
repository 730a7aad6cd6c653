"""Ports: what the core needs from the outside world, as ``typing.Protocol``.

Each protocol's docstring is its contract, including the library errors
each method raises; ``reimbursement.testing`` holds one contract test suite
per port, which every adapter (ours and yours) must pass. Data that crosses
a port is frozen ``attrs`` classes. The in-memory adapters live in
:mod:`reimbursement.adapters.memory`.
"""

from ..domain.schedule import NO_SCHEDULE, ClaimSchedule
from ._audit_queue import AuditQueue
from ._claims import (
    ClaimRepository,
    ClaimSummary,
    Notification,
    Outbox,
    OutboxMessage,
    OutboxQueue,
    Page,
    UnitOfWork,
)
from ._duplicates import DuplicateLookups, DuplicateMatch
from ._passkeys import PasskeyCredential, PasskeyStore
from ._requests import RequestRecord, erases_personal_data
from ._signing import Signature, Signer, Verifier
from ._world import (
    FINAL_RECEIPT_STATUSES,
    BankSettlement,
    Clock,
    CustomerDirectory,
    CustomerProfile,
    DocumentStore,
    FxRates,
    Notifier,
    PaymentGateway,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
    StoredDocument,
)

__all__ = [
    "FINAL_RECEIPT_STATUSES",
    "NO_SCHEDULE",
    "AuditQueue",
    "BankSettlement",
    "ClaimRepository",
    "ClaimSchedule",
    "ClaimSummary",
    "Clock",
    "CustomerDirectory",
    "CustomerProfile",
    "DocumentStore",
    "DuplicateLookups",
    "DuplicateMatch",
    "FxRates",
    "Notification",
    "Notifier",
    "Outbox",
    "OutboxMessage",
    "OutboxQueue",
    "Page",
    "PasskeyCredential",
    "PasskeyStore",
    "PaymentGateway",
    "PaymentInstruction",
    "PaymentReceipt",
    "ReceiptStatus",
    "RequestRecord",
    "Signature",
    "Signer",
    "StoredDocument",
    "UnitOfWork",
    "Verifier",
    "erases_personal_data",
]
