"""The feedback rules: who, when, once, what values, and the edit window."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reimbursement.domain.actors import Actor
from reimbursement.domain.events import EventType
from reimbursement.domain.feedback import Feedback, FeedbackStage
from reimbursement.domain.feedback_rules import (
    DEFAULT_PROBLEMS,
    FeedbackPolicy,
    ProblemCatalogue,
    edit_feedback,
    feedback_problems,
    give_feedback,
)
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.errors import AuthorizationError, DuplicateError, ValidationError
from reimbursement.testing import AT, after, approved, in_review, rejected

POLICY = FeedbackPolicy()
CATALOGUE = ProblemCatalogue.default()
CUSTOMER = Actor.customer("cust-1")


def good(**changes: object) -> Feedback:
    values: dict[str, object] = {
        "given_at": AT,
        "ratings": {FeedbackStage.REVIEW: 4, FeedbackStage.PAYMENT: 5},
        "ces": 2,
        "nps": 9,
        "problems": ("payment_late",),
        "text": "  Fine overall.  ",
        "channel": "app",
    }
    values.update(changes)
    return Feedback(**values)  # type: ignore[arg-type]


DECIDED = approved(in_review("C1"), at=after(hours=5))


def test_the_customer_gives_feedback_after_a_decision():
    claim = DECIDED
    new = give_feedback(claim, CUSTOMER, after(hours=30), good(), POLICY, CATALOGUE)
    assert new.feedback is not None
    assert new.feedback.given_at == after(hours=30)
    assert new.feedback.text == "Fine overall."
    assert new.feedback.edited_at is None
    event = new.events[-1]
    assert event.type is EventType.FEEDBACK_GIVEN
    assert event.from_state is event.to_state is claim.state
    assert event.seq == len(claim.events) + 1
    assert event.actor == "cust-1"
    assert dict(event.data) == {
        "csat_review": "4",
        "csat_payment": "5",
        "ces": "2",
        "nps": "9",
        "problems": "payment_late",
        "channel": "app",
        "has_text": "yes",
    }
    assert new.state is claim.state


def test_feedback_is_allowed_on_a_rejected_claim():
    claim = rejected(in_review("C2"), at=after(hours=2))
    assert (
        give_feedback(claim, CUSTOMER, after(hours=3), good(), POLICY, CATALOGUE).feedback
        is not None
    )


@pytest.mark.parametrize(
    "actor",
    [Actor.customer("cust-2"), Actor.reviewer("rev-1"), Actor("cust-1", Actor.finance("x").role)],
)
def test_only_the_claims_customer_may_give_it(actor):
    with pytest.raises(AuthorizationError, match="only the claim's customer"):
        give_feedback(DECIDED, actor, after(hours=30), good(), POLICY, CATALOGUE)


def test_feedback_is_given_once_then_edited():
    claim = give_feedback(DECIDED, CUSTOMER, after(hours=30), good(), POLICY, CATALOGUE)
    with pytest.raises(DuplicateError, match="edit it instead"):
        give_feedback(claim, CUSTOMER, after(hours=31), good(), POLICY, CATALOGUE)


def test_feedback_before_a_decision_is_refused_naming_the_state():
    claim = in_review("C3", at=after(hours=1))
    with pytest.raises(ValidationError, match="in_review") as caught:
        give_feedback(claim, CUSTOMER, after(hours=2), good(), POLICY, CATALOGUE)
    assert [p.path for p in caught.value.problems] == ["state"]


def test_every_bad_value_is_listed():
    bad = good(
        ratings={FeedbackStage.REVIEW: 0, FeedbackStage.PAYMENT: 6, "speed": 3},
        ces=8,
        nps=-1,
        problems=("payment_late", "nope", "payment_late"),
        channel=" ",
        text="x" * 4001,
    )
    with pytest.raises(ValidationError) as caught:
        give_feedback(DECIDED, CUSTOMER, after(hours=30), bad, POLICY, CATALOGUE)
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        "ratings[review]",
        "ratings[payment]",
        "ratings['speed']",
        "ces",
        "nps",
        "problems[1]",
        "problems[2]",
        "text",
        "channel",
    ]


def test_empty_feedback_and_booleans_are_refused():
    empty = Feedback(AT, channel="web")
    assert [p.message for p in feedback_problems(empty, CATALOGUE, POLICY)] == [
        "the feedback is empty: give a rating, a score, a problem or text"
    ]
    assert [p.path for p in feedback_problems(good(nps=True), CATALOGUE, POLICY)] == ["nps"]


def test_a_refused_call_changes_nothing():
    claim = DECIDED
    with pytest.raises(ValidationError):
        give_feedback(claim, CUSTOMER, after(hours=30), good(ces=9), POLICY, CATALOGUE)
    assert claim.feedback is None
    assert claim.events[-1].type is EventType.APPROVED


def test_naive_time_is_refused():
    with pytest.raises(ValidationError, match="time zone"):
        give_feedback(DECIDED, CUSTOMER, datetime(2026, 3, 3), good(), POLICY, CATALOGUE)


def test_edit_within_the_window_keeps_the_first_given_at():
    policy = FeedbackPolicy(edit_window=timedelta(days=2))
    claim = give_feedback(DECIDED, CUSTOMER, after(hours=30), good(), policy, CATALOGUE)
    edited = edit_feedback(claim, CUSTOMER, after(hours=30 + 48), good(nps=3), policy, CATALOGUE)
    assert edited.feedback is not None
    assert (edited.feedback.nps, edited.feedback.given_at) == (3, after(hours=30))
    assert edited.feedback.edited_at == after(hours=78)
    assert edited.events[-1].type is EventType.FEEDBACK_EDITED


def test_edit_after_the_window_is_refused():
    policy = FeedbackPolicy(edit_window=timedelta(days=2))
    claim = give_feedback(DECIDED, CUSTOMER, after(hours=30), good(), policy, CATALOGUE)
    with pytest.raises(ValidationError, match="can be edited until"):
        edit_feedback(claim, CUSTOMER, after(hours=30 + 49), good(nps=3), policy, CATALOGUE)


def test_edit_needs_feedback_and_the_customer():
    with pytest.raises(ValidationError, match="no feedback to edit"):
        edit_feedback(DECIDED, CUSTOMER, after(hours=30), good(), POLICY, CATALOGUE)
    claim = give_feedback(DECIDED, CUSTOMER, after(hours=30), good(), POLICY, CATALOGUE)
    with pytest.raises(AuthorizationError):
        edit_feedback(claim, Actor.customer("cust-2"), after(hours=31), good(), POLICY, CATALOGUE)


def test_policy_states_and_channels_are_configurable():
    paid_only = FeedbackPolicy(
        allowed_states=frozenset({ClaimState.PAID}), channels=frozenset({"app"})
    )
    with pytest.raises(ValidationError) as caught:
        give_feedback(
            DECIDED, CUSTOMER, after(hours=30), good(channel="fax"), paid_only, CATALOGUE
        )
    assert [p.path for p in caught.value.problems] == ["state", "channel"]
    with pytest.raises(ValidationError):
        FeedbackPolicy(edit_window=timedelta(hours=-1))


def test_catalogue_is_configurable_and_checked():
    mine = ProblemCatalogue({"too_slow": "Too slow"})
    assert "too_slow" in mine
    assert "payment_late" not in mine
    assert mine.label("gone") == "gone"
    assert len(ProblemCatalogue.default()) == len(DEFAULT_PROBLEMS)
    with pytest.raises(ValidationError) as caught:
        ProblemCatalogue({"Bad Code": "x", "ok": " "})
    assert len(caught.value.problems) == 2
    with pytest.raises(ValidationError):
        ProblemCatalogue({})


scores = st.fixed_dictionaries(
    {},
    optional={stage: st.integers(1, 5) for stage in FeedbackStage},
)


@given(
    ratings=scores,
    ces=st.none() | st.integers(1, 7),
    nps=st.none() | st.integers(0, 10),
    problems=st.lists(st.sampled_from(sorted(DEFAULT_PROBLEMS)), unique=True, max_size=3),
    text=st.text(max_size=50),
)
def test_any_in_range_feedback_is_accepted_and_kept(ratings, ces, nps, problems, text):
    feedback = Feedback(AT, ratings, ces, nps, tuple(problems), text, "web")
    assume(ratings or ces is not None or nps is not None or problems or text.strip())
    new = give_feedback(DECIDED, CUSTOMER, after(hours=30), feedback, POLICY, CATALOGUE)
    assert new.feedback is not None
    assert dict(new.feedback.ratings) == ratings
    assert (new.feedback.ces, new.feedback.nps, new.feedback.problems) == (
        ces,
        nps,
        tuple(problems),
    )


@given(
    field=st.sampled_from(["ces", "nps", "rating"]),
    value=st.integers(-50, 50),
)
def test_any_out_of_range_score_is_refused(field, value):
    scales = {"ces": range(1, 8), "nps": range(0, 11), "rating": range(1, 6)}
    assume(value not in scales[field])
    feedback = (
        good(ratings={FeedbackStage.REVIEW: value})
        if field == "rating"
        else good(**{field: value})
    )
    with pytest.raises(ValidationError) as caught:
        give_feedback(DECIDED, CUSTOMER, after(hours=30), feedback, POLICY, CATALOGUE)
    assert len(caught.value.problems) == 1


def test_the_default_problem_labels_read_in_the_customer_s_language() -> None:
    from reimbursement.domain.feedback_rules import DEFAULT_PROBLEMS_ZH, ProblemCatalogue

    catalogue = ProblemCatalogue.default()
    assert set(DEFAULT_PROBLEMS_ZH) == set(catalogue)  # every default code has its words
    assert catalogue.label("payment_late", "zh-CN") == "付款太晚"
    assert catalogue.label("payment_late", "zh-cn") == "付款太晚"
    assert catalogue.label("payment_late") == "The payment came late"
    assert catalogue.label("payment_late", "de") == "The payment came late"
    own = ProblemCatalogue({"payment_late": "Paid too late"})  # an insurer's own words
    assert own.label("payment_late", "zh-CN") == "Paid too late"  # no translation given
