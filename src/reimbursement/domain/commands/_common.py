"""Shared by the commands: the conversion callable and one step through the lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .._replace import replace_with
from ..actors import Actor
from ..claim import (
    Claim,
)
from ..events import NO_DATA, EventType, Visibility
from ..lifecycle import LIFECYCLE, Action
from ..money import Money

Convert = Callable[[Money, str, date], tuple[Money, Decimal | None]]
"""Converts a receipt amount to the policy currency at the rate of a day:
returns the converted amount and the rate used (``None`` when no conversion)."""


def _step(
    claim: Claim,
    action: Action,
    actor: Actor,
    at: datetime,
    type_: EventType,
    *,
    reason: str | None = None,
    data: Mapping[str, str] = NO_DATA,
    visibility: Visibility = Visibility.CUSTOMER,
    **changes: Any,
) -> Claim:
    """Apply ``action`` through the lifecycle and append its one event."""
    dest = LIFECYCLE.target(claim.id, claim.state, action)
    changes["state"] = dest
    changes["events"] = claim.with_next_event(type_, actor, at, dest, reason, data, visibility)
    return replace_with(claim, changes)
