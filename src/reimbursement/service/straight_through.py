"""Straight-through review on the desk: the rules applied at submission, inside its unit of work.

The desk calls :meth:`StraightThroughReview.screen` on every first
submission, before routing. The decision is recorded as one internal
``STRAIGHT_THROUGH_DECIDED`` event naming the rule and the rules' version
(and whether the claim was drawn for audit). An automatic approval is made
by :data:`AUTO_APPROVER`, an actor of its own: its payment is requested but
never approved automatically, so a person in finance approves every payment
of a claim no person reviewed (four-eyes: the approver does not also pay).
A resubmitted claim always goes to a reviewer: one of them returned it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from ..domain import commands as cmd
from ..domain._replace import replace
from ..domain.actors import SYSTEM, Actor, Role
from ..domain.claim import Claim
from ..domain.events import EventType, Visibility
from ..domain.lifecycle import ClaimState
from ..domain.straight_through import (
    AuditSampler,
    CustomerHistory,
    Flag,
    RandomSampler,
    StraightThroughDecision,
    StraightThroughRules,
    decide,
)
from ..errors import ValidationError
from ..ports import ClaimRepository

__all__ = [
    "AUTO_APPROVER",
    "HISTORY_LIMIT",
    "NO_FLAGS",
    "ClaimFlags",
    "HistorySource",
    "StoredHistory",
    "StraightThroughReview",
    "sampled_for_audit",
    "straight_through_decision",
]

AUTO_APPROVER = Actor("straight-through", Role.SYSTEM, "straight-through review")
"""Who approves a claim automatically: never a person, never the payment's approver."""

HISTORY_LIMIT = 1_000
"""How many of a customer's earlier claims :class:`StoredHistory` reads at most (oldest first)."""


class ClaimFlags(Protocol):
    """Raises flags on a submitted claim (possible duplicates, for example).

    Called inside the submission's unit of work with its repository, so a
    look-up sees the same stored claims as the submission. Return no flag
    for a clean claim; any flag sends the claim to manual review.
    """

    def flags(self, claim: Claim, claims: ClaimRepository) -> Sequence[Flag]:
        """The flags on ``claim`` (empty when there is nothing to warn about)."""
        ...


class _NoFlags:
    def flags(self, claim: Claim, claims: ClaimRepository) -> Sequence[Flag]:
        return ()


NO_FLAGS: ClaimFlags = _NoFlags()
"""The default: no claim is flagged."""


class HistorySource(Protocol):
    """What a customer's earlier claims say, read inside the submission's unit of work."""

    def history(self, claim: Claim, claims: ClaimRepository) -> CustomerHistory:
        """The history of ``claim``'s customer, not counting ``claim`` itself."""
        ...


class StoredHistory:
    """:class:`HistorySource` from the stored claims: paid and rejected claims counted.

    Reads at most ``limit`` earlier claims (default :data:`HISTORY_LIMIT`),
    oldest first, a page at a time.
    """

    def __init__(self, limit: int = HISTORY_LIMIT) -> None:
        self.limit = limit

    def history(self, claim: Claim, claims: ClaimRepository) -> CustomerHistory:
        """See :class:`HistorySource`."""
        paid = rejected = read = 0
        after = None
        while read < self.limit:
            page = claims.for_customer(claim.customer_id, after=after, limit=100)
            for earlier in page.items:
                if earlier.id == claim.id:
                    continue
                read += 1
                paid += earlier.state is ClaimState.PAID
                rejected += earlier.state is ClaimState.REJECTED
            if page.next_cursor is None or not page.items:
                break
            after = page.next_cursor
        return CustomerHistory(paid, rejected)


