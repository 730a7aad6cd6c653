"""Review routing: reviewers, assignment policies, approval plans, delegation and escalation.

The pure rules (:class:`ReviewerPool`, the policies such as
:class:`LeastLoaded` and :class:`Pipeline`, :class:`PolicyRouter`, the
approval plans :class:`ApprovalRules`, :class:`AuthorityChain` and
:class:`ParallelReviews`) and the routers a desk takes
(:class:`Router`, :class:`RoundRobinRouter`, :class:`PlanRouter`,
:class:`RoutingEscalation`). See ``docs/routing.md``.
"""

from .domain.routing import *  # noqa: F403 - this namespace is that package's public face
from .domain.routing import __all__ as _routing_names
from .service.routers import PlanRouter as PlanRouter
from .service.routers import RoundRobinRouter as RoundRobinRouter
from .service.routers import Router as Router
from .service.routers import RoutingEscalation as RoutingEscalation

# the package's own list, so a name it adds is published here without a second copy
# (in isort order: constants, classes, functions)
__all__ = sorted(
    [*_routing_names, "PlanRouter", "RoundRobinRouter", "Router", "RoutingEscalation"],
    key=lambda name: (0 if name.isupper() else 1 if name[0].isupper() else 2, name),
)
