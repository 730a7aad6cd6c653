"""The reimbursement desk: the one object an insurer's platform calls.

Every public method is one use case and one unit of work: it loads the
claim, checks who is acting and what the claim's state allows, applies the
pure domain command, saves the new version (optimistic concurrency) with the
notifications to send (transactional outbox), commits, and returns the new
claim or a view of it. A refused call raises a typed error and changes
nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from ..domain.checks import require_aware, require_count
from ..errors import ValidationError
from ._audit_review import AuditReviewCalls
from ._customer import CustomerCalls
from ._documents import DocumentCalls
from ._einvoice import EInvoiceCalls
from ._inbox import InboxCalls
from ._payments import PaymentCalls
from ._privacy import PrivacyCalls
from ._receipts import ReceiptCalls
from ._review_calls import HandOverReport, ReviewCalls
from ._signing import SigningCalls
from .sweeper import SweepReport, sweep

__all__ = ["HandOverReport", "ReimbursementDesk"]


class ReimbursementDesk(
    CustomerCalls,
    DocumentCalls,
    EInvoiceCalls,
    InboxCalls,
    ReviewCalls,
    PaymentCalls,
    SigningCalls,
    PrivacyCalls,
    ReceiptCalls,
    AuditReviewCalls,
):
    """Runs claims from draft to payment on the given adapters.

    ``router`` chooses reviewers and counts their open claims; ``settings``
    says how the insurer runs its process; ``texts`` is the customer-facing
    wording; ``new_id`` makes claim ids (random UUIDs by default; pass a
    counter for reproducible runs). With ``sla``, :meth:`track` shows due
    times and the expected completion and :meth:`sweep` records warnings
    and breaches, calling ``escalation`` on a breach. With
    ``approval_rules``, a submitted claim goes through the plan the rules
    build (parallel department reviews, authority chains): see
    ``docs/routing.md``, "On the desk". ``conflicts`` is the
    conflict-of-interest port for payment approvals and decisions (default:
    the router's, when it is a ``PolicyRouter``). With ``straight_through``,
    simple claims are approved at submission by the insurer's rules (see
    ``docs/straight-through.md``). Raises
    :class:`~reimbursement.errors.ValidationError` for approval rules with a router
    that cannot assign plan steps.
    """

    def close(self) -> None:
        """Release what the adapters hold (database connections); the desk is unusable after."""
        for close in self.adapters.on_close:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def sweep(self, now: datetime | None = None) -> SweepReport:
        """Record SLA warnings and breaches crossed up to ``now`` (default: the clock).

        Each crossing is recorded once as an internal event, even when sweeps
        overlap or run in several processes; a breach of a running stage is
        escalated through ``escalation`` and the customer is told, with the
        new expected completion. Raises :class:`~reimbursement.errors.ValidationError`
        when the desk has no SLA policy, or for a ``now`` that is not an aware datetime.
        """
        if self.sla is None:
            raise ValidationError.at("sla", "this desk has no SLA policy to sweep with")
        at = self._clock.now() if now is None else require_aware("now", now, "sweep(now=...)")
        lease = self._lease_end if self.settings.dispatch_immediately else None
        report, leased = sweep(
            self._uow, self.sla, at, self.escalation, self._breach_notices, lease=lease
        )
        self._dispatcher.deliver_leased(leased)
        return report

    def seal_log(self, limit: int | None = None, *, wait: bool = True) -> int:
        """Append the events committed since the last seal to the Merkle log: how many.

        On a SQL store a commit leaves its events' digests pending and this
        appends them, oldest first, each exactly once, however many
        processes call it (``python -m reimbursement worker`` does every
        round; a scheduler of yours may instead). ``limit`` bounds the
        entries (None: all pending); with ``wait=False`` it returns 0 at
        once while another process seals. Reads of the log seal first, so
        a receipt never waits for it. In memory commits append themselves:
        0. Raises :class:`~reimbursement.errors.ValidationError` for a
        ``limit`` that is not None or a whole number of 1 or more, and
        :class:`~reimbursement.errors.StorageError` when the database cannot
        be reached.
        """
        if limit is not None:
            require_count("limit", limit)
        seal = self.adapters.seal
        return 0 if seal is None else seal(limit, wait=wait)
