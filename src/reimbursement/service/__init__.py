"""The application service: the desk an insurer's platform calls, its settings, views and texts.

:class:`ReimbursementDesk` and :class:`DeskSettings` are also at the top
level. Routers live in :mod:`reimbursement.routing`, the SLA sweep's
report and escalation in :mod:`reimbursement.sla`, notifications and the
other data crossing a port in :mod:`reimbursement.ports`.
"""

from .adapters import Adapters, DeskSettings
from .desk import HandOverReport, ReimbursementDesk
from .texts import DEFAULT_TEXTS, ZH_CN_TEXTS, CustomerTexts
from .views import ClaimTracking, ThreadMessage, TimelineEntry

__all__ = [
    "DEFAULT_TEXTS",
    "ZH_CN_TEXTS",
    "Adapters",
    "ClaimTracking",
    "CustomerTexts",
    "DeskSettings",
    "HandOverReport",
    "ReimbursementDesk",
    "ThreadMessage",
    "TimelineEntry",
]
