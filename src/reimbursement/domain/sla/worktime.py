"""The engine behind :class:`~reimbursement.domain.sla.BusinessCalendar`.

Time is counted in integer microseconds since the Unix epoch (UTC), so that
arithmetic is exact and DST is handled once, when a day's shifts are turned
into instants. The time line is cut into fixed chunks of 52 weeks; each
chunk holds its working intervals (sorted, disjoint, clipped to the chunk)
and the prefix sums of their lengths. A chunk is built the first time it is
needed and then cached, so any date works and nothing is walked day by day:
an addition or a difference is two bisections plus one step per chunk
crossed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from ...errors import CalendarError, ValidationError

__all__ = ["US", "Shifts", "WorkIndex", "from_us", "to_us", "wall_to_us"]

US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = timedelta(days=1)
_CHUNK_US = 364 * 86_400 * 1_000_000
# A calendar whose working time is this many chunks away (about 10 years) is
# taken as having none: better a clear error than an endless search.
_MAX_EMPTY_CHUNKS = 10

Shifts = Callable[[date], Sequence[tuple[time, time]]]
"""The wall-clock shifts that start on a local date; an end at or before its
start is on the next day."""


def to_us(t: datetime, what: str = "instant") -> int:
    """Microseconds since the epoch; a naive ``t`` raises ValidationError."""
    try:
        return (t - _EPOCH) // US
    except TypeError:
        raise ValidationError.at(
            what, f"{t!r} has no time zone; pass an aware datetime (tzinfo set)"
        ) from None


def from_us(us: int, zone: tzinfo) -> datetime:
    """The instant ``us`` as an aware datetime in ``zone``."""
    return (_EPOCH + timedelta(microseconds=us)).astimezone(zone)


def wall_to_us(day: date, at: time, zone: tzinfo) -> int:
    """The first instant at or after the wall-clock time ``at`` on ``day`` in ``zone``.

    This is how a working-hours boundary becomes an instant. A time the
    clocks skip when they go forward (02:30 on a spring night in New York)
    is the instant they jump (03:00 new time), so a shift never starts or
    ends an hour late. A time the clocks show twice when they go back
    (01:30 on an autumn night) is its first occurrence, the earlier instant.
    """
    local = datetime.combine(day, at, tzinfo=zone)
    before, after = local.utcoffset(), local.replace(fold=1).utcoffset()
    if before is None or after is None or after <= before:
        # An ordinary time, or a repeated one: fold=0 is its first occurrence.
        return to_us(local)
    # A skipped time (PEP 495: the offset after the jump is larger). With the
    # offset before the jump it maps past the jump, with the offset after it
    # maps before; the jump is the first instant between whose wall clock
    # reads ``at`` or later.
    wall = local.replace(tzinfo=None)
    lo, hi = to_us(local.replace(fold=1)), to_us(local)
    while lo < hi:
        mid = (lo + hi) // 2
        if from_us(mid, zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid + 1
    return hi


class _Chunk:
    __slots__ = ("cum", "ends", "starts", "total")

    def __init__(self, intervals: list[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in intervals]
        self.ends = [e for _, e in intervals]
        cum = [0]
        for s, e in intervals:
            cum.append(cum[-1] + e - s)
        self.cum = cum
        self.total = cum[-1]

    def pos(self, t: int) -> int:
        """Working time from the chunk's start to ``t``."""
        i = bisect_right(self.ends, t)
        if i < len(self.starts) and self.starts[i] < t:
            return self.cum[i] + t - self.starts[i]
        return self.cum[i]

    def at(self, target: int) -> int:
        """The earliest instant whose ``pos`` is ``target`` (0 < target <= total)."""
        j = bisect_left(self.cum, target, 1) - 1
        return self.starts[j] + target - self.cum[j]


