"""The application service: the entry point an insurer's platform calls."""

from .adapters import Adapters, DeskSettings
from .desk import ReimbursementDesk
from .routing import RoundRobinRouter, Router
from .views import ClaimTracking, TimelineEntry

__all__ = [
    "Adapters",
    "ClaimTracking",
    "DeskSettings",
    "ReimbursementDesk",
    "RoundRobinRouter",
    "Router",
    "TimelineEntry",
]
