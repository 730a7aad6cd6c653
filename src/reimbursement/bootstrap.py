"""The composition root: wires adapters, router and settings into a desk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

from .adapters import memory
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
from .ports import Clock, CustomerProfile, Notifier
from .service.adapters import DeskSettings
from .service.desk import ReimbursementDesk
from .service.routing import RoundRobinRouter, Router
from .service.sweeper import Escalation
from .service.texts import DEFAULT_TEXTS, CustomerTexts

__all__ = ["in_memory_desk"]


def in_memory_desk(
    *,
    reviewers: Sequence[str] = ("reviewer-1",),
    customers: Iterable[CustomerProfile] = (),
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    fx_rates: dict[tuple[str, str, date], Decimal] | None = None,
    settings: DeskSettings | None = None,
    router: Router | None = None,
    settle_immediately: bool = True,
    new_id: Callable[[], str] | None = None,
    sla: SlaPolicy | None = None,
    escalation: Escalation | None = None,
    pool: ReviewerPool | None = None,
    policy: AssignmentPolicy | None = None,
    conflicts: ConflictOfInterest | None = None,
    approval_rules: ApprovalRules | None = None,
    texts: CustomerTexts = DEFAULT_TEXTS,
) -> ReimbursementDesk:
    """A desk on the in-memory adapters: the embedded default for tests, demos and notebooks.

    Who reviews, by precedence: ``router`` as given; else a
    :class:`~reimbursement.domain.routing.PolicyRouter` over ``pool`` with
    ``policy`` (default: skills, then least loaded); else a
    :class:`RoundRobinRouter` over the ``reviewers`` ids. ``conflicts`` is
    the conflict-of-interest port (for the router built here, and for
    payment approvals); ``approval_rules`` turn on approval plans;
    ``texts`` is the customer-facing wording (stages, titles, notices);
    ``new_id`` makes claim ids, and document ids too (random by default). The
    adapters are reachable as ``desk.adapters`` (for example
    ``desk.adapters.notifier.sent``). Raises
    :class:`~reimbursement.ValidationError` for ``router`` given together
    with ``pool`` or ``policy``.
    """
    if router is not None and (pool is not None or policy is not None):
        raise ValidationError.at(
            "router", "give a router, or a pool (and policy) to build one, not both"
        )
    adapters = memory.create(
        clock=clock,
        notifier=notifier,
        customers=customers,
        fx_rates=fx_rates,
        settle_immediately=settle_immediately,
        document_ids=None if new_id is None else lambda: f"doc-{new_id()}",
    )
    linked = conflicts if conflicts is not None else NO_CONFLICTS
    chosen: Router
    if router is not None:
        chosen = router
    elif pool is not None:
        chosen = PolicyRouter(pool, linked, policy)
    else:
        chosen = RoundRobinRouter(reviewers, linked)
    return ReimbursementDesk(
        adapters,
        router=chosen,
        settings=settings,
        sla=sla,
        escalation=escalation,
        new_id=new_id,
        approval_rules=approval_rules,
        conflicts=conflicts,
        texts=texts,
    )
