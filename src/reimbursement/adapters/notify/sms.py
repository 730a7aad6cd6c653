"""The SMS channel: the message's short line, through your provider's :class:`SmsGateway`."""

from __future__ import annotations

import re
from typing import Final

from ...errors import ValidationError
from ...notify.ports import OutgoingMessage, SmsGateway, SmsMessage
from ...notify.preferences import Channel

__all__ = ["E164", "SmsChannel", "check_sms", "fit"]

E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
"""A phone number in E.164 form: ``+`` and 7 to 15 digits, no spaces."""


def check_sms(message: SmsMessage, max_length: int) -> None:
    """Refuse a number that is not E.164 or a text empty or longer than ``max_length``.

    For gateway adapters: call it first, so that a bad message is a
    :class:`~reimbursement.errors.ValidationError` before anything is sent.
    """
    if E164.fullmatch(message.to) is None:
        raise ValidationError.at("sms.to", f"{message.to[:40]!r} is not an E.164 number (+4917…)")
    if not message.text or len(message.text) > max_length:
        raise ValidationError.at("sms.text", f"must be 1 to {max_length} characters")


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
