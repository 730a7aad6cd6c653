"""The ports of the notification channels, and the data that crosses them.

The channel router (:class:`~reimbursement.notify.ChannelRouter`) turns one
outbox :class:`~reimbursement.ports.Notification` into one
:class:`OutgoingMessage` per channel the customer chose and hands each to
that channel's :class:`ChannelAdapter`. What went out on which channel is
kept in a :class:`DeliveryLog`, so a retried notification reaches each
channel once. The in-app inbox is an :class:`InboxStore`, SMS goes through
an :class:`SmsGateway`. Every port has a contract suite in
:mod:`reimbursement.testing.channels`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from ..domain.events import EventType
from ..ports import Page
from .preferences import Channel

__all__ = [
    "ChannelAdapter",
    "DeliveryLog",
    "InboxItem",
    "InboxStore",
    "OutgoingMessage",
    "SmsGateway",
    "SmsMessage",
    "UsesGoneEndpoints",
]


@attrs.frozen
class OutgoingMessage:
    """One notification in words, for one channel and address.

    ``key`` is the outbox dedupe key (the id of the event it reports): an
    adapter that can pass an idempotency key on (an e-mail ``Message-ID``,
    a ``webhook-id``) derives it from ``key``. ``locale`` is the locale the
    words are in, ``requested_locale`` the customer's language: they differ
    when no templates exist for it and the default was used. ``urgent``
    messages (a failed payment) ignore quiet hours.
    """

    key: str
    channel: Channel
    address: str
    customer_id: str
    claim_id: str
    claim_number: str | None
    event: EventType
    locale: str
    requested_locale: str
    subject: str
    text: str
    html: str
    short: str
    urgent: bool = False


class ChannelAdapter(Protocol):
    """Delivers :class:`OutgoingMessage` s over one :class:`~reimbursement.notify.Channel`."""

    @property
    def channel(self) -> Channel:
        """The channel this adapter delivers on."""
        ...

    def deliver(self, message: OutgoingMessage) -> None:
        """Deliver ``message`` to ``message.address`` or raise.

        Returns only when the message was handed over for good (the SMTP
        server accepted it, the webhook receiver answered 2xx, the inbox
        row is stored). Raises :class:`~reimbursement.errors.DeliveryError`
        (or any error) when it was not, so that the outbox retries;
        :class:`~reimbursement.errors.DeliveryDeferred` when the receiver
        asks to be called again later. Delivering the same ``key`` again
        after a failure must not give the customer two messages where the
        channel can prevent it (the inbox keeps one row per key).
        """
        ...


class DeliveryLog(Protocol):
    """What went out on which channel, so that a retry skips the channels already done."""

    def delivered(self, key: str, channel: Channel) -> bool:
        """True when ``key`` was already delivered on ``channel``."""
        ...

    def record(self, key: str, channel: Channel, at: datetime) -> None:
        """``key`` went out on ``channel`` at ``at``; recording it again changes nothing."""
        ...


@attrs.frozen
class InboxItem:
    """One message in a customer's in-app inbox; ``read_at`` is None while unread."""

    key: str
    customer_id: str
    claim_id: str
    claim_number: str | None
    event: EventType
    locale: str
    subject: str
    body: str
    delivered_at: datetime
    read_at: datetime | None = None
    urgent: bool = False

    @property
    def unread(self) -> bool:
        """True until the customer reads it."""
        return self.read_at is None


class InboxStore(Protocol):
    """The in-app inbox, stored with the claims: newest first, read or unread, by cursor."""

    def put(self, item: InboxItem) -> None:
        """Store ``item``; an item with a key already stored is kept as first stored."""
        ...

    def page(
        self,
        customer_id: str,
        *,
        limit: int = 20,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Page[InboxItem]:
        """The customer's items, newest first, ``limit`` at a time (1 to 1,000).

        Pass a page's ``next_cursor`` as ``after`` for the next page; a
        cursor this store did not make raises
        :class:`~reimbursement.errors.ValidationError`.
        """
        ...

    def mark_read(self, customer_id: str, keys: Iterable[str], at: datetime) -> int:
        """Mark the customer's items ``keys`` read at ``at``; returns how many were unread.

        Keys that are not the customer's, or already read, are left alone:
        one customer can never touch another's inbox.
        """
        ...

    def unread_count(self, customer_id: str) -> int:
        """How many of the customer's items are unread."""
        ...


class GoneEndpoints(Protocol):
    """The webhook endpoints whose receiver answered ``410 Gone``: sent nothing more.

    Shared by every process that sends webhooks, and kept across restarts
    by a durable adapter (``sql.SqlGoneEndpoints``); an operator who hears
    from the receiver again calls :meth:`revive`.
    """

    def is_gone(self, name: str) -> bool:
        """True when the endpoint ``name`` said ``410 Gone`` (and was not revived since)."""
        ...

    def mark_gone(self, name: str, at: datetime) -> None:
        """Record that the endpoint ``name`` said ``410 Gone`` at ``at`` (again: kept as first)."""
        ...

    def revive(self, name: str) -> None:
        """Send to the endpoint ``name`` again (unknown names are ignored)."""
        ...


@runtime_checkable
class UsesGoneEndpoints(Protocol):
    """A channel that remembers ``410 Gone`` answers (the webhook channel):
    :meth:`~reimbursement.notify.ChannelRouter.bind` offers it the desk's store."""

    def offer_gone(self, gone: GoneEndpoints) -> None:
        """Keep the ``410 Gone`` answers in ``gone`` unless the channel was given a store."""
        ...


@attrs.frozen
class SmsMessage:
    """One text message: to an E.164 number, ``text`` at most :attr:`SmsGateway.max_length`."""

    key: str
    to: str
    text: str


class SmsGateway(Protocol):
    """An SMS provider, seen through one call. No real provider ships with the library.

    Write an adapter for your provider's API (see ``docs/adapters.md``) and
    prove it with :class:`~reimbursement.testing.channels.SmsGatewayContract`.
    """

    max_length: int
    """The longest text the provider takes in one message (160 GSM-7, 70 UCS-2 characters)."""

    def send_sms(self, message: SmsMessage) -> str:
        """Hand ``message`` to the provider; returns the provider's message id.

        ``message.key`` is the idempotency key: sending it again returns the
        first id and sends nothing. Raises
        :class:`~reimbursement.errors.DeliveryError` when the provider
        refuses or cannot be reached, :class:`~reimbursement.errors.ValidationError`
        for a number that is not E.164 or a text that is too long.
        """
        ...
