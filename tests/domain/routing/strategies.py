"""Requests, reviewers, pools and one claim for the routing tests, and Hypothesis strategies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from reimbursement.domain.money import Money
from reimbursement.domain.routing import Absence, AssignmentRequest, Reviewer, ReviewerPool
from reimbursement.testing import draft, submitted

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
"""When the routing tests route (their claims are filed months before, at the builders' AT)."""
DAY = AT.date()
CATEGORIES = ("medical", "dental", "travel")
LANGUAGES = ("en", "fr")
REGIONS = ("north", "south")
TEAMS = ("claims", "medical", "finance")


def eur(amount: str | int) -> Money:
    return Money(amount, "EUR")


def no_fx(money: Money, currency: str, day: date) -> tuple[Money, None]:
    return money, None


CLAIM = submitted(draft("C1", lines=[("medical", "120.00")]))
"""A submitted claim of ``cust-1``: one medical line of 120.00 EUR, filed before :data:`AT`."""


def request(
    claim_id: str = "C1",
    customer: str = "cust-1",
    *,
    amount: str | None = "100",
    category: str | None = None,
    language: str | None = None,
    region: str | None = None,
    team: str | None = None,
    day: date = DAY,
) -> AssignmentRequest:
    return AssignmentRequest(
        claim_id,
        customer,
        day,
        required_authority=None if amount is None else eur(amount),
        category=category,
        language=language,
        region=region,
        team=team,
    )


REVIEWER_IDS = tuple(f"r{i}" for i in range(8))
limits = st.sampled_from([None, eur(100), eur(1_000), eur(10_000)])


@st.composite
def absences(draw: st.DrawFn, reviewer_id: str) -> tuple[Absence, ...]:
    if not draw(st.booleans()):
        return ()
    start = DAY - timedelta(days=draw(st.integers(0, 3)))
    end = DAY + timedelta(days=draw(st.integers(-1, 3)))
    if end < start:
        end = start
    others = [r for r in REVIEWER_IDS if r != reviewer_id]
    delegate = draw(st.none() | st.sampled_from(others))
    return (Absence(start, end, delegate),)


@st.composite
def reviewers(draw: st.DrawFn, reviewer_id: str, *, away: bool = True) -> Reviewer:
    return Reviewer(
        reviewer_id,
        teams=draw(st.frozensets(st.sampled_from(TEAMS), max_size=2)),
        categories=draw(st.frozensets(st.sampled_from(CATEGORIES), max_size=2)),
        languages=draw(st.frozensets(st.sampled_from(LANGUAGES), max_size=2)),
        regions=draw(st.frozensets(st.sampled_from(REGIONS), max_size=1)),
        authority_limit=draw(limits),
        capacity=draw(st.integers(0, 6)),
        absences=draw(absences(reviewer_id)) if away else (),
    )


@st.composite
def pools(draw: st.DrawFn, *, away: bool = True, min_size: int = 1) -> ReviewerPool:
    size = draw(st.integers(min_size, len(REVIEWER_IDS)))
    return ReviewerPool([draw(reviewers(rid, away=away)) for rid in REVIEWER_IDS[:size]])


@st.composite
def requests(draw: st.DrawFn, number: int) -> AssignmentRequest:
    """A request whose customer is sometimes a reviewer (four-eyes must hold)."""
    return request(
        f"C{number}",
        draw(st.sampled_from([*REVIEWER_IDS[:3], "cust-1", "cust-2"])),
        amount=draw(st.none() | st.sampled_from(["50", "500", "5000", "50000"])),
        category=draw(st.none() | st.sampled_from(CATEGORIES)),
        language=draw(st.none() | st.sampled_from(LANGUAGES)),
        region=draw(st.none() | st.sampled_from(REGIONS)),
        team=draw(st.none() | st.sampled_from(TEAMS)),
    )


conflict_links = st.frozensets(
    st.tuples(st.sampled_from(REVIEWER_IDS), st.sampled_from(["cust-1", "cust-2"])), max_size=4
)
