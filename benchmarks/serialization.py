"""Claims per second through the wire format: to_data, from_data, to_json, from_json.

The claim is the one ``docs/serialization.md`` quotes figures for: two lines
and six events (started, submitted, assigned, a message, approved, payment
requested), about 2.8 kB of JSON. Each figure is the best of ``--repeat``
runs of ``--claims`` calls, timed in CPU time of this process (so another
process on the machine slows it less than wall time would).

Reading checks every field against the grammar and the limits, and the claim
against its invariants; writing checks its output against the limits. The
figures include those checks: they are what a caller pays.

Usage: python benchmarks/serialization.py [--claims 5000] [--repeat 5]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from reimbursement import Actor, Claim, LineInput, Money, from_data, from_json, to_data, to_json
from reimbursement.claims import Claimant
from reimbursement.domain import commands
from reimbursement.domain.actors import SYSTEM


def _no_conversion(money: Money, currency: str, day: date) -> tuple[Money, Decimal | None]:
    return money, None


def the_claim() -> Claim:
    """Two lines, six events: the claim the docs' figures are for."""
    paris = ZoneInfo("Europe/Paris")
    customer = Actor.customer("C-7", "Zoë Martin")
    claimant = Claimant("C-7", "Zoë Martin", "POL-1", "DE89 3704 0044 0532 0130 00")
    start = datetime(2026, 3, 2, 9, 30, tzinfo=paris)
    lines = [
        LineInput("taxi", date(2026, 3, 1), "Taxi Berlin", Money("12.30", "EUR")),
        LineInput("hotel", date(2026, 3, 1), "Inn", Money("80.00", "EUR")),
    ]
    claim = commands.start_draft("CL-1", claimant, "EUR", customer, start, lines, _no_conversion)
    claim = commands.submit(
        claim, customer, start + timedelta(minutes=5), "2026-000123", require_receipts=False
    )
    claim = commands.assign(claim, SYSTEM, start + timedelta(minutes=6), "R-1", "rr", "next")
    claim = commands.post_message(claim, customer, start + timedelta(minutes=7), "Any news?")
    claim = commands.approve(claim, Actor.reviewer("R-1"), start + timedelta(hours=1))
    return commands.request_payment(claim, SYSTEM, start + timedelta(hours=1))


def per_second(call: Callable[[], object], claims: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        for _ in range(claims):
            call()
        best = min(best, time.process_time() - began)
    return claims / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    claim = the_claim()
    data, text = to_data(claim), to_json(claim)
    assert from_json(text, Claim) == claim
    figures = {
        "to_data_per_s": per_second(lambda: to_data(claim), args.claims, args.repeat),
        "from_data_per_s": per_second(lambda: from_data(data, Claim), args.claims, args.repeat),
        "to_json_per_s": per_second(lambda: to_json(claim), args.claims, args.repeat),
        "from_json_per_s": per_second(lambda: from_json(text, Claim), args.claims, args.repeat),
    }
    print(f"a claim of {len(claim.lines)} lines and {len(claim.events)} events, {len(text):,} B")
    for name, value in figures.items():
        print(f"  {name:18} {value:>10,.0f}")
    print(json.dumps({**{k: round(v) for k, v in figures.items()}, "json_bytes": len(text)}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
