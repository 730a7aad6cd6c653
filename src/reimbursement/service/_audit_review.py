"""The audit review on the desk: the queue of sampled automatic approvals, and its outcomes."""

from __future__ import annotations

from ..domain.actors import Actor
from ..domain.audit_review import AuditOutcome, record_audit
from ..domain.authorization import authorize_audit_review
from ..domain.claim import Claim
from ..ports import ClaimSummary, Page
from ._arguments import check_actor
from ._core import DeskCore, Step
from .views import others_claims

__all__ = ["AuditReviewCalls"]


class AuditReviewCalls(DeskCore):
    """What audit staff do with the automatic approvals drawn for audit review."""

    def audit_queue(
        self, actor: Actor, *, after: str | None = None, limit: int = 50
    ) -> Page[ClaimSummary]:
        """The claims drawn for audit review and not audited yet, oldest drawn first.

        One page at a time (pass ``next_cursor`` as ``after``), each line a
        :class:`~reimbursement.ports.ClaimSummary`; open a claim with
        :meth:`get`. A claim the actor submitted is left out (a page may then
        hold fewer than ``limit``). For reviewers: raises
        :class:`~reimbursement.errors.AuthorizationError` for anyone else.
        """
        authorize_audit_review(check_actor(actor))
        with self._uow() as uow:
            found = uow.claims.audit_queue(after=after, limit=limit)
        return others_claims(found, actor)

    def record_audit(
        self,
        actor: Actor,
        claim_id: str,
        outcome: AuditOutcome | str,
        *,
        reason: str = "",
        request_id: str | None = None,
    ) -> Claim:
        """Record the audit review of a drawn claim: it leaves :meth:`audit_queue`.

        ``outcome`` is ``confirmed`` or ``finding`` (with ``reason``: what was
        wrong); an internal ``audit_reviewed`` event, never shown to the
        customer, and the claim's state stays as it is. For a reviewer, not
        on their own claim (:class:`~reimbursement.errors.AuthorizationError`,
        :class:`~reimbursement.errors.FourEyesError`). Raises
        :class:`~reimbursement.errors.ValidationError` for a claim awaiting
        no audit review, an unknown outcome, or a finding without a reason.
        """
        limit = self.settings.limits.max_note_length

        def decide(claim: Claim, step: Step) -> Claim:
            authorize_audit_review(actor, claim)
            return record_audit(claim, actor, step.now, outcome, reason, max_reason=limit)

        request = self._request(actor, request_id, self.record_audit, outcome, reason)
        return self._staffs(self._run(actor, claim_id, request, decide))
