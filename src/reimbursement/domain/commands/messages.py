"""The claim's message thread."""

from __future__ import annotations

from datetime import datetime

from ...errors import ValidationError
from .._ids import next_ids
from .._replace import replace
from .._vector import appended
from ..actors import Actor, Role
from ..checks import require_text, require_type
from ..claim import (
    Claim,
    Message,
)
from ..events import EventType, Visibility
from ..limits import DEFAULT_LIMITS, MAX_MESSAGE_LENGTH, ClaimLimits

__all__ = ["MAX_MESSAGE_LENGTH", "post_message"]


def post_message(
    claim: Claim,
    actor: Actor,
    at: datetime,
    body: str,
    visibility: Visibility = Visibility.CUSTOMER,
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The claim with one more message on its thread (allowed in every state).

    ``body`` may span several lines. Raises
    :class:`~reimbursement.errors.ValidationError` for an empty or too long
    body and, unless the library itself posts (its notes say why a process
    step could not happen, and are never refused), for a thread already
    holding ``limits.max_messages``.
    """
    message = require_text("body", body, limits.max_message_length, multiline=True).strip()
    if not message:
        raise ValidationError.at("body", "the message is empty")
    require_type("visibility", visibility, Visibility, "a Visibility")
    if len(claim.messages) >= limits.max_messages and actor.role is not Role.SYSTEM:
        raise ValidationError.at(
            "messages",
            f"claim {claim.id}'s thread holds {len(claim.messages):,} messages, the most "
            "a claim may hold",
        )
    message_id = next_ids("M", claim.messages)()
    posted = Message(message_id, actor.id, actor.role.value, message, at, visibility)
    events = claim.with_next_event(
        EventType.MESSAGE_POSTED, actor, at, data={"message_id": message_id}, visibility=visibility
    )
    return replace(claim, messages=appended(claim.messages, posted), events=events)
