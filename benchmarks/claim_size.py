"""Cost per call on a large claim: calls on a claim of 3,000 items against one of 300.

For ``post_message``, ``attach`` and ``update_draft`` adding one line, each
round builds (untimed) a claim already holding ``--small`` messages,
documents or lines and one holding ``--large``, then times ``--calls`` calls
on each, in turn (the order alternates between rounds). For ``approve`` it
builds a submitted claim of ``--small`` lines and one of ``--large``, and
times one partial approval of each, every line lowered to half with a
reason; the figure is the time per line decision. Each figure is the median
over ``--repeat`` rounds; a ratio is the large figure over the small one.
The target is a ratio of at most 1.5 for each: the cost of a call does not
grow with the claim.

The desk runs on the in-memory adapters (``--store memory``, the default),
or on a SQLite file (``--store sqlite``; ``--store both`` runs each), with its
limits raised above the defaults (1,000 lines, documents or messages per
claim) so that the large claims can be built. On SQLite each claim is built
on the in-memory desk (once) and stored whole in a fresh file each round:
built call by call there, a claim of 3,000 items took minutes, and the
build is not what is measured. On SQLite each save rewrites
the claim's row, whose body (the claim without its events) counts its lines,
documents and messages: each of them is a row of ``rb_claim_items`` (schema
15), and a save writes only the items that changed and the call's new
events. ``sqlite_body_*`` says how large the row's body is, what encoding
it (``body_text(claim, counted=True)``) costs per call at the large size,
and (``..._full_us``) what encoding the whole claim again would cost, as
the row held it before schema 15. Times are this process's CPU time (``--clock wall``
for elapsed time): on a shared machine it moves less with the load of
other processes.

Usage: python benchmarks/claim_size.py [--small 300] [--large 3000] [--calls 50] [--repeat 7]
       [--store memory|sqlite|both]
The last line printed is one JSON object (SQLite's figures under ``sqlite_`` keys).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs

from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    CustomerProfile,
    DeskSettings,
    LineDecision,
    LineInput,
    Money,
    ReimbursementDesk,
    in_memory_desk,
    sql_desk,
    to_data,
)
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryDocumentStore
from reimbursement.adapters.sql._body import body_text
from reimbursement.service import ClaimLimits

CUSTOMER = Actor.customer("c1")
REVIEWER = Actor.reviewer("r1")
LINE = LineInput("pharmacy", date(2026, 1, 2), "City Pharmacy", Money("42.50", "EUR"))
PATCH = ClaimPatch(add_lines=(LINE,))
PDF = b"%PDF-1.7\n a receipt"


class TickingClock:
    """A clock that moves one millisecond per reading (every event gets its own instant)."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 5, 9, tzinfo=UTC)

    def now(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now


STORE = ["memory"]  # which store make_desk builds on (set by main)
_FOLDER = tempfile.TemporaryDirectory(prefix="claim-size-")
_FILES = itertools.count(1)


def make_desk(size: int, documents: InMemoryDocumentStore | None = None) -> ReimbursementDesk:
    """A desk for a claim of ``size`` items (on SQLite: with ``documents``, the store of
    the desk its claim was built on)."""
    room = 2 * size + 10_000  # the claim, what the timed calls add, and their events
    limits = ClaimLimits(
        max_lines=room, max_attachments=room, max_messages=room, max_customer_events=4 * room
    )
    options = {
        "reviewers": ["r1"],
        "customers": [
            CustomerProfile(
                "c1", "Ana Lima", "POL-1", "EUR", payee_account="DE89 3704 0044 0532 0130 00"
            )
        ],
        "clock": TickingClock(),
        "settings": DeskSettings(require_receipts=False, limits=limits),
        "new_id": map(str, itertools.count(1)).__next__,
    }
    if STORE[0] == "memory":
        return in_memory_desk(**options)  # type: ignore[arg-type]
    url = f"sqlite:///{Path(_FOLDER.name) / f'claims-{next(_FILES)}.db'}"
    sql.upgrade(url)
    store = documents if documents is not None else InMemoryDocumentStore()
    return sql_desk(url, documents=store, **options)  # type: ignore[arg-type]


Call = Callable[[ReimbursementDesk, str], object]
CALLS: dict[str, Call] = {
    "message": lambda desk, claim_id: desk.post_message(CUSTOMER, claim_id, "Any news?"),
    "attach": lambda desk, claim_id: desk.attach(CUSTOMER, claim_id, "receipt.pdf", PDF),
    "add_line": lambda desk, claim_id: desk.update_draft(CUSTOMER, claim_id, PATCH),
}


# SQLite: each claim is built on the in-memory desk and stored whole, once per round
# (built call by call on SQLite, a claim of 3,000 items costs minutes, as each save
# writes the body whole); the timed calls then run on SQLite
_BUILT: dict[tuple[str, int], tuple[Claim, InMemoryDocumentStore]] = {}


def grown(kind: str, size: int) -> tuple[ReimbursementDesk, str]:
    """A desk and the id of a draft already holding ``size`` items of ``kind``."""
    store = STORE[0]
    if store == "sqlite" and (kind, size) not in _BUILT:
        STORE[0] = "memory"
        try:
            built, claim_id = grown(kind, size)
        finally:
            STORE[0] = store
        documents = built.adapters.documents
        assert isinstance(documents, InMemoryDocumentStore)
        _BUILT[(kind, size)] = (built.get(REVIEWER, claim_id), documents)
    if store == "sqlite":
        claim, documents = _BUILT[(kind, size)]
        desk = make_desk(size, documents)
        with desk.adapters.unit_of_work() as uow:
            uow.claims.add(claim)
            uow.commit()
        return desk, claim.id
    desk = make_desk(size)
    claim_id = desk.start_draft(CUSTOMER, [LINE]).id
    call = CALLS[kind]
    for _ in range(size - (kind == "add_line")):
        call(desk, claim_id)
    return desk, claim_id


def per_call(kind: str, size: int, calls: int, clock: Callable[[], float]) -> float:
    """Seconds per call of ``kind`` on a claim holding ``size`` items."""
    desk, claim_id = grown(kind, size)
    call = CALLS[kind]
    gc.collect()
    start = clock()
    for _ in range(calls):
        call(desk, claim_id)
    return (clock() - start) / calls


def per_decision(size: int, clock: Callable[[], float]) -> float:
    """Seconds per line decision of a partial approval of a claim of ``size`` lines."""
    desk = make_desk(size)
    claim = desk.submit(CUSTOMER, desk.start_draft(CUSTOMER, [LINE] * size).id)
    # the approval's event repeats the first ten notes and counts the rest (every note
    # stays on its line's decision), so a note on each of 3,000 lines can be stored
    decisions = [
        LineDecision(line.id, Money("21.25", "EUR"), "half the tariff") for line in claim.lines
    ]
    gc.collect()
    start = clock()
    approved = desk.approve(REVIEWER, claim.id, decisions)
    elapsed = clock() - start
    assert approved.approved_total == Money("21.25", "EUR") * size
    return elapsed / size


def measure(args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    figures: dict[str, list[list[float]]] = {k: [[], []] for k in (*CALLS, "approve_lines")}
    for round_ in range(args.repeat):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for kind in CALLS:
            for which in order:
                size = (args.small, args.large)[which]
                figures[kind][which].append(per_call(kind, size, args.calls, clock))
        for which in order:
            size = (args.small, args.approve_large or args.large)[which]
            figures["approve_lines"][which].append(per_decision(size, clock))
    return {k: (statistics.median(s), statistics.median(b)) for k, (s, b) in figures.items()}


def body_cost(kind: str, size: int, clock: Callable[[], float]) -> tuple[int, float, float]:
    """The row body of a claim holding ``size`` items of ``kind``: its bytes, the seconds
    a save spends on its text (``body_text``, its lists counted), and the seconds
    encoding the whole claim again would take."""
    desk, claim_id = grown(kind, size)
    claim = desk.get(REVIEWER, claim_id)
    bare = Claim(claim.id, claim.claimant, claim.currency, claim.state, claim.created_at)
    body = attrs.evolve(claim, events=bare.events)
    body_text(claim, counted=True)  # what the save that stored it kept
    start = clock()
    for _ in range(10):
        text = body_text(claim, counted=True).text
    joined = (clock() - start) / 10
    start = clock()
    for _ in range(10):
        json.dumps(to_data(body), ensure_ascii=False, separators=(",", ":"))
    return len(text.encode()), joined, (clock() - start) / 10


def run(args: argparse.Namespace, store: str) -> dict[str, float]:
    STORE[0] = store
    results = measure(args)
    names = {
        "message": "post_message",
        "attach": "attach",
        "add_line": "update_draft(add_lines=[one])",
        "approve_lines": "approve, per line decision",
    }
    prefix = "" if store == "memory" else f"{store}_"
    ratios: dict[str, float] = {}
    print(f"-- {store}")
    sizes = dict.fromkeys(results, args.large) | {
        "approve_lines": args.approve_large or args.large
    }
    for kind, (small, large) in results.items():
        ratios[f"{prefix}{kind}_ratio"] = round(large / small, 2)
        print(
            f"{names[kind]:<32} {small * 1e6:>8.1f} µs at {args.small:,}  "
            f"{large * 1e6:>8.1f} µs at {sizes[kind]:,}  x{large / small:.2f}"
        )
    if store != "memory":
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        for kind in CALLS:
            (small_bytes, small_s, _), (large_bytes, large_s, full_s) = (
                body_cost(kind, size, clock) for size in (args.small, args.large)
            )
            ratios[f"{prefix}body_{kind}_bytes"] = large_bytes
            ratios[f"{prefix}body_{kind}_encode_us"] = round(large_s * 1e6, 1)
            ratios[f"{prefix}body_{kind}_full_us"] = round(full_s * 1e6, 1)
            print(
                f"  body ({kind}): {small_bytes:,} B, {small_s * 1e6:.0f} µs to join at "
                f"{args.small:,}; {large_bytes:,} B, {large_s * 1e6:.0f} µs at {args.large:,} "
                f"(encoding it all: {full_s * 1e6:.0f} µs)"
            )
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=300, help="items on the small claim")
    parser.add_argument("--large", type=int, default=3_000, help="items on the large claim")
    parser.add_argument("--calls", type=int, default=50, help="timed calls per claim and round")
    parser.add_argument("--repeat", type=int, default=7, help="rounds (medians are reported)")
    parser.add_argument(
        "--approve-large",
        type=int,
        default=None,
        help="lines of the large claim approve runs on (default --large)",
    )
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--store", choices=("memory", "sqlite", "both"), default="memory")
    args = parser.parse_args()
    ratios: dict[str, float] = {}
    for store in ("memory", "sqlite") if args.store == "both" else (args.store,):
        ratios.update(run(args, store))
    print(json.dumps(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
