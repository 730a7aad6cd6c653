"""The channel router: a :class:`~reimbursement.ports.Notifier` that reaches people their way.

For each notification the outbox delivers it reads the customer's
:class:`~.preferences.ContactPreferences`, renders the event's templates in
the customer's locale and time zone, and hands one
:class:`~.ports.OutgoingMessage` to each chosen channel. It keeps the
outbox's guarantees: a channel that fails makes :meth:`ChannelRouter.send`
raise, so the outbox retries; the :class:`~.ports.DeliveryLog` remembers
which channels already have the message, so the retry reaches only the
others and nobody gets it twice.

Quiet hours: a message that is not urgent, due while the customer's quiet
hours run, goes to the silent channels (the in-app inbox) at once and to
the others when the quiet hours end (the router raises
:class:`~reimbursement.errors.DeliveryDeferred` and the dispatcher puts the
message back until then, out of its claim's line). Urgent messages (by
default a failed payment, which needs the customer to act) go out at once on
every channel, even behind a message of the same claim held for the quiet
hours; the claim's other messages keep their order.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Final

from ..domain.claim import Claim
from ..domain.events import EventType
from ..domain.reasons import ReasonCatalogue
from ..domain.sla import SlaPolicy
from ..errors import DeliveryDeferred, DeliveryError, FieldProblem, TemplateError
from ..ports import Clock, Notification
from ..service.texts import DEFAULT_TEXTS, NOTIFIED, CustomerTexts
from ._values import event_of, template_values
from .ports import ChannelAdapter, DeliveryLog, OutgoingMessage, UsesGoneEndpoints
from .preferences import Channel, ContactPreferences, PreferenceDirectory
from .templates import Rendered, TemplateSet

if TYPE_CHECKING:
    from ..service.desk import ReimbursementDesk

__all__ = ["SILENT_CHANNELS", "URGENT_EVENTS", "ChannelRouter", "MemoryDeliveryLog"]

URGENT_EVENTS: Final = frozenset({EventType.PAYMENT_FAILED})
"""Events that need the customer to act soon: they ignore quiet hours."""

SILENT_CHANNELS: Final = frozenset({Channel.INBOX})
"""Channels that wake nobody: they get even non-urgent messages during quiet hours."""


class MemoryDeliveryLog:
    """A :class:`~.ports.DeliveryLog` in memory: for one process (tests, notebooks)."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, Channel], datetime] = {}

    def delivered(self, key: str, channel: Channel) -> bool:
        return (key, channel) in self._done

    def record(self, key: str, channel: Channel, at: datetime) -> None:
        self._done.setdefault((key, channel), at)


