"""What a customer wants to be told through, in which language and time zone, and when not.

:class:`ContactPreferences` is what the channel router reads for each
message; the :class:`PreferenceDirectory` port gives it. The in-memory
:class:`InMemoryPreferences` keeps the preferences it was given and, for
a customer it has none for, derives them from the customer's profile
(e-mail address and language) with the insurer's defaults.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ..errors import CustomerNotFoundError, ValidationError
from ..ports import CustomerDirectory

__all__ = [
    "Channel",
    "ContactPreferences",
    "InMemoryPreferences",
    "PreferenceDirectory",
    "QuietHours",
]


class Channel(enum.StrEnum):
    """A way to reach a customer."""

    EMAIL = "email"
    SMS = "sms"
    INBOX = "inbox"
    """The in-app inbox (the insurer's portal or app)."""
    WEBHOOK = "webhook"
    """A signed HTTP call to an endpoint (a broker's or the insurer's app backend)."""


def _zone(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValidationError.at("preferences.time_zone", "must be an IANA time zone name")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError.at(
            "preferences.time_zone", f"{value[:60]!r} is not an IANA time zone (Europe/Berlin)"
        ) from None


def _clock_time(_: object, attribute: attrs.Attribute[time], value: object) -> None:
    if type(value) is not time or value.tzinfo is not None:
        raise ValidationError.at(
            f"quiet_hours.{attribute.name}", "must be a datetime.time without a time zone"
        )


@attrs.frozen
class QuietHours:
    """A daily span, in the customer's own time zone, when only urgent messages go out.

    ``start`` may be later than ``end`` (22:00 to 07:00 spans midnight);
    equal times are refused (a span of nothing or of the whole day says
    nothing clear).
    """

    start: time = attrs.field(validator=_clock_time)
    end: time = attrs.field(validator=_clock_time)

    def __attrs_post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationError.at("quiet_hours", "start and end must differ")

    def ends_after(self, local: datetime) -> datetime | None:
        """When the quiet span holding ``local`` ends (aware, same zone); None outside one."""
        now = local.timetz().replace(tzinfo=None)
        inside = (
            self.start <= now < self.end
            if self.start < self.end
            else now >= self.start or now < self.end
        )
        if not inside:
            return None
        day = local.date() if now < self.end else local.date() + timedelta(days=1)
        # the wall-clock end in the zone: fold=0 picks the first of a repeated hour
        return datetime.combine(day, self.end, tzinfo=local.tzinfo)


def _channels(value: Iterable[Channel | str]) -> tuple[Channel, ...]:
    out: list[Channel] = []
    for item in value:
        try:
            channel = Channel(item)
        except ValueError:
            choices = ", ".join(c.value for c in Channel)
            raise ValidationError.at(
                "preferences.channels", f"{str(item)[:40]!r} is not a channel ({choices})"
            ) from None
        if channel not in out:
            out.append(channel)
    return tuple(out)


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError.at(f"preferences.{attribute.name}", "must be a str")


@attrs.frozen
class ContactPreferences:
    """How one customer is told: ``channels`` in order, ``language``, ``time_zone``, quiet hours.

    ``email``, ``phone`` (E.164, for SMS) and ``webhook`` (the name of an
    endpoint the webhook channel knows) address each channel; a channel
    chosen without its address is skipped. ``language`` empty means the
    claim's language. Raises :class:`~reimbursement.errors.ValidationError`
    for an unknown channel or time zone.
    """

    customer_id: str = attrs.field(validator=_text)
    channels: tuple[Channel, ...] = attrs.field(
        default=(Channel.EMAIL, Channel.INBOX), converter=_channels
    )
    language: str = attrs.field(default="", validator=_text)
    time_zone: str = attrs.field(default="UTC", validator=_zone)
    quiet_hours: QuietHours | None = None
    email: str = attrs.field(default="", validator=_text)
    phone: str = attrs.field(default="", validator=_text)
    webhook: str = attrs.field(default="", validator=_text)

    @property
    def zone(self) -> ZoneInfo:
        """The customer's time zone."""
        return ZoneInfo(self.time_zone)

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the quiet hours around ``now`` end (UTC), or None when it is not quiet now."""
        if self.quiet_hours is None:
            return None
        local = now.astimezone(self.zone)
        end = self.quiet_hours.ends_after(local)
        return None if end is None else end.astimezone(now.tzinfo)

    def address(self, channel: Channel) -> str:
        """Where ``channel`` reaches the customer ("" when it cannot; the inbox always can)."""
        if channel is Channel.INBOX:
            return self.customer_id
        return {Channel.EMAIL: self.email, Channel.SMS: self.phone, Channel.WEBHOOK: self.webhook}[
            channel
        ]


class PreferenceDirectory(Protocol):
    """Where each customer's :class:`ContactPreferences` come from."""

    def preferences(self, customer_id: str) -> ContactPreferences:
        """The customer's preferences; :class:`~reimbursement.errors.CustomerNotFoundError`
        when the customer is unknown."""
        ...


class InMemoryPreferences:
    """Preferences kept in memory; others derived from ``directory``'s profiles.

    A customer without stored preferences gets ``default`` (its channels,
    time zone and quiet hours) with the e-mail address and language of the
    profile. :meth:`set` stores a customer's choice.
    """

    def __init__(
        self,
        preferences: Iterable[ContactPreferences] = (),
        *,
        directory: CustomerDirectory | None = None,
        default: ContactPreferences | None = None,
    ) -> None:
        self._stored = {p.customer_id: p for p in preferences}
        self._directory = directory
        self._default = default if default is not None else ContactPreferences("")

    def set(self, preferences: ContactPreferences) -> None:
        """Store (or replace) one customer's preferences."""
        self._stored[preferences.customer_id] = preferences

    def preferences(self, customer_id: str) -> ContactPreferences:
        found = self._stored.get(customer_id)
        if found is not None:
            return found
        if self._directory is None:
            raise CustomerNotFoundError(f"no contact preferences for customer {customer_id!r}")
        profile = self._directory.profile(customer_id)
        return attrs.evolve(
            self._default, customer_id=customer_id, email=profile.email, language=profile.language
        )
