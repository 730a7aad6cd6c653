"""The composition root: wires adapters, router and settings into a desk."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

from .adapters import memory
from .domain.sla import SlaPolicy
from .ports import Clock, CustomerProfile, Notifier
from .service.adapters import DeskSettings
from .service.desk import ReimbursementDesk
from .service.routing import RoundRobinRouter, Router
from .service.sweeper import Escalation

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
) -> ReimbursementDesk:
    """A desk on the in-memory adapters: the embedded default for tests, demos and notebooks.

    ``reviewers`` feed the built-in round-robin router unless ``router`` is
    given. The adapters are reachable as ``desk.adapters`` (for example
    ``desk.adapters.notifier.sent``).
    """
    adapters = memory.create(
        clock=clock,
        notifier=notifier,
        customers=customers,
        fx_rates=fx_rates,
        settle_immediately=settle_immediately,
    )
    chosen = router if router is not None else RoundRobinRouter(reviewers)
    return ReimbursementDesk(
        adapters, router=chosen, settings=settings, sla=sla, escalation=escalation, new_id=new_id
    )
