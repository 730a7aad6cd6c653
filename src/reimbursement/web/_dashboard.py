"""Staff dashboard (process KPIs, feedback by stage) and the help area (FAQ, guides, reasons)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..analytics.kpis import process_kpis
from ..analytics.timeline import timelines
from ..domain.claim import Claim
from ..domain.feedback import FeedbackStage
from ..domain.lifecycle import ClaimState
from ._portal import Portal

__all__ = ["FeedbackBar", "feedback_bars", "routes", "search_help"]


def _portal(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


@attrs.frozen
class FeedbackBar:
    """The mean CSAT (1–5) of one stage over ``n`` ratings, drawn as a bar."""

    stage: FeedbackStage
    mean: float
    n: int

    @property
    def width(self) -> int:
        """The bar's width in the chart's units (0–200 for 0–5)."""
        return round(self.mean * 40) if self.n else 0


def feedback_bars(claims: Iterable[Claim]) -> list[FeedbackBar]:
    """One bar per stage: the mean rating the customers gave it."""
    given: dict[FeedbackStage, list[int]] = {stage: [] for stage in FeedbackStage}
    for claim in claims:
        if claim.feedback is not None:
            for stage, rating in claim.feedback.ratings.items():
                given[stage].append(rating)
    return [
        FeedbackBar(stage, sum(r) / len(r) if r else 0.0, len(r)) for stage, r in given.items()
    ]


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{value * 100:.0f} %"


def _hours(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.1f} h"


async def dashboard(request: Request) -> Response:
    """KPIs of every claim the actor may read, and the feedback chart."""
    portal = _portal(request)
    actor = portal.actor(request)
    page = await portal.call(portal.desk.claims_in, actor, list(ClaimState), limit=1000)
    claims = page.items
    kpis = process_kpis(timelines(claims))
    states: dict[str, int] = {}
    for claim in claims:
        states[claim.state.value] = states.get(claim.state.value, 0) + 1
    return portal.render(
        request,
        "dashboard.html",
        kpis=kpis,
        states=states,
        bars=feedback_bars(claims),
        percent=_percent,
        hours=_hours,
    )


def search_help(entries: Iterable[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """The entries whose title or text holds every word of ``query`` (case-insensitive)."""
    words = query.casefold().split()
    found = []
    for entry in entries:
        text = " ".join(
            [str(entry.get("title", "")), str(entry.get("text", ""))]
            + [str(s) for s in entry.get("steps", [])]
        ).casefold()
        if all(word in text for word in words):
            found.append(entry)
    return found


async def help_page(request: Request) -> Response:
    """The FAQ, the guides and the guidance for every return and rejection reason, searchable."""
    portal = _portal(request)
    t = portal.t(request)
    query = request.query_params.get("q", "")[:200]
    catalogue = portal.desk.settings.reasons
    reasons = [
        {"title": g.title, "text": g.explanation, "steps": list(g.steps), "code": g.code}
        for g in (catalogue.explain(code, t.language) for code in catalogue)
    ]
    return portal.render(
        request,
        "help.html",
        query=query,
        faq=search_help(t.items("help.faq"), query),
        guides=search_help(t.items("help.guides"), query),
        reasons=search_help(reasons, query),
    )


def routes() -> list[Route]:
    """The dashboard's and the help area's routes."""
    return [Route("/staff/dashboard", dashboard), Route("/help", help_page)]
