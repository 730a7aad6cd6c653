"""The customer's receipt of their submission, from the desk's Merkle log."""

from __future__ import annotations

from typing import Any

from ..audit.receipts import receipt_data
from ..domain.actors import Actor
from ..domain.events import EventType
from ..errors import NotSealedError, ProofError, ValidationError
from ._core import DeskCore

__all__ = ["ReceiptCalls"]

_SUBMISSIONS = frozenset({EventType.SUBMITTED, EventType.RESUBMITTED})


class ReceiptCalls(DeskCore):
    """Receipts: inclusion proofs of a claim's events under a signed checkpoint."""

    def submission_receipt(self, actor: Actor, claim_id: str) -> dict[str, Any]:
        """The receipt of the claim's latest submission, as JSON-ready data to keep.

        An inclusion proof of the ``submitted`` (or ``resubmitted``) event in
        the desk's Merkle log (``Adapters.log``) under a checkpoint signed
        now; its form, and how to check it without this library, are in
        ``docs/audit.md``. Authorized as reading the claim: its customer, or
        staff. Raises :class:`~reimbursement.errors.NotSealedError` while the
        log does not hold the event yet (ask again once it is sealed),
        :class:`~reimbursement.errors.ValidationError` for a claim never
        submitted, :class:`~reimbursement.errors.ProofError` for a desk without
        a log (or one that cannot sign), and for a stored event the log holds
        otherwise (changed since it was logged) or whose text was erased.
        """
        claim = self._viewed(actor, claim_id)
        found = claim.events.last_index_of(_SUBMISSIONS)
        if found is None:
            raise ValidationError.at("claim_id", f"claim {claim_id} was not submitted yet")
        event = claim.events[found]
        log = self.adapters.log
        if log is None:
            raise ProofError("this desk keeps no Merkle log (Adapters.log): it gives no receipts")
        report = log.verify(claim)
        if event.seq in report.unlogged:
            raise NotSealedError(
                f"the submission of claim {claim_id} is not in the desk's log yet: "
                "ask for its receipt again once the log is sealed"
            )
        if event.seq in report.chain.redacted:
            raise ProofError(f"the submission of claim {claim_id} was erased: it has no receipt")
        if event.seq in report.changed:
            raise ProofError(
                f"the stored submission of claim {claim_id} is not the one the log holds: "
                "it was changed after it was logged"
            )
        return receipt_data(log.receipt(event), event)
