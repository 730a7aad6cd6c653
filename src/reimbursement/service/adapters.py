"""The set of adapters a desk runs on, and the settings it follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ..documents.checks import ContentChecks
from ..domain.checklist import DocumentRequirements
from ..domain.checks import require_bool, require_type
from ..domain.documents import DocumentRules
from ..domain.duplicates import DuplicatePolicy
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
    Verifier,
)
from .dispatch import DeliveryPolicy

if TYPE_CHECKING:  # the notify extra's module, only for the type
    from ..audit.log import MerkleLog
    from ..notify.ports import DeliveryLog, GoneEndpoints, InboxStore

__all__ = ["Adapters", "DeskSettings", "LogSealer"]


class LogSealer(Protocol):
    """Appends the events committed since the last seal to the desk's Merkle log: how many.

    ``SqlClaimStore.seal``: at most ``limit`` (None: all pending); with
    ``wait=False`` it returns at once when another sealer holds the log.
    """

    def __call__(self, limit: int | None = None, *, wait: bool = True) -> int: ...


@attrs.frozen
class Adapters:
    """One adapter per port. ``unit_of_work`` makes a new transaction per call.

    ``outbox`` is the dispatcher's side of the outbox that the units of work
    write to (the same store). ``on_close`` is called by
    ``ReimbursementDesk.close`` (connections to release). With a
    ``verifier``, every submission needs the customer's signature
    (``docs/signature.md``). ``inbox`` is the in-app inbox the customers read
    through ``desk.inbox`` (the store the inbox channel writes to). ``gone``
    remembers the webhook endpoints that answered ``410 Gone``: a
    ``ChannelRouter`` bound to the desk gives it to its webhook channels that
    were not given their own (``sql_desk``: ``sql.SqlGoneEndpoints`` on its database).
    ``deliveries`` remembers which channels each notification reached: a bound
    ``ChannelRouter`` given no ``log`` uses it (``sql_desk``: ``sql.SqlDeliveryLog``).
    ``seal`` appends committed events to the store's Merkle log
    (``sql_desk``: ``SqlClaimStore.seal``; None where commits append
    themselves, as in memory): ``desk.seal_log`` and the worker call it.
    ``log`` is the desk's Merkle log, over its claim store's ``store.log``, with
    the signer of its checkpoints: ``desk.submission_receipt`` reads it.
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
    verifier: Verifier | None = None
    inbox: InboxStore | None = None
    gone: GoneEndpoints | None = None
    deliveries: DeliveryLog | None = None
    seal: LogSealer | None = None
    log: MerkleLog | None = None


def _kind(kind: type | tuple[type, ...], described: str) -> Any:
    """A validator: the setting is a ``kind`` (``bool``: exactly True or False)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if kind is bool:
            require_bool(f"settings.{attribute.name}", value)
        else:
            require_type(f"settings.{attribute.name}", value, kind, described)

    return check


_FLAG = _kind(bool, "True or False")


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
    - ``content_checks``: documents read by content libraries (the
      ``[documents]`` extra) and their limits per type; ``requirements``:
      the documents each expense needs; ``duplicates``: when two expenses
      or photos count as the same. All three in ``docs/documents.md``.
    - ``feedback``: when customers may rate a claim and for how long they may
      edit it; ``problems``: the catalogue of problem codes they may name.
    - ``reasons``: the catalogue that turns return and rejection codes into
      explanations and steps in the customer's language.

    A setting of the wrong type raises :class:`~reimbursement.errors.ValidationError`
    at ``settings.<name>``.
    """

    finance_approval_threshold: Money | None = attrs.field(
        default=None, validator=_kind((Money, type(None)), "Money or None")
    )
    auto_request_payment: bool = attrs.field(default=True, validator=_FLAG)
    require_receipts: bool = attrs.field(default=True, validator=_FLAG)
    number_prefix: str = attrs.field(default="CLM", validator=_kind(str, "a str"))
    dispatch_immediately: bool = attrs.field(default=True, validator=_FLAG)
    delivery: DeliveryPolicy = attrs.field(
        factory=DeliveryPolicy, validator=_kind(DeliveryPolicy, "a DeliveryPolicy")
    )
    documents: DocumentRules = attrs.field(
        factory=DocumentRules, validator=_kind(DocumentRules, "DocumentRules")
    )
    feedback: FeedbackPolicy = attrs.field(
        factory=FeedbackPolicy, validator=_kind(FeedbackPolicy, "a FeedbackPolicy")
    )
    problems: ProblemCatalogue = attrs.field(
        factory=ProblemCatalogue.default, validator=_kind(ProblemCatalogue, "a ProblemCatalogue")
    )
    reasons: ReasonCatalogue = attrs.field(
        factory=ReasonCatalogue.default, validator=_kind(ReasonCatalogue, "a ReasonCatalogue")
    )
    limits: ClaimLimits = attrs.field(
        factory=ClaimLimits, validator=_kind(ClaimLimits, "ClaimLimits")
    )
    content_checks: ContentChecks = attrs.field(
        factory=ContentChecks, validator=_kind(ContentChecks, "ContentChecks")
    )
    requirements: DocumentRequirements = attrs.field(
        factory=DocumentRequirements,
        validator=_kind(DocumentRequirements, "DocumentRequirements"),
    )
    duplicates: DuplicatePolicy = attrs.field(
        factory=DuplicatePolicy, validator=_kind(DuplicatePolicy, "DuplicatePolicy")
    )
