"""The feedback report against hand-computed figures, and the two engines against each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.analytics import (
    FeedbackRecord,
    FeedbackTable,
    compare_groups,
    feedback_records,
    feedback_report,
    stats,
)
from reimbursement.domain.actors import Actor
from reimbursement.domain.feedback import Feedback, FeedbackStage
from reimbursement.domain.feedback_rules import FeedbackPolicy, ProblemCatalogue, give_feedback
from reimbursement.errors import ValidationError
from reimbursement.testing import after, approved, in_review

R, P, S, C = (
    FeedbackStage.REVIEW,
    FeedbackStage.PAYMENT,
    FeedbackStage.SUBMISSION,
    FeedbackStage.COMMUNICATION,
)


def record(
    i, when, channel="app", region="north", ratings=None, ces=None, nps=None, problems=(), text=""
):
    return FeedbackRecord(
        f"C{i}",
        when,
        channel,
        region,
        "medical",
        "team-a",
        ratings or {},
        ces,
        nps,
        problems,
        text,
    )


MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 12, tzinfo=UTC)
RECORDS = [
    record(1, MARCH, "app", ratings={R: 5, P: 4}, ces=2, nps=10, problems=("payment_late",)),
    record(
        2,
        MARCH,
        "web",
        ratings={R: 2, P: 5},
        ces=6,
        nps=3,
        text="Slow review",
        problems=("slow_review", "payment_late"),
    ),
    record(
        3, APRIL, "app", ratings={R: 1}, ces=7, nps=6, text="Terrible", problems=("slow_review",)
    ),
    record(4, APRIL, "web", ratings={R: 4, P: 3}, nps=8, problems=("payment_late",)),
    record(5, APRIL, "app", ratings={R: 2}, text="", nps=9),
]
TABLE = FeedbackTable.from_records(RECORDS)


@pytest.mark.parametrize("engine", ["python", "numpy"])
def test_overall_figures_by_hand(engine):
    report = feedback_report(TABLE, engine_name=engine)
    o = report.overall
    assert o.count == 5
    # review ratings 5,2,1,4,2: satisfied (4–5) 2 of 5; payment 4,5,3: 2 of 3; none for the rest
    assert (o.satisfied[R], o.csat[R].n, o.csat[R].value) == (2, 5, 0.4)
    assert o.csat[R] == stats.wilson(2, 5)
    assert (o.satisfied[P], o.csat[P].n) == (2, 3)
    assert o.csat[S].n == 0
    # CES 2, 6, 7: mean 5
    assert (o.ces.value, o.ces.n) == (5, 3)
    assert o.ces_variance == pytest.approx(7)
    # NPS answers 10, 3, 6, 8, 9: promoters 2, passives 1, detractors 2 → 0
    assert o.nps_counts == (2, 1, 2)
    assert o.nps.value == 0
    assert dict(o.problems) == {"payment_late": 3, "slow_review": 2}
    assert list(o.problems) == ["payment_late", "slow_review"]
    assert report.worst_stage is R
    # low (1–2) review ratings with text, latest first
    assert [(c.claim_id, c.rating, c.text) for c in report.comments] == [
        ("C3", 1, "Terrible"),
        ("C2", 2, "Slow review"),
    ]
    assert report.engine == engine


@pytest.mark.parametrize("engine", ["python", "numpy"])
def test_grouped_by_period_and_channel(engine):
    report = feedback_report(TABLE, ("period", "channel"), engine_name=engine)
    keys = [(g.key, g.count) for g in report.groups]
    assert keys == [
        (("2026-03", "app"), 1),
        (("2026-03", "web"), 1),
        (("2026-04", "app"), 2),
        (("2026-04", "web"), 1),
    ]
    april_app = report.groups[2]
    assert april_app.csat[R].value == 0
    assert april_app.nps_counts == (1, 0, 1)


@pytest.mark.parametrize("engine", ["python", "numpy"])
def test_problem_trend_compares_the_latest_period_with_the_one_before(engine):
    catalogue = ProblemCatalogue.default()
    report = feedback_report(TABLE, catalogue=catalogue, engine_name=engine)
    trend = {t.code: (t.current, t.previous, t.change) for t in report.trend}
    assert trend == {"payment_late": (1, 2, -1), "slow_review": (1, 1, 0)}
    assert {t.current_period for t in report.trend} == {"2026-04"}
    assert report.trend[0].label == catalogue.label(report.trend[0].code)


def test_periods_follow_the_local_calendar_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    # 22:30 UTC on 29 March is 00:30 on the 30th in Berlin (CEST, UTC+2): the next local day.
    late = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    table = FeedbackTable.from_records(
        [record(1, late, nps=9), record(2, late - timedelta(hours=1), nps=9)]
    )
    by_day = feedback_report(table, "period", period="day", tz=berlin)
    assert [g.key for g in by_day.groups] == [("2026-03-29",), ("2026-03-30",)]
    utc = feedback_report(table, "period", period="day")
    assert [g.key for g in utc.groups] == [("2026-03-29",)]
    weeks = feedback_report(table, "period", period="week", tz=berlin)
    assert [g.key for g in weeks.groups] == [("2026-W13",), ("2026-W14",)]


def test_bad_input_is_refused():
    with pytest.raises(ValidationError, match="group by"):
        feedback_report(TABLE, "colour")
    with pytest.raises(ValidationError, match="period"):
        feedback_report(TABLE, period="year")
    with pytest.raises(ValidationError, match="no feedback"):
        feedback_report(FeedbackTable.from_records([]))
    with pytest.raises(ValidationError, match="engine"):
        feedback_report(TABLE, engine_name="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="time zone"):
        FeedbackTable.from_records([record(1, datetime(2026, 1, 1), nps=1)])
    with pytest.raises(ValidationError, match="outside"):
        FeedbackTable.from_records([record(1, MARCH, ces=9)])


def test_records_come_from_claims_with_their_dimensions():
    claim = approved(in_review("C9"), at=after(hours=2))
    claim = give_feedback(
        claim,
        Actor.customer("cust-1"),
        after(hours=3),
        Feedback(after(hours=3), {R: 5}, nps=10, channel="phone"),
        FeedbackPolicy(),
        ProblemCatalogue.default(),
    )
    records = feedback_records(
        [claim, approved(in_review("C10"), at=after(hours=2))],
        region_of=lambda c: "east",
        team_of=lambda reviewer: {"rev-1": "team-x"}[reviewer],
    )
    assert len(records) == 1
    r = records[0]
    assert (r.claim_id, r.channel, r.region, r.category, r.team) == (
        "C9",
        "phone",
        "east",
        "pharmacy",
        "team-x",
    )


def test_compare_groups():
    march = feedback_report(TABLE, "period").groups
    diffs = compare_groups(march[0], march[1])
    assert set(diffs) == {"csat[review]", "csat[payment]", "nps"}
    assert diffs["csat[review]"].difference == pytest.approx(1 / 3 - 1 / 2)


codes = st.integers(0, 5)
rows = st.lists(
    st.tuples(
        st.integers(0, 400 * 24),
        st.sampled_from(["app", "web", "phone"]),
        st.sampled_from(["n", "s"]),
        st.dictionaries(st.sampled_from(list(FeedbackStage)), st.integers(1, 5)),
        st.none() | st.integers(1, 7),
        st.none() | st.integers(0, 10),
        st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3),
        st.sampled_from(["", "meh", "bad"]),
    ),
    min_size=1,
    max_size=60,
)


@given(rows, st.sampled_from([(), "period", ("region", "channel"), ("period", "region")]))
def test_both_engines_give_the_same_report(rows, by):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    records = [
        record(i, start + timedelta(hours=h), ch, rg, ratings, ces, nps, tuple(pr), tx)
        for i, (h, ch, rg, ratings, ces, nps, pr, tx) in enumerate(rows)
    ]
    table = FeedbackTable.from_records(records)
    tz = ZoneInfo("America/New_York")
    pure = feedback_report(table, by, period="week", tz=tz, engine_name="python")
    fast = feedback_report(table, by, period="week", tz=tz, engine_name="numpy")
    # repr: NaN estimates (no ratings) compare unequal to themselves
    assert repr(pure.groups) == repr(fast.groups)
    assert repr(pure.overall) == repr(fast.overall)
    assert pure.trend == fast.trend
    assert pure.comments == fast.comments
    assert pure.overall.count == len(records)
    if by:
        assert sum(g.count for g in pure.groups) == len(records)