class StraightThroughReview:
    """The desk's straight-through review: ``rules``, the audit ``sampler``, flags, history.

    ``sampler`` defaults to a :class:`~reimbursement.domain.straight_through.RandomSampler`
    seeded from the operating system (give one with a seed to replay draws);
    ``flags`` to :data:`NO_FLAGS`; ``history`` to :class:`StoredHistory`.
    """

    def __init__(
        self,
        rules: StraightThroughRules,
        *,
        sampler: AuditSampler | None = None,
        flags: ClaimFlags = NO_FLAGS,
        history: HistorySource | None = None,
    ) -> None:
        if type(rules) is not StraightThroughRules:
            raise ValidationError.at("straight_through.rules", "must be StraightThroughRules")
        self.rules = rules
        self.sampler = sampler if sampler is not None else RandomSampler()
        self.flags = flags
        self.history = history if history is not None else StoredHistory()

    def screen(
        self, claim: Claim, now: datetime, claims: ClaimRepository, *, request_payment: bool
    ) -> Claim:
        """The just submitted ``claim`` with the rules' decision recorded.

        Approved automatically (its payment requested when ``request_payment``),
        or still submitted, for the desk to route to a reviewer.
        """
        history = self.history.history(claim, claims)
        # the desk's own duplicate and content-check flags always count, beside the host's
        duplicates = tuple(
            Flag(f"duplicate_{flag.kind}", f"like claim {flag.other_claim_id}")
            for flag in claim.duplicate_flags
        )
        contents = tuple(
            Flag(f"document_{code}", attachment.file_name)
            for attachment in claim.attachments
            for code in attachment.flags
        )
        flags = (*duplicates, *contents, *self.flags.flags(claim, claims))
        decision = decide(self.rules, claim, history, flags)
        if decision.automatic:
            sampled = self.sampler.draw(claim.id, self.rules.audit_share)
            decision = StraightThroughDecision(
                True, decision.version, decision.rule, decision.reasons, sampled
            )
        claim = _recorded(claim, now, decision)
        if not decision.automatic:
            return claim
        why = f"rule {decision.rule} of the straight-through rules {decision.version}"
        claim = cmd.assign(claim, AUTO_APPROVER, now, AUTO_APPROVER.id, "straight-through", why)
        claim = cmd.approve(claim, AUTO_APPROVER, now)
        # requested, never approved here: a person in finance approves it (four-eyes)
        return cmd.request_payment(claim, SYSTEM, now) if request_payment else claim


def _recorded(claim: Claim, now: datetime, decision: StraightThroughDecision) -> Claim:
    data = {
        "outcome": "approved" if decision.automatic else "manual_review",
        "rules_version": decision.version,
        "sampled": "yes" if decision.sampled else "no",
    }
    if decision.rule is not None:
        data["rule"] = decision.rule
    events = claim.with_next_event(
        EventType.STRAIGHT_THROUGH_DECIDED,
        AUTO_APPROVER,
        now,
        reason="; ".join(decision.reasons)[:1000],
        data=data,
        visibility=Visibility.INTERNAL,
    )
    return replace(claim, events=events)


def straight_through_decision(claim: Claim) -> StraightThroughDecision | None:
    """The latest straight-through decision recorded on ``claim`` (``None``: none was made).

    What an auditor reads: the rule, the rules' version, the reasons, and
    whether the claim was drawn for audit review.
    """
    found = [e for e in claim.events if e.type is EventType.STRAIGHT_THROUGH_DECIDED]
    if not found:
        return None
    event = found[-1]
    data = event.data
    return StraightThroughDecision(
        data.get("outcome") == "approved",
        data.get("rules_version", ""),
        data.get("rule"),
        tuple((event.reason or "").split("; ")) if event.reason else (),
        data.get("sampled") == "yes",
    )


def sampled_for_audit(claims: Iterable[Claim]) -> list[Claim]:
    """The claims of ``claims`` approved straight through and drawn for audit review.

    For example over the pages of ``desk.claims_in(staff, [ClaimState.PAID, …])``.
    """
    found = []
    for claim in claims:
        decision = straight_through_decision(claim)
        if decision is not None and decision.automatic and decision.sampled:
            found.append(claim)
    return found
