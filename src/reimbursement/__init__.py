"""reimbursement: expense-reimbursement claims for insurers, as an embeddable SDK.

Submit once, follow every step, get paid within 24 hours of approval, and be
heard when something goes wrong. Start with :func:`in_memory_desk` (the
embedded default) or build a :class:`ReimbursementDesk` on your own adapters.
"""

from .bootstrap import in_memory_desk
from .domain.actors import Actor, Role
from .domain.calendar import AROUND_THE_CLOCK, BusinessCalendar, HolidaySource, WorkingTime, weekly
from .domain.claim import (
    Attachment,
    Claim,
    Claimant,
    ExpenseLine,
    LineDecision,
    Message,
    Outcome,
    PaymentRecord,
    PaymentStatus,
    ReviewDecision,
)
from .domain.events import Event, EventType, Visibility
from .domain.feedback import Feedback, Stage
from .domain.inputs import ClaimPatch, LineInput, LinePatch
from .domain.lifecycle import LIFECYCLE, Action, ClaimState
from .domain.money import Money
from .domain.sla import ClaimSla, CrossingKind, SlaCrossing, SlaPolicy, SlaStatus, StageSla, Target
from .domain.sla import Stage as SlaStage
from .errors import (
    AuthorizationError,
    CalendarError,
    ClaimNotFoundError,
    ConcurrencyError,
    CurrencyMismatchError,
    CustomerNotFoundError,
    DelegationLoopError,
    DocumentNotFoundError,
    DuplicateError,
    FieldProblem,
    FourEyesError,
    InvalidTransitionError,
    NoEligibleReviewerError,
    NotFoundError,
    PaymentError,
    RateNotFoundError,
    ReimbursementError,
    ValidationError,
)
from .ports import (
    CustomerProfile,
    Notification,
    PaymentInstruction,
    PaymentReceipt,
    ReceiptStatus,
    StoredDocument,
)
from .serialization import from_data, from_json, to_data, to_json
from .service import (
    Adapters,
    ClaimTracking,
    DeskSettings,
    ReimbursementDesk,
    RoundRobinRouter,
    Router,
    TimelineEntry,
)
from .service.routing import Assignment
from .service.sweeper import Escalation, SweepReport

__all__ = [
    "AROUND_THE_CLOCK",
    "LIFECYCLE",
    "Action",
    "Actor",
    "Adapters",
    "Assignment",
    "Attachment",
    "AuthorizationError",
    "BusinessCalendar",
    "CalendarError",
    "Claim",
    "ClaimNotFoundError",
    "ClaimPatch",
    "ClaimSla",
    "ClaimState",
    "ClaimTracking",
    "Claimant",
    "ConcurrencyError",
    "CrossingKind",
    "CurrencyMismatchError",
    "CustomerNotFoundError",
    "CustomerProfile",
    "DelegationLoopError",
    "DeskSettings",
    "DocumentNotFoundError",
    "DuplicateError",
    "Escalation",
    "Event",
    "EventType",
    "ExpenseLine",
    "Feedback",
    "FieldProblem",
    "FourEyesError",
    "HolidaySource",
    "InvalidTransitionError",
    "LineDecision",
    "LineInput",
    "LinePatch",
    "Message",
    "Money",
    "NoEligibleReviewerError",
    "NotFoundError",
    "Notification",
    "Outcome",
    "PaymentError",
    "PaymentInstruction",
    "PaymentReceipt",
    "PaymentRecord",
    "PaymentStatus",
    "RateNotFoundError",
    "ReceiptStatus",
    "ReimbursementDesk",
    "ReimbursementError",
    "ReviewDecision",
    "Role",
    "RoundRobinRouter",
    "Router",
    "SlaCrossing",
    "SlaPolicy",
    "SlaStage",
    "SlaStatus",
    "Stage",
    "StageSla",
    "StoredDocument",
    "SweepReport",
    "Target",
    "TimelineEntry",
    "ValidationError",
    "Visibility",
    "WorkingTime",
    "from_data",
    "from_json",
    "in_memory_desk",
    "to_data",
    "to_json",
    "weekly",
]
