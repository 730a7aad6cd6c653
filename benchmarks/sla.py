"""Business-time arithmetic: this library against ``businesstimedelta``, same inputs.

Calendar: Europe/Berlin, Monday to Friday 09:00-12:00 and 13:30-18:00, 20
holidays a year (the same 20 dates each year, so that ``businesstimedelta``'s
holiday rule, which looks at most five years ahead, always finds one).
For 100,000 random instants in 2025-2026 it computes "start + 16 business
hours" and "business time between the instant and 30 days later", with
both libraries, in this process, and prints calls per second. It also
measures how the cost grows with the duration: a year against a day.

``businesstimedelta`` walks day by day: on a shared two-core machine the
30-day difference runs at a few hundred calls a second, so 100,000 of them
take several minutes. By default it therefore runs on the first
``--btd-sample`` inputs of the same list (the rate is what is compared);
``--btd-sample 100000`` runs it on all of them. The last line is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reimbursement.sla import BusinessCalendar, weekly

ZONE = "Europe/Berlin"
START_DAYS = [(1, 6), (2, 3), (3, 2), (4, 18), (4, 21), (5, 1), (5, 29), (6, 9), (6, 19),
              (7, 15), (8, 15), (9, 1), (10, 3), (10, 31), (11, 1), (11, 19), (12, 24),
              (12, 25), (12, 26), (12, 31)]  # fmt: skip
HOLIDAYS = {date(y, m, d) for y in range(2024, 2033) for m, d in START_DAYS}


def _rate(fn: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    began = time.perf_counter()
    for item in inputs:
        fn(item)
    return len(inputs) / (time.perf_counter() - began)


def _cost(fn: Callable[[Any], object], inputs: Sequence[Any], repeat: int = 5) -> float:
    """Best-of-``repeat`` seconds per call: the least disturbed by other processes."""
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        for item in inputs:
            fn(item)
        best = min(best, (time.perf_counter() - began) / len(inputs))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="random instants")
    parser.add_argument("--btd-sample", type=int, default=5_000, help="inputs run on btd")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    import businesstimedelta as btd
    import pytz

    zone = ZoneInfo(ZONE)
    cal = BusinessCalendar(ZONE, weekly("09:00-12:00", "13:30-18:00"), holidays=HOLIDAYS)
    tz = pytz.timezone(ZONE)
    days = [0, 1, 2, 3, 4]
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=datetime.min.time().replace(hour=9),
                            end_time=datetime.min.time().replace(hour=18),
                            working_days=days, tz=tz),
            btd.LunchTimeRule(start_time=datetime.min.time().replace(hour=12),
                              end_time=datetime.min.time().replace(hour=13, minute=30),
                              working_days=days, tz=tz),
            btd.HolidayRule(HOLIDAYS, tz=tz),
        ]
    )  # fmt: skip
    sixteen = timedelta(hours=16)
    btd_sixteen = btd.BusinessTimeDelta(rules, hours=16)
    month = timedelta(days=30)

    rng = random.Random(args.seed)
    base = datetime(2025, 1, 1, tzinfo=zone)
    starts = [
        (base + timedelta(seconds=rng.randrange(2 * 365 * 86_400))).astimezone(zone)
        for _ in range(args.n)
    ]
    sample = starts[: min(args.btd_sample, args.n)]

    # Warm the per-chunk caches once, as a long-running service would have them.
    cal.between(starts[0] - timedelta(days=400), starts[0] + timedelta(days=1200))

    add_ours = _rate(lambda t: cal.add(t, sixteen), starts)
    diff_ours = _rate(lambda t: cal.between(t, t + month), starts)
    add_btd = _rate(lambda t: t + btd_sixteen, sample)
    diff_btd = _rate(lambda t: rules.difference(t, t + month), sample[: max(1, len(sample) // 5)])

    # The same results on the sample (the differential test covers more cases).
    for t in sample[:1000]:
        assert cal.add(t, sixteen) == t + btd_sixteen
        assert cal.between(t, t + month) == rules.difference(t, t + month).timedelta

    probe = starts[:5000]
    year_business = cal.between(base, base.replace(year=2026))
    cost_add_day = _cost(lambda t: cal.add(t, timedelta(hours=7, minutes=30)), probe)
    cost_add_year = _cost(lambda t: cal.add(t, year_business), probe)
    cost_diff_day = _cost(lambda t: cal.between(t, t + timedelta(days=1)), probe)
    cost_diff_year = _cost(lambda t: cal.between(t, t + timedelta(days=365)), probe)
    ratio = max(cost_add_year / cost_add_day, cost_diff_year / cost_diff_day)

    print(f"instants: {args.n:,} (businesstimedelta on the first {len(sample):,} for add, "
          f"{max(1, len(sample) // 5):,} for the 30-day difference)")  # fmt: skip
    print(f"start + 16 business hours:   {add_ours:12,.0f}/s  btd {add_btd:10,.0f}/s  "
          f"x{add_ours / add_btd:,.0f}")  # fmt: skip
    print(f"business time over 30 days:  {diff_ours:12,.0f}/s  btd {diff_btd:10,.0f}/s  "
          f"x{diff_ours / diff_btd:,.0f}")  # fmt: skip
    print(f"add: a business year {cost_add_year * 1e6:.2f} us vs a business day "
          f"{cost_add_day * 1e6:.2f} us; between: 365 days {cost_diff_year * 1e6:.2f} us "
          f"vs 1 day {cost_diff_day * 1e6:.2f} us; worst ratio {ratio:.2f}")  # fmt: skip
    print(
        json.dumps(
            {
                "add_per_s": round(add_ours),
                "add_per_s_btd": round(add_btd),
                "diff_per_s": round(diff_ours),
                "diff_per_s_btd": round(diff_btd),
                "year_vs_day_cost_ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
