"""Invariants of the process KPIs over any claim history the lifecycle allows."""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.analytics import ProcessStage, backlog, throughput, timelines
from reimbursement.testing import (
    after,
    approved,
    assigned,
    draft,
    paid,
    rejected,
    resubmitted,
    returned,
    submitted,
    withdrawn,
)

gap = st.floats(0.01, 60, allow_nan=False)


@st.composite
def histories(draw, claim_id):
    """A claim taken through a random but legal path, with random gaps between steps."""
    t = draw(st.floats(0, 200))
    claim = submitted(draft(claim_id, at=after(hours=t)), at=after(hours=t))
    t += draw(gap)
    claim = assigned(claim, at=after(hours=t))
    for _ in range(draw(st.integers(0, 2))):
        t += draw(gap)
        claim = returned(claim, at=after(hours=t))
        if draw(st.booleans()) and draw(st.booleans()):
            return withdrawn(claim, at=after(hours=t + draw(gap)))
        t += draw(gap)
        claim = resubmitted(claim, at=after(hours=t))
        t += draw(gap)
        claim = assigned(claim, at=after(hours=t))
    ending = draw(st.sampled_from(["open", "rejected", "approved", "paid"]))
    if ending == "open":
        return claim
    t += draw(gap)
    if ending == "rejected":
        return rejected(claim, at=after(hours=t))
    claim = approved(claim, at=after(hours=t))
    return claim if ending == "approved" else paid(claim, at=after(hours=t + draw(gap)))


many = st.integers(1, 12).flatmap(lambda n: st.tuples(*(histories(f"C{i}") for i in range(n))))


@given(many)
def test_end_to_end_is_the_sum_of_the_stages(claims):
    for case in timelines(claims):
        total = case.end_to_end_hours
        if total is not None:
            stages = sum(case.stage_hours(s) or 0.0 for s in ProcessStage)
            assert stages == pytest.approx(total, abs=1e-6)
        assert case.returns == case.resubmissions + (case.state.value in ("returned", "withdrawn"))


@given(many)
def test_the_backlog_holds_every_open_claim_once(claims):
    cases = timelines(claims)
    queue = backlog(cases, tz=UTC)
    flow = throughput(cases, tz=UTC)
    first_day = min(c.submitted_at for c in cases).replace(hour=0, minute=0, second=0)
    for i, _ in enumerate(queue.days):
        instant = first_day.replace(microsecond=0).timestamp() + 86400 * (i + 1)
        open_then = sum(
            1
            for c in cases
            if c.submitted_at.timestamp() <= instant
            and (c.ended_at is None or c.ended_at.timestamp() > instant)
        )
        assert sum(queue.counts[s][i] for s in ProcessStage) == open_then
    assert sum(flow.submitted) == len(cases)
    assert sum(flow.ended) == sum(c.ended_at is not None for c in cases)
