"""The contract of :class:`~reimbursement.ports.Clock`."""

from __future__ import annotations

from datetime import datetime

from ..ports import Clock

__all__ = ["ClockContract"]


class ClockContract:
    """What every :class:`~reimbursement.ports.Clock` must do.

    Subclass it and provide a fixture ``clock``.
    """

    def test_now_is_timezone_aware(self, clock: Clock) -> None:
        now = clock.now()
        assert isinstance(now, datetime)
        assert now.tzinfo is not None
        assert now.utcoffset() is not None

    def test_now_does_not_go_backwards(self, clock: Clock) -> None:
        first = clock.now()
        second = clock.now()
        assert second >= first
