"""The reviewer pool: reviewers, absences, loads and segments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain.routing import Absence, Reviewer, ReviewerPool, SegmentKey
from reimbursement.errors import DuplicateError, NotFoundError, ValidationError

from .strategies import DAY, eur


def test_reviewer_skills_accept_a_single_string_as_one_name() -> None:
    reviewer = Reviewer("ana", teams="medical", categories=["medical", "dental"])
    assert reviewer.teams == frozenset({"medical"})
    assert reviewer.categories == frozenset({"medical", "dental"})


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"id": " "}, "reviewer.id"),
        ({"id": "ana", "capacity": -1}, "reviewer.capacity"),
        (
            {"id": "ana", "absences": [Absence(DAY, DAY, delegate="ana")]},
            "reviewer.absences[0].delegate",
        ),
    ],
)
def test_bad_reviewers_are_refused_with_the_field(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Reviewer(**kwargs)  # type: ignore[arg-type]
    assert caught.value.problems[0].path == path


def test_an_absence_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="before the start"):
        Absence(DAY, DAY - timedelta(days=1))


def test_away_on_covers_both_ends_of_the_absence() -> None:
    leave = Absence(DAY, DAY + timedelta(days=2), delegate="ben")
    ana = Reviewer("ana", absences=[leave])
    assert ana.away_on(DAY - timedelta(days=1)) is None
    assert ana.away_on(DAY) == leave
    assert ana.away_on(DAY + timedelta(days=2)) == leave
    assert ana.away_on(DAY + timedelta(days=3)) is None


def test_authority_limit_none_means_no_limit() -> None:
    assert Reviewer("boss").may_approve(eur(10**9))
    capped = Reviewer("ana", authority_limit=eur(1000))
    assert capped.may_approve(eur(1000))
    assert not capped.may_approve(eur("1000.01"))
    assert capped.may_approve(None)


def test_pool_counts_open_claims_and_refuses_going_below_zero() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben")], open_claims={"ben": 2})
    pool.open("ana")
    pool.open("ana", 2)
    pool.close("ben")
    assert pool.loads() == {"ana": 3, "ben": 1}
    with pytest.raises(ValidationError, match="holds 1 open claims"):
        pool.close("ben", 2)
    assert pool.load("ben") == 1


def test_pool_refuses_duplicates_and_unknown_reviewers() -> None:
    with pytest.raises(DuplicateError):
        ReviewerPool([Reviewer("ana"), Reviewer("ana")])
    pool = ReviewerPool([Reviewer("ana")])
    with pytest.raises(NotFoundError, match="no reviewer 'zoe'"):
        pool.open("zoe")
    with pytest.raises(NotFoundError):
        ReviewerPool([Reviewer("ana")], open_claims={"zoe": 1})
    with pytest.raises(ValidationError):
        ReviewerPool([Reviewer("ana")], open_claims={"ana": -1})


def _everyone(pool: ReviewerPool) -> str | None:
    return pool.segment(SegmentKey()).least_loaded(lambda rid: True)


def test_segments_follow_loads_up_and_down() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben"), Reviewer("cy")])
    assert _everyone(pool) == "ana"
    pool.open("ana")
    assert _everyone(pool) == "ben"
    pool.open("ben")
    pool.open("cy")
    pool.open("cy")
    assert _everyone(pool) == "ana"
    pool.open("ana")
    pool.close("cy", 2)
    assert _everyone(pool) == "cy"


def test_segments_see_reviewers_added_changed_and_removed() -> None:
    pool = ReviewerPool([Reviewer("ana", categories="medical")])
    medical = SegmentKey(category="medical")
    assert pool.segment(medical).members == ("ana",)
    pool.add(Reviewer("ben", categories="medical"))
    assert pool.segment(medical).members == ("ana", "ben")
    pool.replace(Reviewer("ana", categories="dental"))
    assert pool.segment(medical).members == ("ben",)
    assert pool.remove("ben").id == "ben"
    assert pool.segment(medical).members == ()
    assert "ben" not in pool
    assert [r.id for r in pool] == ["ana"]


def test_segment_key_describes_itself() -> None:
    assert SegmentKey().describe() == "everyone"
    assert SegmentKey(team="a", region="north").describe() == "team a, region north"


def test_heap_stays_small_under_many_load_changes() -> None:
    pool = ReviewerPool([Reviewer(f"r{i}") for i in range(3)])
    segment = pool.segment(SegmentKey())
    for _ in range(200):
        pool.open("r1")
        pool.close("r1")
    assert len(segment._heap) <= 4 * len(segment) + 16
    assert _everyone(pool) == "r0"


_IDS = [f"r{i}" for i in range(6)]
_STEP = st.one_of(
    st.tuples(st.just("open"), st.sampled_from(_IDS)),
    st.tuples(st.just("close"), st.sampled_from(_IDS)),
    st.tuples(st.just("sync"), st.dictionaries(st.sampled_from(_IDS), st.integers(1, 5))),
)


@given(st.lists(_STEP, max_size=30))
def test_after_a_sync_every_load_is_what_the_store_said_and_least_loaded_agrees(
    steps: list[tuple[str, object]],
) -> None:
    """Whatever changed here or in the store before, a sync leaves exactly the stored counts."""
    pool = ReviewerPool([Reviewer(rid) for rid in _IDS])
    everyone = pool.segment(SegmentKey())
    for kind, argument in steps:
        assert isinstance(argument, (str, dict))
        if kind == "open":
            pool.open(str(argument))
        elif kind == "close" and pool.load(str(argument)) > 0:
            pool.close(str(argument))
        elif isinstance(argument, dict):
            pool.sync(argument)
            assert {rid: pool.load(rid) for rid in _IDS} == {
                rid: argument.get(rid, 0) for rid in _IDS
            }
            fewest = min(argument.get(rid, 0) for rid in _IDS)
            chosen = everyone.least_loaded(lambda rid: True)
            assert chosen is not None
            assert argument.get(chosen, 0) == fewest
