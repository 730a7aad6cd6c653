"""The SMS channel: the message's short line, through your provider's :class:`SmsGateway`."""

from __future__ import annotations

from ...notify.ports import OutgoingMessage, SmsGateway, SmsMessage
from ...notify.preferences import Channel

__all__ = ["SmsChannel", "fit"]


def fit(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: max(limit - 1, 0)] + "…"


class SmsChannel:
    """Sends each message's ``short`` text (cut to the gateway's length) to the phone number."""

    channel = Channel.SMS

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def deliver(self, message: OutgoingMessage) -> None:
        text = fit(message.short or message.subject, self.gateway.max_length)
        self.gateway.send_sms(SmsMessage(message.key, message.address, text))
