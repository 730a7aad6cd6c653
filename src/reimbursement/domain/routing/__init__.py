"""Review routing: who reviews a claim, in what order, and who takes over.

Pure domain, no I/O. The pieces:

- :mod:`.pool`: reviewers (teams, skills, authority, capacity, absences)
  and the pool that counts their open claims;
- :mod:`.policies`: assignment policies behind one protocol, and how to
  compose them (filter → rank → pick);
- :mod:`.constraints`: four-eyes, conflicts of interest, authority;
- :mod:`.router`: applies a policy under those rules;
- :mod:`.plans`: approval plans with multi-level chains and parallel steps;
- :mod:`.delegation` and :mod:`.escalation`: out-of-office chains,
  hand-over of open work, escalation on an SLA warning or breach;
- :mod:`.recording`: the events that record all of it on the claim.

See ``docs/routing.md``.
"""

from .constraints import (
    NO_CONFLICTS,
    AssignmentRequest,
    ConflictOfInterest,
    ConflictRegister,
    NoConflicts,
    check_may_review,
    check_payment_approver,
    review_refusal,
)
from .delegation import Delegation, Reassignment, check_delegations, delegate_for, hand_over
from .escalation import Escalation, escalate, escalation_target
from .holdings import holders
from .plans import (
    ApprovalRules,
    AuthorityChain,
    CategoryReview,
    ParallelReviews,
    PlanOutcome,
    PlanRule,
    ReviewPlan,
    ReviewStep,
    StepOutcome,
)
from .policies import (
    AssignmentPolicy,
    CandidateFilter,
    Candidates,
    Choice,
    FirstOf,
    InTeam,
    LeastLoaded,
    Pipeline,
    RankBy,
    RoundRobin,
    SkillsMatch,
    Where,
)
from .pool import Absence, Reviewer, ReviewerPool, Segment, SegmentKey
from .recording import (
    escalate_claim,
    record_assignment,
    record_escalation,
    record_reassignment,
    record_step_decision,
    replay_plan,
)
from .rounds import (
    ROUND_STARTS,
    combined_lines,
    current_plan,
    deciders,
    encode_lines,
    previous_holders,
    round_events,
)
from .router import Assignment, PolicyRouter, request_for

__all__ = [
    "NO_CONFLICTS",
    "ROUND_STARTS",
    "Absence",
    "ApprovalRules",
    "Assignment",
    "AssignmentPolicy",
    "AssignmentRequest",
    "AuthorityChain",
    "CandidateFilter",
    "Candidates",
    "CategoryReview",
    "Choice",
    "ConflictOfInterest",
    "ConflictRegister",
    "Delegation",
    "Escalation",
    "FirstOf",
    "InTeam",
    "LeastLoaded",
    "NoConflicts",
    "ParallelReviews",
    "Pipeline",
    "PlanOutcome",
    "PlanRule",
    "PolicyRouter",
    "RankBy",
    "Reassignment",
    "ReviewPlan",
    "ReviewStep",
    "Reviewer",
    "ReviewerPool",
    "RoundRobin",
    "Segment",
    "SegmentKey",
    "SkillsMatch",
    "StepOutcome",
    "Where",
    "check_delegations",
    "check_may_review",
    "check_payment_approver",
    "combined_lines",
    "current_plan",
    "deciders",
    "delegate_for",
    "encode_lines",
    "escalate",
    "escalate_claim",
    "escalation_target",
    "hand_over",
    "holders",
    "previous_holders",
    "record_assignment",
    "record_escalation",
    "record_reassignment",
    "record_step_decision",
    "replay_plan",
    "request_for",
    "review_refusal",
    "round_events",
]
