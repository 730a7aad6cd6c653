"""A call's cost does not grow with the claim: counted in Python lines run, not in seconds.

Timings are measured by ``benchmarks/claim_size.py``; here the library's own
Python lines executed by one call are counted on a small and on a large
claim. A scan of every id, a duplicate check over every line or decisions
matched line by line would run more lines on the large claim; lookups by
binary search may add a few (their number grows with the logarithm).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from datetime import date
from types import FrameType
from typing import Any

import pytest

import reimbursement
from reimbursement import (
    ClaimPatch,
    DeskSettings,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
)
from reimbursement.service import ClaimLimits, CustomerClaim
from support import ANA, PDF, REVIEWER

PACKAGE = reimbursement.__file__.rsplit("/", 1)[0]
# The Merkle log's append and roll-back walk the tree's levels: their work grows
# with the logarithm of every event the store's log holds (all claims), not with
# this claim, and depends on where the log's size happens to be. Not counted here;
# benchmarks/audit.py measures the log.
NOT_COUNTED = (f"{PACKAGE}/audit/merkle.py",)
# both past the size where a claim's sequences leave plain tuples for chunks
# (domain._vector.SMALL), and at the same place in a chunk: the same code runs
SMALL, LARGE = 104, 1_200
LINE = LineInput("pharmacy", date(2026, 3, 1), "City Pharmacy", Money("10.00", "EUR"))


def executed(call: Callable[[], object]) -> int:
    """How many lines of the library's own code ``call`` runs."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        filename = frame.f_code.co_filename
        if not filename.startswith(PACKAGE) or filename in NOT_COUNTED:
            return None
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        call()
    finally:
        sys.settrace(previous)
    return count


@pytest.fixture
def roomy(
    make_desk: Callable[..., ReimbursementDesk],
) -> Callable[[int], tuple[ReimbursementDesk, CustomerClaim]]:
    """A desk and a draft holding ``n`` lines, ``n`` documents and ``n`` messages."""

    def make(n: int) -> tuple[ReimbursementDesk, CustomerClaim]:
        limits = ClaimLimits(max_lines=5_000, max_attachments=5_000, max_messages=5_000)
        desk = make_desk(settings=DeskSettings(require_receipts=False, limits=limits))
        claim = desk.start_draft(ANA, [LINE] * n)
        for _ in range(n):
            desk.post_message(ANA, claim.id, "Any news?")
            claim = desk.attach(ANA, claim.id, "scan.pdf", PDF)
        return desk, claim

    return make


CALLS: dict[str, Callable[[ReimbursementDesk, CustomerClaim], object]] = {
    "post_message": lambda desk, c: desk.post_message(ANA, c.id, "Any news?"),
    "attach": lambda desk, c: desk.attach(ANA, c.id, "scan.pdf", PDF),
    "add a line": lambda desk, c: desk.update_draft(ANA, c.id, ClaimPatch(add_lines=(LINE,))),
}
LOOKUPS: dict[str, Callable[[ReimbursementDesk, CustomerClaim], object]] = {
    "attach to a line": lambda desk, c: desk.attach(
        ANA, c.id, "scan.pdf", PDF, line_id=c.lines[len(c.lines) // 2].id
    ),
    "change a line": lambda desk, c: desk.update_draft(
        ANA,
        c.id,
        ClaimPatch(change_lines=(LinePatch(c.lines[len(c.lines) // 3].id, description="x"),)),
    ),
}


def lines_run(
    roomy: Callable[[int], tuple[ReimbursementDesk, CustomerClaim]],
    call: Callable[[ReimbursementDesk, CustomerClaim], object],
    n: int,
) -> int:
    desk, claim = roomy(n)
    call(desk, claim)  # the first call of a kind builds what later ones reuse
    return executed(lambda: call(desk, desk.get(REVIEWER, claim.id)))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_call_runs_the_same_lines_on_a_claim_thirty_times_larger(
    roomy: Callable[[int], tuple[ReimbursementDesk, CustomerClaim]], name: str
) -> None:
    assert lines_run(roomy, CALLS[name], LARGE) == lines_run(roomy, CALLS[name], SMALL)


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_a_call_naming_a_line_finds_it_without_reading_the_others(
    roomy: Callable[[int], tuple[ReimbursementDesk, CustomerClaim]], name: str
) -> None:
    small, large = lines_run(roomy, LOOKUPS[name], SMALL), lines_run(roomy, LOOKUPS[name], LARGE)
    # a few more steps of binary search (each about 20 lines), not one or more per line
    steps = math.ceil(math.log2(LARGE / SMALL))
    assert large - small <= 20 * (steps + 1) < LARGE - SMALL


def test_an_approval_runs_the_same_lines_per_decision_on_any_claim(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    def per_decision(n: int) -> float:
        desk = make_desk(
            settings=DeskSettings(require_receipts=False, limits=ClaimLimits(max_lines=5_000))
        )
        claim = desk.submit(ANA, desk.start_draft(ANA, [LINE] * n).id)
        decisions = [LineDecision(line.id, Money("5.00", "EUR"), "half") for line in claim.lines]
        return executed(lambda: desk.approve(REVIEWER, claim.id, decisions)) / n

    small, large = per_decision(SMALL), per_decision(LARGE)
    assert large <= small  # a fixed cost shared by more decisions; nothing per pair of lines
