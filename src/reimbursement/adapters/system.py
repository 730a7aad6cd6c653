"""System adapters: the real clock."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["SystemClock"]


class SystemClock:
    """The wall clock, in UTC. The only place the library reads it."""

    def now(self) -> datetime:
        return datetime.now(UTC)
