"""The ports to the world outside the claim store: time, messages, money, people, files, rates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from ..domain.accounts import check_account
from ..domain.checks import require_type
from ..domain.currencies import MINOR_UNITS
from ..domain.money import Money
from ..errors import ValidationError
from ._claims import Notification

__all__ = [
    "FINAL_RECEIPT_STATUSES",
    "BankSettlement",
    "Clock",
    "CustomerDirectory",
    "CustomerProfile",
    "DocumentStore",
    "FxRates",
    "Notifier",
    "PaymentGateway",
    "PaymentInstruction",
    "PaymentReceipt",
    "ReceiptStatus",
    "StoredDocument",
]


class Clock(Protocol):
    """The time. The core never reads the wall clock; it asks this port."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class Notifier(Protocol):
    """Delivers notifications (e-mail, SMS, push, the insurer's app)."""

    def send(self, notification: Notification) -> None:
        """Deliver ``notification``; a key already delivered is not delivered again.

        Raises any error on failure; the notification then stays pending and
        is retried by the next dispatch.
        :class:`~reimbursement.errors.DeliveryDeferred` says "not before
        ``until``": the dispatcher retries it then.
        """
        ...


class ReceiptStatus(enum.StrEnum):
    """What the gateway says about a payment instruction."""

    PENDING = "pending"
    """Accepted; the outcome comes later (confirm or fail the payment then)."""
    SETTLED = "settled"
    """The money has been paid out."""
    FAILED = "failed"
    """The payment did not go through (``failure_reason`` says why)."""
    CANCELLED = "cancelled"
    """Stopped through :meth:`PaymentGateway.cancel` before any money moved."""


FINAL_RECEIPT_STATUSES = frozenset(
    {ReceiptStatus.SETTLED, ReceiptStatus.FAILED, ReceiptStatus.CANCELLED}
)
"""The statuses an instruction never leaves: only ``PENDING`` may still change."""


@attrs.frozen
class PaymentInstruction:
    """Pay ``amount`` to ``payee_account``; ``idempotency_key`` makes it happen at most once."""

    idempotency_key: str
    claim_id: str
    payee_account: str
    amount: Money
    remittance: str


def _receipt_text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    require_type(attribute.name, value, str, "a str")


