"""Straight-through review: the insurer's rules that approve simple claims at submission.

The rules as plain data (:class:`StraightThroughRules`, :class:`AutoApprovalRule`),
the pure decision (:func:`decide`), the audit draw (:class:`RandomSampler`)
and what the desk takes (:class:`StraightThroughReview`, with the
:class:`ClaimFlags` and :class:`HistorySource` ports); the audit review of
the drawn claims (:class:`AuditOutcome`, :func:`awaiting_audit`). See
``docs/straight-through.md``.
"""

from .domain.audit_review import AuditOutcome, awaiting_audit
from .domain.straight_through import (
    AuditSampler,
    AutoApprovalRule,
    CustomerHistory,
    Flag,
    KeyedSampler,
    RandomSampler,
    StraightThroughDecision,
    StraightThroughRules,
    decide,
)
from .service.straight_through import (
    AUTO_APPROVER,
    HISTORY_LIMIT,
    NO_FLAGS,
    ClaimFlags,
    HistorySource,
    StoredHistory,
    StraightThroughReview,
    sampled_for_audit,
    straight_through_decision,
)

__all__ = [
    "AUTO_APPROVER",
    "HISTORY_LIMIT",
    "NO_FLAGS",
    "AuditOutcome",
    "AuditSampler",
    "AutoApprovalRule",
    "ClaimFlags",
    "CustomerHistory",
    "Flag",
    "HistorySource",
    "KeyedSampler",
    "RandomSampler",
    "StoredHistory",
    "StraightThroughDecision",
    "StraightThroughReview",
    "StraightThroughRules",
    "awaiting_audit",
    "decide",
    "sampled_for_audit",
    "straight_through_decision",
]
