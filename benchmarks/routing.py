"""Benchmark: assign 100,000 claims with the composed policy (skills → least loaded).

Pools of 10, 100 and 1,000 reviewers, each with two of eight expense
categories, one or two of four languages and one of three regions. Claims
come with a random category, language and region; once every reviewer
holds about five open claims, each new assignment also closes the oldest
open claim, so loads go up and down as in a working office. The figure is
assignments per second (routing only: the requests are built beforehand).

Run: ``python benchmarks/routing.py``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import deque
from datetime import date
from decimal import Decimal

from reimbursement import Money
from reimbursement.routing import (
    AssignmentRequest,
    LeastLoaded,
    Pipeline,
    PolicyRouter,
    Reviewer,
    ReviewerPool,
    SkillsMatch,
)

CLAIMS = 100_000
SIZES = (10, 100, 1_000)
CATEGORIES = ("medical", "dental", "optical", "travel", "pharmacy", "therapy", "hospital", "other")
LANGUAGES = ("en", "fr", "de", "nl")
REGIONS = ("north", "south", "west")
DAY = date(2026, 11, 25)


def make_pool(size: int, rng: random.Random) -> ReviewerPool:
    reviewers = [
        Reviewer(
            f"r{i:04d}",
            teams={"claims"},
            categories=rng.sample(CATEGORIES, 2),
            languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
            regions={rng.choice(REGIONS)},
            authority_limit=Money(rng.choice((1_000, 5_000, 20_000)), "EUR"),
            capacity=1_000_000,
        )
        for i in range(size)
    ]
    return ReviewerPool(reviewers)


def make_requests(rng: random.Random) -> list[AssignmentRequest]:
    return [
        AssignmentRequest(
            f"C{i}",
            f"cust{i % 5_000}",
            DAY,
            required_authority=Money(Decimal(rng.randint(10, 900)), "EUR"),
            category=rng.choice(CATEGORIES),
            language=rng.choice(LANGUAGES),
            region=rng.choice(REGIONS),
        )
        for i in range(CLAIMS)
    ]


def run(size: int) -> float:
    rng = random.Random(size)
    pool = make_pool(size, rng)
    requests = make_requests(rng)
    router = PolicyRouter(pool)
    policy = Pipeline(SkillsMatch(), pick=LeastLoaded())
    open_claims: deque[str] = deque()
    keep_open = 5 * size
    start = time.perf_counter()
    for request in requests:
        assignment = router.assign(request, policy)
        open_claims.append(assignment.reviewer)
        if len(open_claims) > keep_open:
            router.release(open_claims.popleft())
    elapsed = time.perf_counter() - start
    return CLAIMS / elapsed


def main() -> int:
    results = {}
    for size in SIZES:
        rate = run(size)
        results[f"assign_per_s_{size}"] = round(rate)
        print(
            f"{size:>5} reviewers: {rate:>10,.0f} assignments/s "
            f"({1e6 / rate:.1f} µs per assignment)"
        )
    small, large = results["assign_per_s_10"], results["assign_per_s_1000"]
    print(f"cost per assignment, 1,000 vs 10 reviewers: x{small / large:.2f}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
