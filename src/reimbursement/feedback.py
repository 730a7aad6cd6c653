"""Customer feedback, the problems it may report, and the reasons and guidance given back.

:class:`Feedback` is what a customer says at a :class:`FeedbackStage`;
:class:`FeedbackPolicy` and :class:`ProblemCatalogue` set what may be said
and when; :class:`ReasonCatalogue` holds the return and rejection reasons,
each with its :class:`Guidance` for the customer; :func:`give_feedback`
and :func:`edit_feedback` are the pure commands behind the desk's calls.
See ``docs/feedback.md``.
"""

from .domain.feedback import Feedback, FeedbackStage
from .domain.feedback_rules import (
    CES_SCALE,
    CSAT_SCALE,
    DEFAULT_PROBLEMS,
    MAX_FEEDBACK_TEXT,
    NPS_SCALE,
    FeedbackPolicy,
    ProblemCatalogue,
    edit_feedback,
    feedback_problems,
    give_feedback,
)
from .domain.reasons import (
    DEFAULT_REASONS,
    FALLBACK_LANGUAGE,
    Guidance,
    ReasonCatalogue,
    ReasonText,
    explain_decision,
)

__all__ = [
    "CES_SCALE",
    "CSAT_SCALE",
    "DEFAULT_PROBLEMS",
    "DEFAULT_REASONS",
    "FALLBACK_LANGUAGE",
    "MAX_FEEDBACK_TEXT",
    "NPS_SCALE",
    "Feedback",
    "FeedbackPolicy",
    "FeedbackStage",
    "Guidance",
    "ProblemCatalogue",
    "ReasonCatalogue",
    "ReasonText",
    "edit_feedback",
    "explain_decision",
    "feedback_problems",
    "give_feedback",
]
