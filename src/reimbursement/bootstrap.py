"""The composition root: wires adapters, router and settings into a desk.

Three ways in, one assembly: :func:`in_memory_desk` (tests, notebooks, the
demo's default), :func:`sql_desk` (a SQLite file or PostgreSQL, with
documents on the filesystem) and :func:`assemble` (your own adapters). All
three take the same :class:`DeskOptions` keywords for how claims are
reviewed and run, so a new option is added once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

import attrs

from .adapters import memory
from .audit.log import MerkleLog
from .domain.routing import (
    NO_CONFLICTS,
    ApprovalRules,
    AssignmentPolicy,
    ConflictOfInterest,
    PolicyRouter,
    ReviewerPool,
)
from .domain.sla import SlaPolicy
from .errors import ValidationError
from .ports import (
    Clock,
    CustomerDirectory,
    CustomerProfile,
    DocumentStore,
    FxRates,
    Notifier,
    PaymentGateway,
)
from .service.adapters import Adapters, DeskSettings
from .service.desk import ReimbursementDesk
from .service.routers import RoundRobinRouter, Router
from .service.straight_through import StraightThroughReview
from .service.sweeper import BreachEscalation
from .service.texts import CustomerTexts

if TYPE_CHECKING:  # the notify extra's module, only for the type
    from .audit.checkpoint import NoteSigner
    from .audit.log import LogStore
    from .notify.ports import InboxStore

__all__ = ["DeskOptions", "assemble", "in_memory_desk", "sql_desk"]


class DeskOptions(TypedDict, total=False):
    """How a desk reviews and runs claims: the keywords every constructor takes.

    Who reviews, by precedence: ``router`` as given; else a
    :class:`~reimbursement.routing.PolicyRouter` over ``pool`` with
    ``policy`` (default: skills, then least loaded); else a
    :class:`~reimbursement.routing.RoundRobinRouter` over the ``reviewers``
    ids (default ``["reviewer-1"]``). ``conflicts`` is the
    conflict-of-interest port (for the router built here, and for payment
    approvals); ``approval_rules`` turn on approval plans; ``sla`` and
    ``escalation`` the SLA clocks and what a breach does; ``settings`` how
    the insurer runs its process; ``texts`` the customer-facing wording;
    ``new_id`` makes claim ids (random UUIDs by default);
    ``straight_through`` approves simple claims at submission by the
    insurer's rules (``docs/straight-through.md``).
    """

    reviewers: Sequence[str]
    router: Router
    pool: ReviewerPool
    policy: AssignmentPolicy
    conflicts: ConflictOfInterest
    approval_rules: ApprovalRules
    sla: SlaPolicy
    escalation: BreachEscalation
    settings: DeskSettings
    texts: CustomerTexts
    new_id: Callable[[], str]
    straight_through: StraightThroughReview


def assemble(adapters: Adapters, **options: Unpack[DeskOptions]) -> ReimbursementDesk:
    """A desk on your own ``adapters`` (one per port), with the :class:`DeskOptions` given.

    Raises :class:`~reimbursement.errors.ValidationError` for ``router``
    given together with ``pool`` or ``policy``, or approval rules with a
    router that cannot assign plan steps.
    """
    router, pool, policy = options.get("router"), options.get("pool"), options.get("policy")
    if router is not None and (pool is not None or policy is not None):
        raise ValidationError.at(
            "router", "give a router, or a pool (and policy) to build one, not both"
        )
    conflicts = options.get("conflicts")
    linked = conflicts if conflicts is not None else NO_CONFLICTS
    if router is None:
        if pool is not None:
            router = PolicyRouter(pool, linked, policy)
        else:
            router = RoundRobinRouter(options.get("reviewers", ("reviewer-1",)), linked)
    extra = {
        k: v for k, v in options.items() if k not in ("router", "pool", "policy", "reviewers")
    }
    return ReimbursementDesk(adapters, router=router, **extra)  # type: ignore[arg-type]


def in_memory_desk(
    *,
    customers: Iterable[CustomerProfile] = (),
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    fx_rates: Mapping[tuple[str, str, date], Decimal] | None = None,
    settle_immediately: bool = True,
    payments: PaymentGateway | None = None,
    inbox: InboxStore | None = None,
    log_signer: NoteSigner | None = None,
    log_origin: str = "reimbursement.local/log",
    **options: Unpack[DeskOptions],
) -> ReimbursementDesk:
    """A desk on the in-memory adapters: the embedded default for tests, demos and notebooks.

    ``customers`` fill the customer directory; ``clock`` defaults to the
    system clock; ``settle_immediately=False`` makes the in-memory gateway
    answer "pending" until told (``desk.adapters.payments.settle``);
    ``payments`` replaces that gateway (a sandbox, a bank-file gateway);
    ``inbox`` is the in-app inbox customers read with ``desk.inbox``.
    ``new_id`` (see :class:`DeskOptions`) makes document ids too. The
    adapters are reachable as ``desk.adapters`` (for example
    ``desk.adapters.notifier.sent``). Nothing survives the process.
    Its claim store keeps the desk's Merkle log; with ``log_signer`` (the
    insurer's checkpoint key) the desk signs checkpoints of it, named
    ``log_origin``, and gives receipts (``desk.submission_receipt``).
    """
    new_id = options.get("new_id")
    store = memory.InMemoryClaimStore()
    adapters = memory.create(
        store=store,
        clock=clock,
        notifier=notifier,
        customers=customers,
        fx_rates=fx_rates,
        settle_immediately=settle_immediately,
        document_ids=None if new_id is None else lambda: f"doc-{new_id()}",
    )
    if payments is not None:
        adapters = attrs.evolve(adapters, payments=payments)
    if inbox is not None:
        adapters = attrs.evolve(adapters, inbox=inbox)
    return assemble(_with_log(adapters, store.log, log_signer, log_origin), **options)


def _with_log(
    adapters: Adapters, store: LogStore, signer: NoteSigner | None, origin: str
) -> Adapters:
    """``adapters`` with the desk's Merkle log over ``store``, signed by ``signer`` if given."""
    if signer is None:
        return adapters
    return attrs.evolve(adapters, log=MerkleLog(store, origin, signer))


