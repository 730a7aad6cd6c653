"""Calendar periods (day, ISO week, month) in a time zone, DST-correct.

A period is labelled by its local calendar: ``2026-03-29`` (day),
``2026-W13`` (ISO week, Monday to Sunday), ``2026-03`` (month). Its bounds
are the UTC instants of its local midnights, so a day of 23 or 25 hours
around a DST change is one day.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta, tzinfo

from ..errors import ValidationError

__all__ = ["Period", "PeriodGrid", "period_grid"]


class Period(enum.StrEnum):
    """The length of a reporting period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _start_of(day: date, period: Period) -> date:
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: date, period: Period) -> date:
    if period is Period.DAY:
        return start + timedelta(days=1)
    if period is Period.WEEK:
        return start + timedelta(days=7)
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def _label(start: date, period: Period) -> str:
    if period is Period.DAY:
        return start.isoformat()
    if period is Period.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year:04d}-{start.month:02d}"


def _epoch(day: date, tz: tzinfo) -> int:
    local = datetime(day.year, day.month, day.day, tzinfo=tz)
    return int(local.astimezone(UTC).timestamp())


class PeriodGrid:
    """The consecutive periods covering an interval of time, in one zone.

    ``bounds[i]`` is the UTC epoch second at which period ``i`` starts;
    ``labels[i]`` its name; ``starts[i]`` its first local day. Instants
    before the first bound belong to no period (:meth:`index` gives -1).
    """

    __slots__ = ("bounds", "labels", "period", "starts", "tz")

    def __init__(self, period: Period, tz: tzinfo, first: date, last: date) -> None:
        self.period = period
        self.tz = tz
        starts = [_start_of(first, period)]
        while starts[-1] <= last:
            starts.append(_next(starts[-1], period))
        # The last start is the end bound of the last period.
        self.starts: tuple[date, ...] = tuple(starts[:-1])
        self.bounds: tuple[int, ...] = tuple(_epoch(d, tz) for d in starts)
        self.labels: tuple[str, ...] = tuple(_label(d, period) for d in self.starts)

    def __len__(self) -> int:
        return len(self.labels)

    def index(self, epoch_second: int) -> int:
        """The index of the period holding ``epoch_second`` (-1 outside the grid)."""
        i = bisect_right(self.bounds, epoch_second) - 1
        return i if i < len(self.labels) else -1


def period_grid(period: Period | str, tz: tzinfo, first: datetime, last: datetime) -> PeriodGrid:
    """The periods from the one holding ``first`` to the one holding ``last``, in ``tz``.

    Raises :class:`~reimbursement.errors.ValidationError` for an unknown period,
    naive datetimes, or ``last`` before ``first``.
    """
    try:
        kind = Period(period)
    except ValueError:
        raise ValidationError.at(
            "period", f"{period!r} is not one of {', '.join(p.value for p in Period)}"
        ) from None
    for name, value in (("first", first), ("last", last)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError.at(name, "give an aware datetime")
    if last < first:
        raise ValidationError.at("last", "is before first")
    return PeriodGrid(kind, tz, first.astimezone(tz).date(), last.astimezone(tz).date())
