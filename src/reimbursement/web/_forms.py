"""Form fields as the desk's inputs: text in, typed records out, a ValidationError naming a field.

The portal checks only that a field can be read (a date is a date, an
amount a number); what the claim accepts is the desk's to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..domain.claim import LineDecision
from ..domain.feedback import FeedbackStage
from ..domain.inputs import ClaimPatch, LineInput, LinePatch
from ..domain.money import Money
from ..errors import ValidationError
from ..service.views import ClaimTracking

__all__ = [
    "feedback_answers",
    "field",
    "line_decisions",
    "line_input",
    "line_patches",
    "optional_int",
]

Form = Mapping[str, object]


def field(form: Form, name: str, *, required: bool = True, limit: int = 2000) -> str:
    """The text of field ``name``, trimmed; refused when required and empty, or too long."""
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValidationError.at(name, "is required")
    if len(text) > limit:
        raise ValidationError.at(name, f"is {len(text)} characters; at most {limit} fit")
    return text


def _day(form: Form, name: str) -> date:
    text = field(form, name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError.at(name, "is not a date (YYYY-MM-DD)") from None


def line_input(form: Form, currency: str) -> LineInput:
    """A new expense line from the add-line form, in its currency (default: the policy's)."""
    chosen = field(form, "currency", required=False, limit=3).upper() or currency
    return LineInput(
        field(form, "category", limit=200),
        _day(form, "incurred_on"),
        field(form, "provider", limit=200),
        Money(field(form, "amount", limit=40), chosen),
        field(form, "description", required=False),
    )


def line_patches(form: Form, tracking: ClaimTracking) -> ClaimPatch:
    """Only the line fields the customer changed on the fix form (blank or unchanged: kept)."""
    changes = []
    for line in tracking.lines:
        amount = field(form, f"amount-{line.id}", required=False, limit=40)
        description = field(form, f"description-{line.id}", required=False)
        new_amount = Money(amount, line.amount.currency) if amount else None
        patch = LinePatch(
            line.id,
            amount=new_amount if new_amount is not None and new_amount != line.amount else None,
            description=description if description and description != line.description else None,
        )
        if patch.amount is not None or patch.description is not None:
            changes.append(patch)
    account = field(form, "payee_account", required=False, limit=64)
    return ClaimPatch(change_lines=changes, payee_account=account or None)


def line_decisions(form: Form, lines: Mapping[str, Money]) -> list[LineDecision]:
    """The reviewer's amount per line: a line left at its claimed amount is not listed."""
    decisions = []
    for line_id, claimed in lines.items():
        text = field(form, f"approved-{line_id}", required=False, limit=40)
        if not text:
            continue
        approved = Money(text, claimed.currency)
        if approved == claimed:
            continue
        reason = field(form, f"reason-{line_id}", required=False, limit=500) or None
        decisions.append(LineDecision(line_id, approved, reason))
    return decisions


def optional_int(form: Form, name: str) -> int | None:
    """A whole number, or ``None`` when left blank."""
    text = field(form, name, required=False, limit=4)
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError.at(name, "is not a whole number")
    return int(text)


def feedback_answers(form: Form) -> dict[FeedbackStage, int]:
    """The stage ratings given (a stage left blank is not rated)."""
    ratings = {}
    for stage in FeedbackStage:
        value = optional_int(form, f"rating-{stage.value}")
        if value is not None:
            ratings[stage] = value
    return ratings