class WorkIndex:
    """Working intervals of a zone and a shift function, indexed lazily by chunk."""

    def __init__(self, zone: ZoneInfo, shifts: Shifts) -> None:
        self._zone = zone
        self._shifts = shifts
        self._chunks: dict[int, _Chunk] = {}

    def _chunk(self, k: int) -> _Chunk:
        chunk = self._chunks.get(k)
        if chunk is None:
            chunk = self._chunks[k] = self._build(k)
        return chunk

    def _build(self, k: int) -> _Chunk:
        lo, hi = k * _CHUNK_US, (k + 1) * _CHUNK_US
        zone = self._zone
        try:
            # A shift that starts the day before may run past midnight into the chunk.
            day = from_us(lo, zone).date() - _DAY
            last = from_us(hi, zone).date()
        except OverflowError:
            raise ValidationError.at(
                "instant", "out of the range of dates a calendar can compute"
            ) from None
        raw: list[tuple[int, int]] = []
        while day <= last:
            for start, end in self._shifts(day):
                end_day = day if end > start else day + _DAY
                s, e = wall_to_us(day, start, zone), wall_to_us(end_day, end, zone)
                s, e = max(s, lo), min(e, hi)
                if s < e:
                    raw.append((s, e))
            day += _DAY
        raw.sort()
        merged: list[tuple[int, int]] = []
        for s, e in raw:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return _Chunk(merged)

    def _no_time(self, us: int, direction: str) -> CalendarError:
        when = from_us(us, self._zone).isoformat()
        return CalendarError(
            f"the calendar has no working time in the ten years {direction} {when}; "
            "check its holidays and working hours"
        )

    def is_working(self, t: int) -> bool:
        c = self._chunk(t // _CHUNK_US)
        i = bisect_right(c.starts, t) - 1
        return i >= 0 and t < c.ends[i]

    def next_opening(self, t: int) -> int:
        k = t // _CHUNK_US
        c = self._chunk(k)
        i = bisect_right(c.starts, t) - 1
        if i >= 0 and t < c.ends[i]:
            return t
        for step in range(_MAX_EMPTY_CHUNKS + 1):
            c = self._chunk(k + step)
            i = bisect_left(c.starts, t) if step == 0 else 0
            if i < len(c.starts):
                return c.starts[i]
        raise self._no_time(t, "after")

    def between(self, a: int, b: int) -> int:
        """Signed working time from ``a`` to ``b``."""
        if a > b:
            return -self.between(b, a)
        ka, kb = a // _CHUNK_US, b // _CHUNK_US
        ca = self._chunk(ka)
        if ka == kb:
            return ca.pos(b) - ca.pos(a)
        total = ca.total - ca.pos(a)
        for k in range(ka + 1, kb):
            total += self._chunk(k).total
        return total + self._chunk(kb).pos(b)

    def add(self, t: int, amount: int) -> int:
        """The earliest instant ``u`` with ``between(t, u) == amount``."""
        if amount == 0:
            return t
        k = t // _CHUNK_US
        c = self._chunk(k)
        target = c.pos(t) + amount
        empty = 0
        while target > c.total:
            target -= c.total
            empty = empty + 1 if c.total == 0 else 0
            if empty > _MAX_EMPTY_CHUNKS:
                raise self._no_time(t, "after")
            k += 1
            c = self._chunk(k)
        while target <= 0:
            # Going back: the earliest instant at ``target`` may be the end of
            # the previous chunk's working time, so step back while target is 0.
            empty = empty + 1 if c.total == 0 else 0
            if empty > _MAX_EMPTY_CHUNKS:
                raise self._no_time(t, "before")
            k -= 1
            c = self._chunk(k)
            target += c.total
        return c.at(target)

    def intervals(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        """The working intervals within ``[a, b)``, clipped, joined across chunks."""
        pending: tuple[int, int] | None = None
        for k in range(a // _CHUNK_US, b // _CHUNK_US + 1):
            c = self._chunk(k)
            for i in range(bisect_right(c.ends, a), len(c.starts)):
                s, e = max(c.starts[i], a), min(c.ends[i], b)
                if s >= b:
                    break
                if pending is not None and pending[1] == s:
                    pending = (pending[0], e)
                    continue
                if pending is not None:
                    yield pending
                pending = (s, e)
        if pending is not None:
            yield pending
