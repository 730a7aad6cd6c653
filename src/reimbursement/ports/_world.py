"""The ports to the world outside the claim store: time, messages, money, people, files, rates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

import attrs

from ..domain.accounts import check_account
from ..domain.checks import require_type
from ..domain.currencies import MINOR_UNITS
from ..domain.money import Money
from ..errors import ValidationError
from ._claims import Notification

__all__ = [
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


@attrs.frozen
class PaymentInstruction:
    """Pay ``amount`` to ``payee_account``; ``idempotency_key`` makes it happen at most once."""

    idempotency_key: str
    claim_id: str
    payee_account: str
    amount: Money
    remittance: str


@attrs.frozen
class PaymentReceipt:
    """The gateway's answer to one instruction."""

    idempotency_key: str
    reference: str
    status: ReceiptStatus
    failure_reason: str | None = None


class PaymentGateway(Protocol):
    """Pays money out."""

    def pay(self, instruction: PaymentInstruction) -> PaymentReceipt:
        """Pay once per ``idempotency_key``.

        A repeated instruction with the same key returns the first receipt
        and moves no money. The same key with a different amount or account
        raises :class:`~reimbursement.errors.PaymentError`, as does an instruction
        the gateway cannot take at all.
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
