"""Throughput and memory of the whole claim lifecycle on the in-memory adapters.

Pushes N claims through submit (numbered, routed to a reviewer, notified) ->
approve (payment requested in the same step) -> finance approval -> pay
(settled by the gateway) with a ReimbursementDesk, as the issue defines the
run; the drafts (two lines each) are made first, untimed, as customers make
them before the process starts. ``claims_per_s_with_drafts`` times the
drafts too. It compares with a bare ``transitions`` machine doing the same
seven state changes on plain objects (made untimed as well), in the same
process. The bare floor is measured two ways:

- ``bare_claims_per_s``: one machine, one plain object per claim bound with
  ``add_model`` and released with ``remove_model`` after its last trigger (how
  transitions runs many objects without holding them all);
- ``bare_cursor_claims_per_s``: the triggers alone, on one bound object whose
  state is reset per claim (the strictest floor: no binding at all).

``overhead_ratio`` is bare_claims_per_s / claims_per_s, and
``overhead_ratio_vs_cursor`` the same against the strictest floor.

Every claim has expenses of its own (:func:`lines_for`); ``--same-expense N``
times N claims that all hold the same two, each flagged as a duplicate.

The floors run for a fraction of a second each: they are timed ``--floor-repeat``
times (15) and the median taken. ``--large 0`` skips the large run.

Usage: python benchmarks/lifecycle.py [--claims 20000] [--large 200000] [--repeat 3]
       [--floor-repeat 15]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from transitions import Machine

from reimbursement import (
    Actor,
    CustomerProfile,
    DeskSettings,
    LineInput,
    Money,
    ReimbursementDesk,
    in_memory_desk,
)
from reimbursement.payments import iban_for
from reimbursement.ports import Notification


class TickingClock:
    """A clock that moves one millisecond per reading (every event gets its own instant)."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self._tick = timedelta(milliseconds=1)

    def now(self) -> datetime:
        self._now += self._tick
        return self._now


