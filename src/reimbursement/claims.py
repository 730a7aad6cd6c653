"""The parts of a claim, its events and its lifecycle.

A :class:`~reimbursement.Claim` holds a :class:`Claimant`, its
:class:`ExpenseLine` items, :class:`Attachment` and :class:`Message`
records, each :class:`ReviewDecision`, its :class:`Outcome` and every
:class:`PaymentRecord`; its history is an :class:`EventLog` of
:class:`Event` records.
:data:`LIFECYCLE` lists which :class:`Action` each
:class:`~reimbursement.ClaimState` allows; :func:`check_claim` (and
:func:`claim_problems`) check a claim from outside against the invariants
of one the desk built, as the converter does for every claim it reads.
``Claim``, ``ClaimState`` and ``LineDecision`` themselves are at the top
level, :mod:`reimbursement`.
"""

from .domain.claim import (
    Attachment,
    Claimant,
    ExpenseLine,
    Message,
    Outcome,
    PaymentRecord,
    PaymentStatus,
    ReviewDecision,
    main_category,
)
from .domain.events import (
    NO_DATA,
    Event,
    EventData,
    EventLog,
    EventType,
    Visibility,
    event_id,
    flatten_data,
)
from .domain.inputs import NO_TAX, NoTax
from .domain.invariants import check_claim, claim_problems
from .domain.lifecycle import LIFECYCLE, Action, Lifecycle

__all__ = [
    "LIFECYCLE",
    "NO_DATA",
    "NO_TAX",
    "Action",
    "Attachment",
    "Claimant",
    "Event",
    "EventData",
    "EventLog",
    "EventType",
    "ExpenseLine",
    "Lifecycle",
    "Message",
    "NoTax",
    "Outcome",
    "PaymentRecord",
    "PaymentStatus",
    "ReviewDecision",
    "Visibility",
    "check_claim",
    "claim_problems",
    "event_id",
    "flatten_data",
    "main_category",
]
