"""Service levels: business calendars, stage clocks, targets, crossings and the sweep.

:class:`BusinessCalendar` (or :data:`AROUND_THE_CLOCK`) measures time,
:class:`SlaPolicy` sets targets per stage, :class:`ClaimSla` says where a
claim stands, and the desk's sweep records crossings and returns a
:class:`SweepReport`, escalating breaches through a
:class:`BreachEscalation`. See ``docs/sla.md``.
"""

from .domain.sla import *  # noqa: F403 - this namespace is that package's public face
from .domain.sla import __all__ as _sla_names
from .service.sweeper import BreachEscalation as BreachEscalation
from .service.sweeper import SweepReport as SweepReport

# the package's own list, so a name it adds is published here without a second copy
# (in isort order: constants, classes, functions)
__all__ = sorted(
    [*_sla_names, "BreachEscalation", "SweepReport"],
    key=lambda name: (0 if name.isupper() else 1 if name[0].isupper() else 2, name),
)