class CountingNotifier:
    """Counts deliveries without keeping them, so memory measures the claims alone."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, notification: Notification) -> None:
        self.count += 1


CUSTOMERS = 1000


def make_desk() -> ReimbursementDesk:
    profiles = [
        CustomerProfile(
            f"c{i}", f"Customer {i}", f"POL-{i}", "EUR", payee_account=iban_for("DE", f"{i:018d}")
        )
        for i in range(CUSTOMERS)
    ]
    return in_memory_desk(
        reviewers=[f"r{i}" for i in range(10)],
        customers=profiles,
        clock=TickingClock(),
        notifier=CountingNotifier(),
        settings=DeskSettings(require_receipts=False),
        new_id=map(str, itertools.count(1)).__next__,
    )


LINES = (
    LineInput("pharmacy", date(2026, 1, 2), "City Pharmacy", Money("42.50", "EUR")),
    LineInput("consultation", date(2026, 1, 3), "Dr. Weber", Money("120.00", "EUR")),
)


def lines_for(i: int) -> tuple[LineInput, ...]:
    """Claim ``i``'s two lines: the shape of :data:`LINES`, its own expenses.

    Every claim has amounts of its own (one cent apart), as real claims do:
    the same two expenses on every claim would make each one a duplicate of
    all before it, which is a different workload (``--same-expense``).
    """
    cents = Decimal(i) / 100
    return tuple(
        LineInput(x.category, x.incurred_on, x.provider, Money(x.amount.amount + cents, "EUR"))
        for x in LINES
    )


CUSTOMER_ACTORS = [Actor.customer(f"c{i}") for i in range(CUSTOMERS)]
REVIEWERS = {f"r{i}": Actor.reviewer(f"r{i}") for i in range(10)}
FINANCE = Actor.finance("f1")


def claim_lines(i: int, *, same_expense: bool = False) -> tuple[LineInput, ...]:
    """The lines of claim ``i``: its own (:func:`lines_for`), or :data:`LINES` for all."""
    return LINES if same_expense else lines_for(i)


def run_desk(n: int, *, with_drafts: bool = False, same_expense: bool = False) -> float:
    """Seconds to push ``n`` claims from submission to payment (and drafting, if asked)."""
    desk = make_desk()
    customers = [CUSTOMER_ACTORS[i % CUSTOMERS] for i in range(n)]
    lines = [claim_lines(i, same_expense=same_expense) for i in range(n)]
    drafts = (
        [] if with_drafts else [desk.start_draft(c, lines[i]).id for i, c in enumerate(customers)]
    )
    gc.collect()
    start = time.perf_counter()
    for i, customer in enumerate(customers):
        claim_id = desk.start_draft(customer, lines[i]).id if with_drafts else drafts[i]
        desk.submit(customer, claim_id)  # the customer's view: no assignee in it
        assignee = desk.get(FINANCE, claim_id).assignee  # one staff read per claim
        assert assignee is not None
        claim = desk.approve(REVIEWERS[assignee], claim_id)
        claim = desk.approve_payment(FINANCE, claim.id)
        claim = desk.pay(FINANCE, claim.id)
    elapsed = time.perf_counter() - start
    assert n == 0 or claim.state == "paid"  # no claim to look at when n is 0
    return elapsed


STATES = [
    "draft",
    "submitted",
    "in_review",
    "approved",
    "payment_requested",
    "payment_approved",
    "paid",
]
TRIGGERS = [
    ["submit", "draft", "submitted"],
    ["start_review", "submitted", "in_review"],
    ["approve", "in_review", "approved"],
    ["request_payment", "approved", "payment_requested"],
    ["approve_payment", "payment_requested", "payment_approved"],
    ["send_payment", "payment_approved", None],
    ["confirm_payment", "payment_approved", "paid"],
]


class Plain:
    pass


def run_bare(n: int) -> float:
    machine = Machine(
        model=None, states=STATES, transitions=TRIGGERS, initial="draft", auto_transitions=False
    )
    objects = [Plain() for _ in range(n)]
    gc.collect()
    start = time.perf_counter()
    for obj in objects:
        machine.add_model(obj)
        o = obj  # type: ignore[assignment]
        o.submit()  # type: ignore[attr-defined]
        o.start_review()  # type: ignore[attr-defined]
        o.approve()  # type: ignore[attr-defined]
        o.request_payment()  # type: ignore[attr-defined]
        o.approve_payment()  # type: ignore[attr-defined]
        o.send_payment()  # type: ignore[attr-defined]
        o.confirm_payment()  # type: ignore[attr-defined]
        machine.remove_model(obj)
    return time.perf_counter() - start


def run_bare_cursor(n: int) -> float:
    cursor = Plain()
    Machine(
        model=cursor, states=STATES, transitions=TRIGGERS, initial="draft", auto_transitions=False
    )
    c = cursor
    start = time.perf_counter()
    for _ in range(n):
        c.state = "draft"  # type: ignore[attr-defined]
        c.submit()  # type: ignore[attr-defined]
        c.start_review()  # type: ignore[attr-defined]
        c.approve()  # type: ignore[attr-defined]
        c.request_payment()  # type: ignore[attr-defined]
        c.approve_payment()  # type: ignore[attr-defined]
        c.send_payment()  # type: ignore[attr-defined]
        c.confirm_payment()  # type: ignore[attr-defined]
    return time.perf_counter() - start


def bytes_per_claim(n: int) -> float:
    """Memory held per stored claim (two lines, its events), by tracemalloc."""
    desk = make_desk()
    customer = CUSTOMER_ACTORS[0]
    # warm up: caches, interned strings and the customer index exist before measuring
    claim = desk.start_draft(customer, LINES)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        customer = CUSTOMER_ACTORS[i % CUSTOMERS]
        claim = desk.start_draft(customer, lines_for(i))
        desk.submit(customer, claim.id)
        assignee = desk.get(FINANCE, claim.id).assignee
        paid = desk.approve(REVIEWERS[assignee or ""], claim.id)
        paid = desk.approve_payment(FINANCE, paid.id)
        paid = desk.pay(FINANCE, paid.id)
    del claim, paid
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--floor-repeat",
        type=int,
        default=15,
        metavar="N",
        help="time each bare transitions floor N times, the median taken (they run briefly)",
    )
    parser.add_argument(
        "--same-expense",
        type=int,
        default=2_000,
        metavar="N",
        help="also time N claims that all hold the same two expenses (every one flagged)",
    )
    args = parser.parse_args()

    desk_runs = [args.claims / run_desk(args.claims) for _ in range(args.repeat)]
    with_drafts = statistics.median(
        args.claims / run_desk(args.claims, with_drafts=True) for _ in range(args.repeat)
    )
    floor_repeat = max(args.repeat, args.floor_repeat)
    bare_runs = [args.claims / run_bare(args.claims) for _ in range(floor_repeat)]
    cursor_runs = [args.claims / run_bare_cursor(args.claims) for _ in range(floor_repeat)]
    claims_per_s = statistics.median(desk_runs)
    bare = statistics.median(bare_runs)
    bare_cursor = statistics.median(cursor_runs)
    print(
        f"desk, submit to paid: {claims_per_s:,.0f} claims/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in desk_runs)})"
    )
    print(f"desk, draft to paid: {with_drafts:,.0f} claims/s")
    print(f"bare transitions, add/remove_model per object: {bare:,.0f} claims/s")
    print(f"bare transitions, triggers only on one object: {bare_cursor:,.0f} claims/s")
    print(
        f"overhead ratio: {bare / claims_per_s:.2f}x (vs triggers only: "
        f"{bare_cursor / claims_per_s:.2f}x)"
    )

    same = args.same_expense / run_desk(args.same_expense, same_expense=True)
    print(
        f"desk, submit to paid, {args.same_expense:,} claims of the same expenses "
        f"(each flagged as a duplicate of up to 20 others per line): {same:,.0f} claims/s"
    )

    per_byte = bytes_per_claim(min(args.small, 20_000))
    print(f"memory: {per_byte:,.0f} bytes per stored claim (two lines, all events)")

    small = statistics.median(run_desk(args.small) / args.small for _ in range(args.repeat))
    ratio = None
    if args.large:  # --large 0 skips the large run
        large = run_desk(args.large) / args.large
        ratio = round(large / small, 3)
        print(
            f"time per claim: {small * 1e6:.1f} us at {args.small:,}, "
            f"{large * 1e6:.1f} us at {args.large:,} (ratio {ratio:.2f})"
        )
    print(
        json.dumps(
            {
                "claims_per_s": round(claims_per_s),
                "claims_per_s_with_drafts": round(with_drafts),
                "bare_claims_per_s": round(bare),
                "bare_cursor_claims_per_s": round(bare_cursor),
                "overhead_ratio": round(bare / claims_per_s, 2),
                "overhead_ratio_vs_cursor": round(bare_cursor / claims_per_s, 2),
                "same_expense_claims_per_s": round(same),
                "bytes_per_claim": round(per_byte),
                "per_claim_time_ratio_200k_vs_10k": ratio,
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
