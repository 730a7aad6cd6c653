"""The application service: the entry point an insurer's platform calls."""

from .adapters import Adapters, DeskSettings
from .desk import HandOverReport, ReimbursementDesk
from .routing import PlanRouter, RoundRobinRouter, Router, RoutingEscalation
from .sweeper import BreachEscalation, SweepReport
from .texts import DEFAULT_TEXTS, CustomerTexts
from .views import ClaimTracking, TimelineEntry

__all__ = [
    "DEFAULT_TEXTS",
    "Adapters",
    "BreachEscalation",
    "ClaimTracking",
    "CustomerTexts",
    "DeskSettings",
    "HandOverReport",
    "PlanRouter",
    "ReimbursementDesk",
    "RoundRobinRouter",
    "Router",
    "RoutingEscalation",
    "SweepReport",
    "TimelineEntry",
]
