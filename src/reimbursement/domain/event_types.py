"""What can happen to a claim (:class:`EventType`) and who may see it (:class:`Visibility`).

Kept apart from :mod:`.events` so that the event record and its log stay one
readable module; both names are re-exported there.
"""

from __future__ import annotations

import enum

__all__ = ["EventType", "Visibility"]


class Visibility(enum.StrEnum):
    """Who may see an event or a message."""

    CUSTOMER = "customer"
    """The customer and staff."""
    INTERNAL = "internal"
    """Staff only: internal notes never reach the customer."""


class EventType(enum.StrEnum):
    """What happened."""

    DRAFT_STARTED = "draft_started"
    DRAFT_UPDATED = "draft_updated"
    ATTACHMENT_ADDED = "attachment_added"
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    PAYMENT_REQUESTED = "payment_requested"
    PAYMENT_APPROVED = "payment_approved"
    PAYMENT_SENT = "payment_sent"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_RETRIED = "payment_retried"
    PAYMENT_CANCELLED = "payment_cancelled"
    PAYEE_CHANGED = "payee_changed"
    PAYMENT_DISCREPANCY = "payment_discrepancy"
    MESSAGE_POSTED = "message_posted"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    REVIEW_STEP_DECIDED = "review_step_decided"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    FEEDBACK_GIVEN = "feedback_given"
    FEEDBACK_EDITED = "feedback_edited"
    STRAIGHT_THROUGH_DECIDED = "straight_through_decided"
    DUPLICATE_CONFIRMED = "duplicate_confirmed"
    PERSONAL_DATA_ERASED = "personal_data_erased"
    DOCUMENT_DELETED = "document_deleted"
    AUDIT_REVIEWED = "audit_reviewed"
