"""Each assignment policy, composition, and the router that applies them under the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reimbursement.domain.routing import (
    Absence,
    AssignmentRequest,
    Candidates,
    Choice,
    ConflictRegister,
    FirstOf,
    InTeam,
    LeastLoaded,
    Pipeline,
    PolicyRouter,
    RankBy,
    Reviewer,
    ReviewerPool,
    RoundRobin,
    SkillsMatch,
    Where,
)
from reimbursement.errors import (
    AuthorizationError,
    FourEyesError,
    NoEligibleReviewerError,
    ValidationError,
)

from .strategies import DAY, eur, request


def team_pool() -> ReviewerPool:
    return ReviewerPool(
        [
            Reviewer("ana", teams="claims", categories="medical", languages="fr", regions="north"),
            Reviewer("ben", teams="claims", categories="medical", languages="en", regions="north"),
            Reviewer("cy", teams="claims", categories="travel", languages="en", regions="south"),
            Reviewer("dee", teams="finance", categories="travel", languages="fr", regions="south"),
        ]
    )


def test_least_loaded_picks_fewest_open_claims_and_breaks_ties_by_pool_order() -> None:
    pool = team_pool()
    router = PolicyRouter(pool)
    pool.open("ana", 2)
    pool.open("ben", 1)
    first = router.assign(request("C1"), LeastLoaded())
    assert (first.reviewer, first.policy) == ("cy", "least_loaded")
    assert first.reason == "fewest open claims (0)"
    assert router.assign(request("C2"), LeastLoaded()).reviewer == "dee"
    assert router.assign(request("C3"), LeastLoaded()).reviewer == "ben"
    assert pool.loads() == {"ana": 2, "ben": 2, "cy": 1, "dee": 1}


def test_least_loaded_skips_the_away_and_the_full() -> None:
    pool = ReviewerPool(
        [
            Reviewer("ana", absences=[Absence(DAY, DAY + timedelta(days=5))]),
            Reviewer("ben", capacity=1),
            Reviewer("cy"),
        ],
        open_claims={"ben": 1, "cy": 7},
    )
    assert PolicyRouter(pool).assign(request(), LeastLoaded()).reviewer == "cy"
    tomorrow = request(day=DAY + timedelta(days=6))
    assert PolicyRouter(pool).assign(tomorrow, LeastLoaded()).reviewer == "ana"


def test_round_robin_takes_turns_per_team_and_its_cursor_survives_a_restart() -> None:
    pool = team_pool()
    policy = RoundRobin()
    router = PolicyRouter(pool)
    picks = [router.assign(request(f"C{i}", team="claims"), policy).reviewer for i in range(4)]
    assert picks == ["ana", "ben", "cy", "ana"]
    assert router.assign(request("F1", team="finance"), policy).reviewer == "dee"
    saved = policy.cursor()
    assert saved == {"claims": "ana", "finance": "dee"}
    restarted = RoundRobin(saved)
    assert router.assign(request("C9", team="claims"), restarted).reviewer == "ben"
    assert (
        router.assign(request("C10", team="claims"), restarted).reason
        == "next in turn in team claims"
    )


def test_round_robin_continues_after_a_reviewer_who_left() -> None:
    pool = team_pool()
    policy = RoundRobin({"claims": "ben"})
    pool.remove("ben")
    assert PolicyRouter(pool).assign(request(team="claims"), policy).reviewer == "cy"


def test_round_robin_without_teams_goes_round_the_whole_pool() -> None:
    pool = team_pool()
    policy = RoundRobin(per_team=False)
    router = PolicyRouter(pool)
    picks = [router.assign(request(f"C{i}"), policy).reviewer for i in range(5)]
    assert picks == ["ana", "ben", "cy", "dee", "ana"]
    assert policy.cursor() == {"*": "ana"}
    in_team = router.assign(request("C9", team="claims"), policy)
    assert in_team.reviewer == "ben"  # the request's team still limits the candidates


def test_skills_match_keeps_those_with_category_language_and_region() -> None:
    router = PolicyRouter(team_pool())
    policy = Pipeline(SkillsMatch(), pick=LeastLoaded())
    wanted = request(category="medical", language="en", region="north")
    assignment = router.assign(wanted, policy)
    assert (assignment.reviewer, assignment.policy) == ("ben", "skills_match>least_loaded")
    assert assignment.reason == (
        "matches category medical, language en, region north; fewest open claims (0)"
    )


def test_skills_match_falls_back_region_first_and_says_so() -> None:
    router = PolicyRouter(team_pool())
    policy = Pipeline(SkillsMatch(), pick=LeastLoaded())
    wanted = request(category="medical", language="fr", region="south")
    assignment = router.assign(wanted, policy)
    assert assignment.reviewer == "ana"
    assert assignment.reason.startswith(
        "nobody free covers region south; matched on category medical, language fr"
    )
    nobody = request(category="legal", language="de", region="east")
    assert router.assign(nobody, policy).reason.startswith(
        "nobody free covers region east and language de and category legal; matched on no skill"
    )


def test_strict_skills_match_never_falls_back() -> None:
    router = PolicyRouter(team_pool())
    policy = Pipeline(SkillsMatch(relax=()), pick=LeastLoaded())
    with pytest.raises(NoEligibleReviewerError, match="skills_match>least_loaded found nobody"):
        router.assign(request(category="legal"), policy)


def test_skills_fall_back_when_the_skilled_are_full() -> None:
    pool = team_pool()
    pool.replace(Reviewer("ben", categories="medical", languages="en", capacity=0))
    policy = Pipeline(SkillsMatch(relax=("language",)), pick=LeastLoaded())
    chosen = PolicyRouter(pool).assign(request(category="medical", language="en"), policy)
    assert chosen.reviewer == "ana"


def test_compose_team_filter_custom_filter_and_round_robin() -> None:
    router = PolicyRouter(team_pool())
    policy = Pipeline(
        InTeam(),
        Where("speaks_english", lambda r: "en" in r.languages, why="speaks English"),
        pick=RoundRobin(),
    )
    assert policy.name == "in_team>speaks_english>round_robin"
    picks = [router.assign(request(f"C{i}", team="claims"), policy) for i in range(3)]
    assert [a.reviewer for a in picks] == ["ben", "cy", "ben"]
    assert picks[0].reason == "team claims; speaks English; next in turn in team claims"


def test_narrowing_a_custom_group_by_skill_and_by_a_conflicting_team() -> None:
    router = PolicyRouter(team_pool())
    everyone = router.candidates(request())
    english = everyone.where(lambda r: "en" in r.languages)
    assert english.narrowed(category="medical").ids() == ("ben",)
    claims = everyone.narrowed(team="claims")
    assert claims.narrowed(team="finance").ids() == ()
    assert claims.narrowed(team="claims", region="south").ids() == ("cy",)
    assert english.describe() == "a group of 2"
    assert claims.describe() == "team claims"


def test_rank_by_orders_by_a_custom_key() -> None:
    pool = team_pool()
    pool.open("ana", 3)
    by_load_then_name = RankBy("most_experienced", lambda r, load: -load, why="most experienced")
    assignment = PolicyRouter(pool).assign(request(), by_load_then_name)
    assert (assignment.reviewer, assignment.reason) == ("ana", "most experienced")


def test_first_of_falls_back_and_names_the_policy_that_chose() -> None:
    router = PolicyRouter(team_pool())
    policy = FirstOf(
        Pipeline(SkillsMatch(relax=()), pick=LeastLoaded(), name="specialist"), LeastLoaded()
    )
    assert policy.name == "first_of(specialist,least_loaded)"
    assert router.assign(request(category="medical"), policy).policy == "specialist"
    assert router.assign(request(category="legal"), policy).policy == "least_loaded"


def test_nobody_eligible_raises_with_a_useful_message() -> None:
    router = PolicyRouter(ReviewerPool([Reviewer("ana", authority_limit=eur(100))]))
    with pytest.raises(NoEligibleReviewerError, match="least_loaded found nobody for claim C1"):
        router.assign(request(amount="500"), LeastLoaded())


class Stubborn:
    """A badly written policy that always returns the same person."""

    name = "stubborn"

    def __init__(self, reviewer: str) -> None:
        self.reviewer = reviewer

    def choose(self, request: AssignmentRequest, candidates: Candidates) -> Choice | None:
        return Choice(self.reviewer, "always them")


def test_a_policy_cannot_break_four_eyes_or_authority_limits() -> None:
    pool = ReviewerPool([Reviewer("ana", authority_limit=eur(100)), Reviewer("ben")])
    router = PolicyRouter(pool, ConflictRegister([("ben", "cust-9")]))
    with pytest.raises(FourEyesError, match="ana submitted claim C1"):
        router.assign(request(customer="ana", amount=None), Stubborn("ana"))
    with pytest.raises(FourEyesError, match="conflict of interest with customer cust-9"):
        router.assign(request(customer="cust-9"), Stubborn("ben"))
    with pytest.raises(AuthorizationError, match=r"may approve up to 100\.00 EUR"):
        router.assign(request(amount="500"), Stubborn("ana"))
    assert pool.loads() == {"ana": 0, "ben": 0}


def test_candidates_only_offer_the_eligible() -> None:
    pool = ReviewerPool([Reviewer("ana"), Reviewer("ben")])
    candidates = PolicyRouter(pool, ConflictRegister([("ben", "cust-1")])).candidates(request())
    assert candidates.ids() == ("ana",)
    assert candidates.eligible("ana")
    assert not candidates.eligible("ben")
    assert not candidates.eligible("zoe")
    assert len(candidates) == 2


def test_the_request_s_team_limits_every_policy() -> None:
    router = PolicyRouter(team_pool())
    assert router.assign(request(team="finance"), LeastLoaded()).reviewer == "dee"
    with pytest.raises(NoEligibleReviewerError):
        router.assign(request(team="legal"), Pipeline(SkillsMatch(), pick=LeastLoaded()))


def test_round_robin_resumes_after_a_cursor_outside_the_team() -> None:
    pool = ReviewerPool(
        [Reviewer("ana", teams="a"), Reviewer("ben", teams="b"), Reviewer("cy", teams="a")]
    )
    assert PolicyRouter(pool).assign(request(team="a"), RoundRobin({"a": "ben"})).reviewer == "cy"
    pool.remove("ben")  # a leaver keeps their place in pool order for cursors
    assert PolicyRouter(pool).assign(request(team="a"), RoundRobin({"a": "ben"})).reviewer == "cy"
    assert PolicyRouter(pool).assign(request(team="a"), RoundRobin({"a": "zed"})).reviewer == "ana"
    empty = PolicyRouter(pool).candidates(request(team="nobody"))
    assert empty.first() is None
    assert empty.least_loaded() is None


def test_skills_match_without_skills_asked_keeps_everyone() -> None:
    policy = Pipeline(SkillsMatch(), pick=LeastLoaded())
    assignment = PolicyRouter(team_pool()).assign(request(), policy)
    assert (assignment.reviewer, assignment.reason) == (
        "ana",
        "no skill asked for; fewest open claims (0)",
    )


def test_skills_match_refuses_an_unknown_skill_to_relax() -> None:
    with pytest.raises(ValidationError, match="'team' is not a skill"):
        SkillsMatch(relax=("region", "team"))
