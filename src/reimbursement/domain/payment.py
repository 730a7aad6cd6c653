"""One claim's payment attempts, and what a gateway did that the claim did not ask for.

Part of the claim (:mod:`.claim` re-exports these): a :class:`PaymentRecord`
per attempt, and a :class:`PaymentDiscrepancy` per settlement of an attempt
that was already over (failed or cancelled) when the gateway settled it.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from .money import Money

__all__ = [
    "PaymentDiscrepancy",
    "PaymentRecord",
    "PaymentStatus",
    "account_ending",
    "attempt_key",
    "split_attempt_key",
]


class PaymentStatus(enum.StrEnum):
    """Where one payment attempt is."""

    REQUESTED = "requested"
    APPROVED = "approved"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    """Stopped at the gateway (:meth:`~reimbursement.ReimbursementDesk.cancel_payment`)."""

    @property
    def is_over(self) -> bool:
        """True for an attempt that can never pay (failed or cancelled): it may be retried."""
        return self in _OVER


_OVER = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED})


@attrs.frozen
class PaymentRecord:
    """One attempt to pay the approved amount.

    ``idempotency_key`` is ``"<claim id>:payment:<attempt>"`` (:func:`attempt_key`): the gateway
    pays a key at most once, so a replayed or retried command never pays twice.
    ``payee_changed_by`` is the staff member who gave ``payee_account``
    (``None`` when it is the customer's own: from the directory, their last
    claim, or given by them); that person neither approves nor sends a
    payment to it.
    """

    attempt: int
    idempotency_key: str
    amount: Money
    payee_account: str
    status: PaymentStatus
    requested_at: datetime
    approved_by: str | None = None
    gateway_reference: str | None = None
    failure_reason: str | None = None
    payee_changed_by: str | None = None


@attrs.frozen
class PaymentDiscrepancy:
    """Money the gateway paid out under an attempt that was over: reported, never paid again.

    The claim's paid amount does not count it; finance reconciles it with the
    bank (recall the payment, or close the claim's later attempt).
    """

    attempt: int
    idempotency_key: str
    reference: str
    amount: Money
    payee_account: str
    reported_at: datetime
    reported_by: str


_KEY_INFIX = ":payment:"


def attempt_key(claim_id: str, attempt: int) -> str:
    """The idempotency key of the claim's payment ``attempt``: ``"<claim id>:payment:<n>"``."""
    return f"{claim_id}{_KEY_INFIX}{attempt}"


def split_attempt_key(key: str) -> tuple[str, str] | None:
    """The claim id and attempt number (as written) of an :func:`attempt_key`, else ``None``."""
    claim_id, infix, attempt = key.rpartition(_KEY_INFIX)
    return (claim_id, attempt) if infix else None


def account_ending(account: str) -> str:
    """The last characters of ``account`` a customer text may show (``"0517"``), never all.

    At most four letters or digits, and never more than half of them.
    """
    characters = [c for c in account if c.isalnum()]
    shown = min(4, len(characters) // 2)
    return "".join(characters[len(characters) - shown :])
