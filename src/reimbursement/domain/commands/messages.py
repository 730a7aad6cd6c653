"""The claim's message thread."""

from __future__ import annotations

from datetime import datetime

from ...errors import ValidationError
from .._replace import replace
from ..actors import Actor
from ..claim import (
    Claim,
    Message,
)
from ..events import EventType, Visibility
from ._common import _next_id

MAX_MESSAGE_LENGTH = 4000


def post_message(
    claim: Claim,
    actor: Actor,
    at: datetime,
    body: str,
    visibility: Visibility = Visibility.CUSTOMER,
) -> Claim:
    """The claim with one more message on its thread (allowed in every state)."""
    text = body.strip()
    if not text:
        raise ValidationError.at("body", "the message is empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationError.at("body", f"longer than {MAX_MESSAGE_LENGTH} characters")
    message_id = _next_id("M", [m.id for m in claim.messages])()
    message = Message(message_id, actor.id, actor.role.value, text, at, visibility)
    events = claim.with_next_event(
        EventType.MESSAGE_POSTED, actor, at, data={"message_id": message_id}, visibility=visibility
    )
    return replace(claim, messages=(*claim.messages, message), events=events)