def _receipt_reason(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        require_type(attribute.name, value, str, "a str or None")


def _receipt_status(value: ReceiptStatus | str) -> ReceiptStatus:
    if isinstance(value, str) and value in _RECEIPT_STATUSES:
        return ReceiptStatus(value)
    known = ", ".join(ReceiptStatus)
    raise ValidationError.at(
        "status", f"{str(value)[:40]!r} is not a receipt status; use one of {known}"
    )


_RECEIPT_STATUSES = frozenset(s.value for s in ReceiptStatus)


@attrs.frozen
class PaymentReceipt:
    """The gateway's answer about one instruction, identified by its ``idempotency_key``.

    ``reference`` is the gateway's own id for the payment (what its callbacks
    quote); ``failure_reason`` says why a ``FAILED`` payment did not go
    through. The desk checks both before it keeps them (one line, within its
    limits): they come from outside. Raises
    :class:`~reimbursement.errors.ValidationError` for a field of the wrong type.
    """

    idempotency_key: str = attrs.field(validator=_receipt_text)
    reference: str = attrs.field(validator=_receipt_text)
    status: ReceiptStatus = attrs.field(converter=_receipt_status)
    failure_reason: str | None = attrs.field(default=None, validator=_receipt_reason)


class PaymentGateway(Protocol):
    """Pays money out, at most once per idempotency key, and says what became of each payment.

    An instruction is ``PENDING`` until it ends ``SETTLED``, ``FAILED`` or
    ``CANCELLED`` (see :data:`FINAL_RECEIPT_STATUSES`); it never changes after
    that. The desk marks a payment failed only on the gateway's word: it asks
    :meth:`status` before it records a failure or a settlement, and stops an
    instruction with :meth:`cancel` before it sends another one for the same
    claim. Every method raises :class:`~reimbursement.errors.PaymentError`
    when the gateway cannot be reached or refuses; nothing else.
    """

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Pay once per ``idempotency_key``.

        A repeated instruction with the same key returns the current receipt
        and moves no money (a cancelled key stays cancelled). The same key
        with a different amount or account raises
        :class:`~reimbursement.errors.PaymentError`, as does an instruction the
        gateway cannot take at all.
        """
        ...

    def status(self, idempotency_key: str) -> PaymentReceipt | None:
        """The gateway's current word on the instruction sent under ``idempotency_key``.

        ``None`` when no instruction with that key ever reached the gateway
        (and none was cancelled under it).
        """
        ...

    def cancel(self, idempotency_key: str) -> PaymentReceipt:
        """Make sure no money moves under ``idempotency_key`` from now on, if none has.

        Returns the receipt after the attempt: ``CANCELLED`` when the
        instruction was stopped (now or before), ``SETTLED`` when the money
        had already moved (too late to stop), ``FAILED`` when it had failed.
        A key the gateway never received is cancelled too: a later
        :meth:`pay` with it moves no money and returns the ``CANCELLED``
        receipt, so an instruction still on its way cannot pay after all.
        Calling it again returns the same receipt.
        """
        ...


@runtime_checkable
class BankSettlement(Protocol):
    """A gateway whose payments the bank's statement settles (pays by file, learns by camt).

    Such a gateway answers ``PENDING`` until it is told what the bank said:
    :func:`~reimbursement.payments.camt.reconcile` calls :meth:`settle` for
    each payment a ``camt.054`` or ``camt.053`` settles or fails, before it
    moves the claim, so that the desk (which confirms or fails a payment only
    on the gateway's word) finds the gateway agreeing. Any
    :class:`PaymentGateway` fed by bank files implements it alongside.
    """

    def settle(
        self, idempotency_key: str, status: ReceiptStatus, reason: str | None = None
    ) -> PaymentReceipt:
        """Record the bank's word on ``idempotency_key``: ``SETTLED``, or ``FAILED`` (``reason``).

        Returns the receipt now held; :meth:`PaymentGateway.status` says the
        same from then on. A receipt that is final already (see
        :data:`FINAL_RECEIPT_STATUSES`) stays as it is and is returned, so a
        statement read twice changes nothing. A key the gateway does not hold
        (another process sent it) is recorded too. Raises
        :class:`~reimbursement.errors.ValidationError` for any other status,
        :class:`~reimbursement.errors.PaymentError` when the gateway's records
        cannot be reached.
        """
        ...


def _profile_text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    require_type(attribute.name, value, str, "a str")


def _account(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    text = require_type(attribute.name, value, str, "a str")
    if text.strip():
        check_account(attribute.name, text)


def _currency(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise ValidationError.at(
            "policy_currency", f"{str(value)[:40]!r} is not an ISO 4217 currency code"
        )


@attrs.frozen
class CustomerProfile:
    """What the insurer already knows about a customer: used to pre-fill drafts.

    Raises :class:`~reimbursement.errors.ValidationError` for a field that
    is not a ``str``, a ``policy_currency`` that is no ISO 4217 code and a
    ``payee_account`` that is neither empty (not known) nor a valid account
    (:mod:`reimbursement.domain.accounts`).
    """

    customer_id: str = attrs.field(validator=_profile_text)
    name: str = attrs.field(validator=_profile_text)
    policy_number: str = attrs.field(validator=_profile_text)
    policy_currency: str = attrs.field(validator=_currency)
    email: str = attrs.field(default="", validator=_profile_text)
    language: str = attrs.field(default="en", validator=_profile_text)
    payee_account: str = attrs.field(default="", validator=_account)
    region: str = attrs.field(default="", validator=_profile_text)


class CustomerDirectory(Protocol):
    """The insurer's customer records."""

    def profile(self, customer_id: str) -> CustomerProfile:
        """The customer's profile; raises :class:`~reimbursement.errors.CustomerNotFoundError`."""
        ...


@attrs.frozen
class StoredDocument:
    """A document's metadata as the store keeps it."""

    id: str
    file_name: str
    media_type: str
    size: int
    sha256: str


class DocumentStore(Protocol):
    """Holds the bytes of attachments."""

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        """Store ``content``; the returned id is new and never reused, even across restarts.

        The file name is metadata only: it never becomes part of a path.
        """
        ...

    def delete(self, document_id: str) -> None:
        """Remove a document (its command was refused or rolled back); unknown ids are ignored."""
        ...

    def get(self, document_id: str) -> bytes:
        """The bytes; raises :class:`~reimbursement.errors.DocumentNotFoundError`."""
        ...

    def info(self, document_id: str) -> StoredDocument:
        """The metadata; raises :class:`~reimbursement.errors.DocumentNotFoundError`."""
        ...


class FxRates(Protocol):
    """Exchange rates by day."""

    def rate(self, base: str, quote: str, on: date) -> Decimal:
        """Units of ``quote`` for one unit of ``base`` on day ``on`` (1 when equal).

        Raises :class:`~reimbursement.errors.RateNotFoundError` when no rate is known
        for that day (an adapter may fall back to the last earlier business
        day, and says so in its docs).
        """
        ...
