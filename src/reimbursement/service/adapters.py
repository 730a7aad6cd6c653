"""The set of adapters a desk runs on, and the settings it follows."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ..domain.documents import DocumentRules
from ..domain.feedback_rules import FeedbackPolicy, ProblemCatalogue
from ..domain.limits import ClaimLimits
from ..domain.money import Money
from ..domain.reasons import ReasonCatalogue
from ..ports import (
    Clock,
    CustomerDirectory,
    DocumentStore,
    FxRates,
    Notifier,
    OutboxQueue,
    PaymentGateway,
    UnitOfWork,
)
from .dispatch import DeliveryPolicy

__all__ = ["Adapters", "DeskSettings"]


@attrs.frozen
class Adapters:
    """One adapter per port. ``unit_of_work`` makes a new transaction per call.

    ``outbox`` is the dispatcher's side of the outbox that the units of work
    write to (the same store). ``on_close`` is called by
    ``ReimbursementDesk.close`` (connections to release).
    """

    unit_of_work: Callable[[], UnitOfWork]
    outbox: OutboxQueue
    notifier: Notifier
    payments: PaymentGateway
    directory: CustomerDirectory
    documents: DocumentStore
    fx_rates: FxRates
    clock: Clock
    on_close: tuple[Callable[[], None], ...] = ()


@attrs.frozen
class DeskSettings:
    """How the insurer runs its process.

    - ``finance_approval_threshold``: payments below it (in the policy
      currency) are approved for payment automatically; ``None`` means finance
      approves every payment. Amounts in another currency always need finance.
    - ``auto_request_payment``: an approval requests the payment in the same
      step (the customer does nothing more).
    - ``require_receipts``: every expense line needs at least one document.
    - ``number_prefix``: claim numbers read ``<prefix>-<year>-<sequence>``.
    - ``dispatch_immediately``: deliver notifications right after each call
      (otherwise call :meth:`ReimbursementDesk.dispatch_notifications`, or
      run ``python -m reimbursement worker``).
    - ``delivery``: leases, retries with backoff and parking of notifications.
    - ``documents``: what an attachment must be (formats, at most 20 MiB, a
      file name of at most 255 characters); ``limits``: how large a claim
      and its texts may grow (lines, documents, messages, lengths). Both
      are listed in ``docs/inputs.md``.
    - ``feedback``: when customers may rate a claim and for how long they may
      edit it; ``problems``: the catalogue of problem codes they may name.
    - ``reasons``: the catalogue that turns return and rejection codes into
      explanations and steps in the customer's language.
    """

    finance_approval_threshold: Money | None = None
    auto_request_payment: bool = True
    require_receipts: bool = True
    number_prefix: str = "CLM"
    dispatch_immediately: bool = True
    delivery: DeliveryPolicy = attrs.field(factory=DeliveryPolicy)
    documents: DocumentRules = attrs.field(factory=DocumentRules)
    feedback: FeedbackPolicy = attrs.field(factory=FeedbackPolicy)
    problems: ProblemCatalogue = attrs.field(factory=ProblemCatalogue.default)
    reasons: ReasonCatalogue = attrs.field(factory=ReasonCatalogue.default)
    limits: ClaimLimits = attrs.field(factory=ClaimLimits)
