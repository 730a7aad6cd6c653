"""The claim store's audit queue: sampled automatic approvals awaiting their audit review.

:class:`AuditQueue` is part of every :class:`~reimbursement.ports.ClaimRepository`.
The store indexes what :func:`reimbursement.domain.audit_review.awaiting_audit`
says of each claim, in the same transaction as the claim, so that a page of
the queue is one index range whatever the number of stored claims.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ._claims import ClaimSummary, Page

__all__ = ["AuditQueue"]


class AuditQueue(Protocol):
    """The audit queue as one unit of work sees it: committed claims and its own writes."""

    def audit_queue(self, *, after: str | None = None, limit: int = 50) -> Page[ClaimSummary]:
        """The claims drawn for audit review and not audited yet, of any state.

        Oldest drawn first (by when the straight-through decision was made),
        then in the order the claims were added; keyset-paginated like the
        work queues (``limit`` from 1 to 1,000, a cursor not of this list
        raises :class:`~reimbursement.errors.ValidationError` at ``after``).
        A summary's ``due_at`` is the claim's own schedule, as in a work queue.
        """
        ...