def sql_desk(
    database: str,
    *,
    documents: DocumentStore | str | os.PathLike[str] | None = None,
    customers: CustomerDirectory | Iterable[CustomerProfile] = (),
    payments: PaymentGateway | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    fx_rates: FxRates | None = None,
    inbox: InboxStore | None = None,
    log_signer: NoteSigner | None = None,
    log_origin: str = "reimbursement.local/log",
    **options: Unpack[DeskOptions],
) -> ReimbursementDesk:
    """A desk on a database: ``sqlite:///claims.db`` or ``postgresql+psycopg://…``.

    Claims, their events, request keys, sequences and the outbox live in the database (the
    ``[sql]`` extra); documents in the folder ``documents`` (default for a SQLite file:
    ``<file>-documents`` beside it; required for other databases) or the document store given.
    The schema must exist: run ``python -m reimbursement db upgrade --database URL`` (or
    :func:`reimbursement.adapters.sql.upgrade`) once per deployment, never from a worker. The
    customer directory, payment gateway and exchange rates default to the in-memory ones
    (``customers`` may be the profiles or your own directory); ``inbox``: what ``desk.inbox``
    reads (``sql.SqlInbox`` on it). A bound router keeps its deliveries and 410 Gone in the
    database; ``log_signer``, ``log_origin``: as in :func:`in_memory_desk`. Close to release.

    Raises :class:`~reimbursement.errors.SchemaVersionError` when the schema
    is missing or not this library's version, :class:`~reimbursement.errors.StorageError`
    when the database cannot be reached, :class:`~reimbursement.errors.ValidationError`
    for a database that is not a file without ``documents``.
    """
    from .adapters import sql
    from .adapters.filesystem import FileSystemDocumentStore
    from .adapters.system import SystemClock

    store = sql.create(database)
    try:
        if documents is None or isinstance(documents, str | os.PathLike):
            documents = FileSystemDocumentStore(documents or _documents_beside(database))
        if not hasattr(customers, "profile"):  # the profiles, not a directory of yours
            customers = memory.InMemoryCustomerDirectory(customers)
        adapters = Adapters(
            unit_of_work=store.unit_of_work,
            outbox=store.queue,
            notifier=notifier if notifier is not None else memory.InMemoryNotifier(),
            payments=payments if payments is not None else memory.InMemoryPaymentGateway(),
            directory=customers,  # type: ignore[arg-type]
            documents=documents,
            fx_rates=fx_rates if fx_rates is not None else memory.InMemoryFxRates(),
            clock=clock if clock is not None else SystemClock(),
            on_close=(store.close,),
            inbox=inbox if inbox is not None else sql.SqlInbox(store.engine),
            gone=sql.SqlGoneEndpoints(store.engine),
            deliveries=sql.SqlDeliveryLog(store.engine),
            seal=store.seal,
        )
        return assemble(_with_log(adapters, store.log, log_signer, log_origin), **options)
    except BaseException:
        store.close()
        raise


def _documents_beside(database: str) -> Path:
    prefix = "sqlite:///"
    path = database.split("?", 1)[0]
    if not path.startswith(prefix) or path == prefix or ":memory:" in path:
        raise ValidationError.at(
            "documents",
            "give a folder (or a DocumentStore) for the documents of a database that is not "
            "a SQLite file",
        )
    file = Path(path[len(prefix) :])
    return file.with_name(f"{file.name}-documents")