class ChannelRouter:
    """Delivers each notification on the channels its customer chose, in their words.

    ``channels`` are the adapters, one per :class:`~.preferences.Channel`;
    a channel a customer chose that has no adapter here, or no address in
    the preferences, is skipped. Call :meth:`bind` with the desk (or give
    ``claims``) so that messages are rendered from the claim with the
    ``templates``; without it they carry the desk's plain wording.
    """

    def __init__(
        self,
        *,
        templates: TemplateSet,
        preferences: PreferenceDirectory,
        channels: Iterable[ChannelAdapter],
        clock: Clock,
        log: DeliveryLog | None = None,
        claims: Callable[[str], Claim] | None = None,
        urgent: Iterable[EventType] = URGENT_EVENTS,
    ) -> None:
        self.templates = templates
        self.preferences = preferences
        self.channels: dict[Channel, ChannelAdapter] = {c.channel: c for c in channels}
        self.clock = clock
        self.log: DeliveryLog = log if log is not None else MemoryDeliveryLog()
        self._own_log = log is not None
        self.urgent = frozenset(urgent)
        self._claims = claims
        self._sla: SlaPolicy | None = None
        self._reasons: ReasonCatalogue | None = None
        self._texts: CustomerTexts = DEFAULT_TEXTS
        self._escalated = False

    def bind(self, desk: ReimbursementDesk) -> ChannelRouter:
        """Read claims, SLA, reasons and wording from ``desk``; returns this router.

        The webhook channels given no ``gone`` store keep their ``410 Gone``
        answers in the desk's (``desk.adapters.gone``; a ``sql_desk``'s is in
        its database). A router given no ``log`` keeps its deliveries in the
        desk's (``desk.adapters.deliveries``; a ``sql_desk``'s is in its
        database), so a retry in another process skips the channels done.
        Raises :class:`~reimbursement.errors.TemplateError` when the desk
        notifies an event that the templates have no message for.
        """
        untemplated = sorted(desk.texts.notified - NOTIFIED)
        if untemplated:
            raise TemplateError(
                "the desk notifies events the templates do not cover",
                [FieldProblem(f"templates.{e.value}", "no template") for e in untemplated],
            )

        def claim(claim_id: str) -> Claim:
            with desk.adapters.unit_of_work() as uow:
                return uow.claims.get(claim_id)

        gone = desk.adapters.gone
        for channel in self.channels.values():
            if gone is not None and isinstance(channel, UsesGoneEndpoints):
                channel.offer_gone(gone)
        if not self._own_log and desk.adapters.deliveries is not None:
            self.log = desk.adapters.deliveries
        self._claims = claim
        self._sla = desk.sla
        self._reasons = desk.settings.reasons
        self._texts = desk.texts
        self._escalated = desk.escalation is not None
        return self

    def render(self, notification: Notification, preferences: ContactPreferences) -> Rendered:
        """The words of ``notification`` for the customer of ``preferences``."""
        language = preferences.language or notification.language
        claim = self._claims(notification.claim_id) if self._claims is not None else None
        event = event_of(claim, notification.key) if claim is not None else None
        if claim is None or event is None:
            return _staged(notification, language)
        locale = self.templates.locale_for(language)
        values = template_values(
            claim,
            event,
            self._texts.for_language(locale),
            sla=self._sla,
            reasons=self._reasons,
            escalated=self._escalated,
        )
        return self.templates.render(notification.event, language, values, preferences.zone)

    def send(self, notification: Notification) -> None:
        """Deliver ``notification`` on every channel not done yet; raises while one is left.

        Raises :class:`~reimbursement.errors.DeliveryDeferred` during quiet
        hours (after the silent channels; it does not hold back the claim's
        later messages, so an urgent one goes out at once), and holding them
        back when a channel's receiver asked to wait;
        :class:`~reimbursement.errors.DeliveryError`
        naming each channel that failed (the others are recorded as done).
        """
        preferences = self.preferences.preferences(notification.customer_id)
        urgent = notification.event in self.urgent
        now = self.clock.now()
        quiet_until = None if urgent else preferences.quiet_until(now)
        todo = [
            (channel, adapter, address)
            for channel in preferences.channels
            if (adapter := self.channels.get(channel)) is not None
            and (address := preferences.address(channel))
            and not self.log.delivered(notification.key, channel)
        ]
        if not todo:
            return
        rendered = self.render(notification, preferences)
        failures: list[str] = []
        later: list[datetime] = []
        held = False  # a receiver asked to wait: the claim's later messages wait too
        for channel, adapter, address in todo:
            if quiet_until is not None and channel not in SILENT_CHANNELS:
                later.append(quiet_until)
                continue
            message = _message(notification, rendered, channel, address, urgent)
            try:
                adapter.deliver(message)
            except DeliveryDeferred as deferred:
                later.append(deferred.until)
                held = held or deferred.holds_line
                continue
            except Exception as error:  # any channel failure: the outbox retries it
                failures.append(f"{channel.value}: {type(error).__name__}: {error}")
                continue
            self.log.record(notification.key, channel, self.clock.now())
        if failures:
            raise DeliveryError(f"not delivered on {'; '.join(failures)}")
        if later:
            until = max(later)
            raise DeliveryDeferred(
                f"{notification.key} waits until {until.isoformat()}", until, holds_line=held
            )


def _message(
    notification: Notification, rendered: Rendered, channel: Channel, address: str, urgent: bool
) -> OutgoingMessage:
    return OutgoingMessage(
        key=notification.key,
        channel=channel,
        address=address,
        customer_id=notification.customer_id,
        claim_id=notification.claim_id,
        claim_number=notification.claim_number,
        event=notification.event,
        locale=rendered.locale,
        requested_locale=rendered.requested,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        short=rendered.short,
        urgent=urgent,
    )


def _staged(notification: Notification, requested: str) -> Rendered:
    """The desk's own words of ``notification`` (no claim to render the templates from)."""
    body = html.escape(notification.body)
    page = f'<!DOCTYPE html>\n<html lang="{html.escape(notification.language)}"><body>'
    page += f"<p>{body}</p></body></html>\n"
    subject, text = notification.subject, notification.body + "\n"
    return Rendered(notification.language, requested, subject, text, page, subject)
