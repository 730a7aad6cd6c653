"""Personal data on the desk: a customer's export, erasure, and document retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ..domain.actors import Actor, Role
from ..domain.authorization import (
    authorize_document_deletion,
    authorize_erasure,
    authorize_export,
)
from ..domain.checks import require_type
from ..domain.claim import Claim
from ..domain.commands import privacy
from ..domain.events import EventType, Visibility
from ..errors import FieldProblem, ValidationError
from ..serialization import to_data
from ._arguments import check_actor
from ._core import DeskCore, Step

__all__ = ["EXPORT_FORMAT", "PrivacyCalls"]

EXPORT_FORMAT = "reimbursement-personal-data/1"
"""The ``format`` member of an export."""


def _staff_ids(claim: Claim) -> set[str]:
    """Everyone who acted on ``claim`` or holds a part of it as staff (never its customer)."""
    ids = {e.actor for e in claim.events if e.role is not Role.CUSTOMER}
    ids.update(e.data["reviewer"] for e in claim.events if "reviewer" in e.data)
    ids.update(d.reviewer for d in claim.decisions)
    ids.update(p.approved_by for p in claim.payments if p.approved_by)
    ids.update(p.payee_changed_by for p in claim.payments if p.payee_changed_by)
    if claim.assignee is not None:
        ids.add(claim.assignee)
    ids.discard(claim.customer_id)
    return ids


def _named(value: object, staff: set[str], label: str) -> object:
    """``value`` with every staff id in it said as ``label``."""
    if isinstance(value, str):
        return label if value in staff else value
    if isinstance(value, dict):
        return {key: _named(item, staff, label) for key, item in value.items()}
    if isinstance(value, list):
        return [_named(item, staff, label) for item in value]
    return value


def _visible(claim: Claim, label: str) -> dict[str, Any]:
    """A claim's data as its customer sees it: without internal notes and events, and
    with every staff id said as ``label`` (``"Claims team"``), as ``track()`` says it."""
    data = to_data(claim)
    customer = Visibility.CUSTOMER.value
    data["messages"] = [m for m in data["messages"] if m["visibility"] == customer]
    data["events"] = [e for e in data["events"] if e["visibility"] == customer]
    named = _named(data, _staff_ids(claim), label)
    assert isinstance(named, dict)
    return named


class PrivacyCalls(DeskCore):
    """What the library holds about a customer: its export, its erasure, retention."""

    def _customer_claims(self, customer_id: str) -> Iterator[Claim]:
        after = None
        while True:
            with self._uow() as uow:
                page = uow.claims.for_customer(customer_id, after=after, limit=1000)
            yield from page
            if page.next_cursor is None:
                return
            after = page.next_cursor

    def export_personal_data(self, actor: Actor, customer_id: str) -> dict[str, Any]:
        """Everything the desk holds about ``customer_id``, as JSON-ready data.

        The customer may export their own data (their claims as they see
        them: internal notes and events left out, staff ids said as the
        texts' ``staff_label``); the insurer's data-protection process
        (an actor with the ``system`` role) exports all of it. Raises
        :class:`~reimbursement.errors.AuthorizationError` for anyone else.
        """
        self._check_read(actor, "customer_id", customer_id)
        own = authorize_export(actor, customer_id)
        found = self._customer_claims(customer_id)
        if own:
            label = self.texts.for_language
            claims = [_visible(c, label(c.claimant.language).staff_label) for c in found]
        else:
            claims = [to_data(claim) for claim in found]
        return {
            "format": EXPORT_FORMAT,
            "customer_id": customer_id,
            "claims": claims,
            "messages": [{"claim_id": c["id"], **m} for c in claims for m in c["messages"]],
            "feedback": [
                {"claim_id": c["id"], **c["feedback"]} for c in claims if c["feedback"] is not None
            ],
            "documents": [{"claim_id": c["id"], **a} for c in claims for a in c["attachments"]],
        }

    def erase_personal_data(self, actor: Actor, customer_id: str) -> list[str]:
        """Erase the personal data of every claim of ``customer_id``: the claims erased.

        Only the data-protection process (``system`` role) erases, and only
        when every claim of the customer is closed (paid, rejected or
        withdrawn): otherwise :class:`~reimbursement.errors.ValidationError`
        lists the open ones and nothing is erased. Each claim is erased in its
        own unit of work; a claim erased already is skipped, so a call that
        stopped half way is finished by calling again. What remains:
        ``docs/privacy.md``.
        """
        self._check_read(actor, "customer_id", customer_id)
        authorize_erasure(actor)
        claims = list(self._customer_claims(customer_id))
        open_ = [c.id for c in claims if c.state not in privacy.FINAL_STATES]
        if open_:
            raise ValidationError(
                f"customer {customer_id} has open claims: close them before erasure",
                [FieldProblem("customer_id", f"claim {c} is not closed") for c in open_],
            )
        erased = []
        for claim in claims:
            if any(e.type is EventType.PERSONAL_DATA_ERASED for e in claim.events):
                continue
            self._run(actor, claim.id, None, lambda c, step: privacy.erase(c, actor, step.now))
            erased.append(claim.id)
        return erased

    def delete_expired_documents(self, actor: Actor, claim_id: str, kept_for: timedelta) -> Claim:
        """Delete the claim's documents once it has been closed for ``kept_for``.

        The bytes go from the document store; the claim keeps each
        document's metadata (hash, size) and records a ``document_deleted``
        event. Only ``system`` may; raises
        :class:`~reimbursement.errors.ValidationError` for a claim not closed
        long enough, or whose documents are deleted already.
        """
        authorize_document_deletion(check_actor(actor))
        period = require_type("kept_for", kept_for, timedelta, "a timedelta")

        def decide(claim: Claim, step: Step) -> Claim:
            closed = max((e.at for e in claim.events if e.changes_state), default=None)
            if claim.state not in privacy.FINAL_STATES or closed is None:
                raise ValidationError.at("claim_id", f"claim {claim.id} is not closed")
            if any(e.type is EventType.DOCUMENT_DELETED for e in claim.events):
                raise ValidationError.at("claim_id", f"claim {claim.id}'s documents are deleted")
            if step.now - closed < period:
                raise ValidationError.at(
                    "kept_for", f"claim {claim.id} closed at {closed}, less than {period} ago"
                )
            for attachment in claim.attachments:  # idempotent: a retried call deletes nothing
                self.adapters.documents.delete(attachment.id)
            return privacy.delete_documents(claim, actor, step.now, f"kept for {period}")

        return self._staffs(self._run(actor, claim_id, None, decide))
