"""The application service: the desk an insurer's platform calls, its settings, views and texts.

:class:`ReimbursementDesk` and :class:`DeskSettings` are also at the top
level; :class:`ClaimLimits` and :class:`DocumentRules` are parts of the
settings. Routers live in :mod:`reimbursement.routing`, the SLA sweep's
report and escalation in :mod:`reimbursement.sla`, notifications and the
other data crossing a port in :mod:`reimbursement.ports`.
"""

from ..domain.documents import DocumentRules
from ..domain.limits import ClaimLimits
from .adapters import Adapters, DeskSettings
from .desk import HandOverReport, ReimbursementDesk
from .texts import DEFAULT_TEXTS, ZH_CN_TEXTS, CustomerTexts
from .views import ClaimTracking, CustomerClaim, ThreadMessage, TimelineEntry

__all__ = [
    "DEFAULT_TEXTS",
    "ZH_CN_TEXTS",
    "Adapters",
    "ClaimLimits",
    "ClaimTracking",
    "CustomerClaim",
    "CustomerTexts",
    "DeskSettings",
    "DocumentRules",
    "HandOverReport",
    "ReimbursementDesk",
    "ThreadMessage",
    "TimelineEntry",
]
