"""Notifications that reach people in their language, time zone and channels.

- :class:`TemplateSet`: Jinja2 templates (sandboxed, autoescaped HTML) per
  event and locale, Babel for money and dates; checked at start-up.
- :class:`ContactPreferences` and the :class:`PreferenceDirectory` port:
  channels, language, time zone and quiet hours of each customer.
- :class:`ChannelRouter`: the :class:`~reimbursement.ports.Notifier` that
  renders each outbox notification and delivers it on every channel the
  customer chose (adapters in :mod:`reimbursement.adapters.notify`).

:class:`TemplateSet` and :class:`ChannelRouter` need the ``[notify]``
extra; they are imported when first used, so the preferences and the
ports work without it. See ``docs/notifications.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ports import (
    ChannelAdapter,
    DeliveryLog,
    InboxItem,
    InboxStore,
    OutgoingMessage,
    SmsGateway,
    SmsMessage,
)
from .preferences import (
    Channel,
    ContactPreferences,
    InMemoryPreferences,
    PreferenceDirectory,
    QuietHours,
)

if TYPE_CHECKING:
    from .router import URGENT_EVENTS, ChannelRouter, MemoryDeliveryLog
    from .templates import Rendered, TemplateSet

__all__ = [
    "URGENT_EVENTS",
    "Channel",
    "ChannelAdapter",
    "ChannelRouter",
    "ContactPreferences",
    "DeliveryLog",
    "InMemoryPreferences",
    "InboxItem",
    "InboxStore",
    "MemoryDeliveryLog",
    "OutgoingMessage",
    "PreferenceDirectory",
    "QuietHours",
    "Rendered",
    "SmsGateway",
    "SmsMessage",
    "TemplateSet",
]

_LAZY = {
    "URGENT_EVENTS": "router",
    "ChannelRouter": "router",
    "MemoryDeliveryLog": "router",
    "Rendered": "templates",
    "TemplateSet": "templates",
}


def __getattr__(name: str) -> Any:
    # the names that need Jinja2 and Babel load them on first use, not on import
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{module}", __name__), name)
