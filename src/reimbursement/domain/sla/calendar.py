"""Business calendars: when work happens, and business time between instants.

A :class:`BusinessCalendar` knows an IANA time zone, the working hours of
each weekday (several intervals a day, shifts that run past midnight),
holidays (dates, ``dateutil.rrule`` rules, or the optional ``holidays``
package) and one-off working days that override a weekend or a holiday
(make-up working days). :data:`AROUND_THE_CLOCK` is the same interface for
plain clock time (the 24-hour payment promise).

Business time is real elapsed time inside working hours: a night shift on
the night the clocks go back lasts one hour longer. A working-hours
boundary is the first instant at or after its wall-clock time: inside the
hour skipped in spring, the instant the clocks jump; inside the hour
repeated in autumn, its first occurrence. A shift belongs to the
date it starts on: when that date is a holiday the whole shift is off, the
hours after midnight included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from dateutil.rrule import rrulebase

from ..._extras import require
from ...errors import CalendarError
from .hours import Interval, day_hours, week_hours
from .worktime import US, WorkIndex, from_us, to_us

__all__ = [
    "AROUND_THE_CLOCK",
    "AroundTheClock",
    "BusinessCalendar",
    "HolidaySource",
    "WorkingTime",
]


@runtime_checkable
class WorkingTime(Protocol):
    """Something that measures working time: a business calendar or plain clock time.

    Every method refuses a naive datetime with
    :class:`~reimbursement.errors.ValidationError`.
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at ``duration`` of working time from ``start``."""
        ...

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        ...

    def is_working(self, t: datetime) -> bool:
        """True when ``t`` is inside working time."""
        ...

    def next_opening(self, t: datetime) -> datetime:
        """``t`` itself during working time, else the start of the next working interval."""
        ...


class HolidaySource(Protocol):
    """Days off and make-up working days, one year at a time (computed lazily)."""

    def days_off(self, year: int) -> Iterable[date]:
        """The holidays of ``year``."""
        ...

    def working_days(self, year: int) -> Iterable[date]:
        """Days of ``year`` that are worked although they fall on a weekend or holiday."""
        ...


@attrs.frozen
class AroundTheClock:
    """Plain clock time: every instant is working time (the 24-hour payment promise)."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration`` of elapsed time, in ``start``'s zone.

        Unlike ``start + duration`` (which Python computes on the wall clock
        when the zone has DST), 24 hours are 24 real hours across a DST switch.
        """
        result = from_us(to_us(start, "start") + duration // US, UTC)
        return result.astimezone(start.tzinfo)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """``b - a``."""
        return from_to(a, b)

    def is_working(self, t: datetime) -> bool:
        """Always True."""
        to_us(t, "t")
        return True

    def next_opening(self, t: datetime) -> datetime:
        """``t`` itself."""
        to_us(t, "t")
        return t


def from_to(a: datetime, b: datetime) -> timedelta:
    """``b - a`` for aware datetimes; a naive one raises ValidationError."""
    return (to_us(b, "b") - to_us(a, "a")) * US


AROUND_THE_CLOCK = AroundTheClock()
"""Clock time, for targets such as "paid within 24 hours"."""


def _zone(value: str | ZoneInfo) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str):
        raise CalendarError(f"zone: {value!r} is not an IANA time zone name")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(
            f"zone: {value!r} is not a known IANA time zone (like 'Europe/Berlin')"
        ) from None


def _holiday_list(value: Iterable[date | rrulebase]) -> tuple[date | rrulebase, ...]:
    return tuple(value)


@attrs.frozen(eq=False)
class BusinessCalendar:
    """Working hours in a time zone, with holidays and make-up working days.

    ``hours`` maps weekday numbers (0 = Monday) to intervals; ``holidays``
    mixes dates and ``dateutil.rrule`` rules; ``extra_working_days`` lists
    days worked although they are weekends or holidays, with their own hours
    or, for plain dates, ``extra_day_hours`` (default: the first working
    weekday's hours). ``source`` adds holidays and make-up days computed a
    year at a time (see :meth:`with_country_holidays`).

    Raises :class:`~reimbursement.errors.CalendarError` for an unknown zone, an
    empty week, overlapping or malformed intervals.
    """

    zone: ZoneInfo = attrs.field(converter=_zone)
    hours: tuple[tuple[tuple[time, time], ...], ...] = attrs.field(converter=week_hours)
    holidays: tuple[date | rrulebase, ...] = attrs.field(default=(), converter=_holiday_list)
    extra_working_days: Mapping[date, Sequence[Interval]] | Iterable[date] = ()
    extra_day_hours: Sequence[Interval] | None = None
    source: HolidaySource | None = None
    _index: WorkIndex = attrs.field(init=False, repr=False)
    # derived from the fields above and read-only; like the memo below, no part of the value
    _extra: Mapping[date, tuple[tuple[time, time], ...]] = attrs.field(
        init=False, repr=False, eq=False
    )
    _default_extra: tuple[tuple[time, time], ...] = attrs.field(init=False, repr=False)
    _fixed_off: frozenset[date] = attrs.field(init=False, repr=False)
    # a memo of each year's days off, filled as years are asked for: no part of the value
    _years: dict[int, tuple[frozenset[date], frozenset[date]]] = attrs.field(
        init=False, repr=False, eq=False, factory=dict
    )

    def __attrs_post_init__(self) -> None:
        for i, item in enumerate(self.holidays):
            if not isinstance(item, date | rrulebase):
                raise CalendarError(f"holidays[{i}]: {item!r} is neither a date nor an rrule")
        default = next((h for h in self.hours if h), ())
        if self.extra_day_hours is not None:
            default = day_hours(self.extra_day_hours, "extra_day_hours")
        extra: dict[date, tuple[tuple[time, time], ...]] = {}
        if isinstance(self.extra_working_days, Mapping):
            for day, value in self.extra_working_days.items():
                extra[_as_date(day)] = day_hours(value, f"extra_working_days[{day}]")
        else:
            for day in self.extra_working_days:
                extra[_as_date(day)] = default
        fixed = frozenset(_as_date(h) for h in self.holidays if isinstance(h, date))
        object.__setattr__(self, "_extra", MappingProxyType(extra))
        object.__setattr__(self, "_fixed_off", fixed)
        object.__setattr__(self, "_default_extra", default)
        object.__setattr__(self, "_index", WorkIndex(self.zone, self._shifts))

    @classmethod
    def with_country_holidays(
        cls,
        zone: str | ZoneInfo,
        hours: Mapping[int, Sequence[Interval]],
        country: str,
        subdiv: str | None = None,
        *,
        holidays: Iterable[date | rrulebase] = (),
        extra_working_days: Mapping[date, Sequence[Interval]] | Iterable[date] = (),
        extra_day_hours: Sequence[Interval] | None = None,
    ) -> BusinessCalendar:
        """A calendar whose holidays and make-up days come from the ``holidays`` package.

        ``country`` and ``subdiv`` are ISO codes (``"DE", subdiv="BY"``;
        ``"US", subdiv="NY"``; ``"CN"``, whose weekend make-up days are
        working days). Needs the ``holidays`` extra (else
        :class:`~reimbursement.errors.MissingExtraError`). Raises CalendarError for
        an unknown country or subdivision. ``holidays`` and the make-up days
        given here add to the country's.
        """
        holidays_package = require("holidays", "holidays", "country holidays")
        try:
            holidays_package.country_holidays(country, subdiv=subdiv, years=2000)
        except NotImplementedError as exc:
            raise CalendarError(f"holidays of {country!r}/{subdiv!r}: {exc}") from None
        source = _CountryHolidays(country, subdiv)
        return cls(
            zone,
            hours,
            holidays,
            extra_working_days,
            extra_day_hours,
            source=source,
        )

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        """The days off and the make-up working days of ``year``, computed once."""
        found = self._years.get(year)
        if found is None:
            off = {d for d in self._fixed_off if d.year == year}
            for rule in self.holidays:
                if isinstance(rule, rrulebase):
                    off.update(_rule_dates(rule, year, self.zone))
            worked: frozenset[date] = frozenset()
            if self.source is not None:
                off.update(self.source.days_off(year))
                worked = frozenset(self.source.working_days(year))
            found = self._years[year] = (frozenset(off), worked)
        return found

    def _shifts(self, day: date) -> Sequence[tuple[time, time]]:
        extra = self._extra.get(day)
        if extra is not None:
            return extra
        off, worked = self._year(day.year)
        if day in worked:
            return self._default_extra
        if day in off:
            return ()
        return self.hours[day.weekday()]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at ``duration`` of working time from ``start``, in the zone.

        ``add(t, timedelta(0))`` is ``t``; a negative duration counts back.
        """
        t = to_us(start, "start")
        return from_us(self._index.add(t, duration // US), self.zone)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        return self._index.between(to_us(a, "a"), to_us(b, "b")) * US

    def is_working(self, t: datetime) -> bool:
        """True when ``t`` is inside a working interval (start included, end excluded)."""
        return self._index.is_working(to_us(t, "t"))

    def next_opening(self, t: datetime) -> datetime:
        """``t`` itself during working time, else the start of the next working interval."""
        return from_us(self._index.next_opening(to_us(t, "t")), self.zone)

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working intervals within ``[start, end)``, clipped to it, in the zone."""
        a, b = to_us(start, "start"), to_us(end, "end")
        for s, e in self._index.intervals(a, b):
            yield from_us(s, self.zone), from_us(e, self.zone)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise CalendarError(f"{value!r} is not a date")


def _rule_dates(rule: rrulebase, year: int, zone: ZoneInfo) -> Iterator[date]:
    lo, hi = datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59)  # noqa: DTZ001
    try:
        found: list[datetime] = rule.between(lo, hi, inc=True)
    except TypeError:
        # A rule with an aware start compares only with aware bounds.
        found = rule.between(lo.replace(tzinfo=zone), hi.replace(tzinfo=zone), inc=True)
        found = [d.astimezone(zone) for d in found]
    return (d.date() for d in found)


@attrs.frozen
class _CountryHolidays:
    """Holidays and make-up days of one country (and subdivision) from ``holidays``."""

    country: str
    subdiv: str | None

    def _year(self, year: int) -> Mapping[date, str]:
        holidays_package = require("holidays", "holidays", "country holidays")
        result: Mapping[date, str] = holidays_package.country_holidays(
            self.country, subdiv=self.subdiv, years=year
        )
        return result

    def days_off(self, year: int) -> Iterable[date]:
        return list(self._year(year))

    def working_days(self, year: int) -> Iterable[date]:
        found: Iterable[date] = getattr(self._year(year), "weekend_workdays", ())
        return [d for d in found if d.year == year]
