"""The rules for giving and editing feedback on a claim.

The data is :class:`~reimbursement.domain.feedback.Feedback`; here are the
checks and the pure functions on a :class:`~reimbursement.domain.claim.Claim`:
the application service loads the claim, calls :func:`give_feedback` or
:func:`edit_feedback` with the insurer's :class:`FeedbackPolicy` and
:class:`ProblemCatalogue`, and saves what comes back. Every check runs
before anything is built, so a refused call leaves no trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

import attrs

from ..errors import DuplicateError, FieldProblem, ValidationError
from .actors import Actor
from .authorization import authorize_feedback
from .claim import Claim
from .events import EventType
from .feedback import Feedback, FeedbackStage
from .frozen import FrozenMap
from .lifecycle import ClaimState
from .reasons import language_chain, normalise_language

__all__ = [
    "CES_SCALE",
    "CSAT_SCALE",
    "DEFAULT_PROBLEMS",
    "DEFAULT_PROBLEMS_ZH",
    "MAX_FEEDBACK_TEXT",
    "NPS_SCALE",
    "FeedbackPolicy",
    "ProblemCatalogue",
    "edit_feedback",
    "feedback_problems",
    "give_feedback",
]

CSAT_SCALE = range(1, 6)
"""Customer satisfaction per stage: 1 (very dissatisfied) to 5 (very satisfied)."""
CES_SCALE = range(1, 8)
"""Customer effort: 1 (very easy) to 7 (very hard)."""
NPS_SCALE = range(0, 11)
"""Likelihood to recommend: 0 (not at all) to 10 (extremely likely)."""
MAX_FEEDBACK_TEXT = 4000


def _label_dict(labels: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap(labels)  # a copy no caller can change behind the checks


def _translations(value: Mapping[str, Mapping[str, str]]) -> FrozenMap[str, Mapping[str, str]]:
    return FrozenMap({normalise_language(tag): FrozenMap(labels) for tag, labels in value.items()})


@attrs.frozen
class ProblemCatalogue:
    """The problem categories a customer may tick, as ``code -> label``.

    Codes are what is stored and counted; labels are what the customer and
    the analysts read. Insurers configure their own; :meth:`default` is a
    sensible start. Raises :class:`~reimbursement.errors.ValidationError` for an
    empty catalogue, an empty or non-snake-case code, or an empty label.
    """

    labels: Mapping[str, str] = attrs.field(converter=_label_dict)
    translations: Mapping[str, Mapping[str, str]] = attrs.field(
        factory=dict, converter=_translations
    )
    """Labels in other languages, by BCP 47 tag (:meth:`default`: Simplified Chinese too)."""

    def __attrs_post_init__(self) -> None:
        problems = []
        if not self.labels:
            problems.append(FieldProblem("labels", "the catalogue has no problem category"))
        for code, label in self.labels.items():
            if not code or code != code.strip().lower() or " " in code:
                problems.append(
                    FieldProblem(f"labels[{code!r}]", "codes are lower-case, without spaces")
                )
            if not label.strip():
                problems.append(FieldProblem(f"labels[{code!r}]", "the label is empty"))
        if problems:
            raise ValidationError("invalid problem catalogue", problems)

    @classmethod
    def default(cls) -> ProblemCatalogue:
        """The library's default categories (:data:`DEFAULT_PROBLEMS`, in zh-CN too)."""
        return cls(DEFAULT_PROBLEMS, {"zh-CN": DEFAULT_PROBLEMS_ZH})

    def __contains__(self, code: object) -> bool:
        return code in self.labels

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def label(self, code: str, language: str = "en") -> str:
        """The label of ``code`` in ``language`` (else as in ``labels``); the code itself
        when the catalogue no longer has it."""
        for tag in language_chain(language):
            found = self.translations.get(tag, {}).get(code)
            if found is not None and code in self.labels:
                return found
        return self.labels.get(code, code)


DEFAULT_PROBLEMS: Mapping[str, str] = {
    "asked_same_document_twice": "I was asked for the same document twice",
    "did_not_know_status": "I did not know where my claim was",
    "payment_late": "The payment came late",
    "unclear_return_reason": "I did not understand why my claim was returned",
    "form_too_long": "The form was too long or asked for data you already have",
    "upload_failed": "Uploading my documents did not work",
    "amount_lower_than_expected": "Less was paid than I expected, without a clear reason",
    "no_answer_to_message": "Nobody answered my message",
    "slow_review": "The review took too long",
}
"""The default problem catalogue: the complaints insurers hear most often."""
# read-only: a caller changing it would change the library's behaviour for everyone
DEFAULT_PROBLEMS = MappingProxyType(dict(DEFAULT_PROBLEMS))
DEFAULT_PROBLEMS_ZH: Mapping[str, str] = MappingProxyType(
    {
        "asked_same_document_twice": "同一份文件被要求提交了两次",
        "did_not_know_status": "我不知道我的申请进展到哪一步",
        "payment_late": "付款太晚",
        "unclear_return_reason": "我不明白申请为什么被退回",
        "form_too_long": "表格太长，或要求填写您已有的信息",
        "upload_failed": "上传文件没有成功",
        "amount_lower_than_expected": "实付金额低于预期，且没有明确的原因",
        "no_answer_to_message": "我的留言没有人回复",
        "slow_review": "审核用时太长",
    }
)
"""The default catalogue's labels in Simplified Chinese (``zh-CN``)."""


_DECIDED = frozenset(
    {
        ClaimState.APPROVED,
        ClaimState.PARTIALLY_APPROVED,
        ClaimState.REJECTED,
        ClaimState.PAYMENT_REQUESTED,
        ClaimState.PAYMENT_APPROVED,
        ClaimState.PAYMENT_FAILED,
        ClaimState.PAID,
    }
)


@attrs.frozen
class FeedbackPolicy:
    """When feedback may be given and edited.

    ``allowed_states``: the claim states in which feedback may be given
    (by default every state after a decision). ``edit_window``: how long
    after it was given the customer may still edit it (``timedelta(0)``
    forbids edits). ``channels``: the channels accepted (empty: any
    non-empty name).
    """

    allowed_states: frozenset[ClaimState] = _DECIDED
    edit_window: timedelta = timedelta(days=14)
    channels: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        if self.edit_window < timedelta(0):
            raise ValidationError.at("edit_window", "must not be negative")
        if not self.allowed_states:
            raise ValidationError.at("allowed_states", "feedback would never be allowed")


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError.at(
            "at", f"{at.isoformat()} has no time zone; give an aware datetime"
        )


def _check_score(path: str, value: object, scale: range, name: str) -> list[FieldProblem]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value not in scale:
        return [
            FieldProblem(
                path, f"{name} is a whole number from {scale[0]} to {scale[-1]}, got {value!r}"
            )
        ]
    return []


def feedback_problems(
    feedback: Feedback, catalogue: ProblemCatalogue, policy: FeedbackPolicy
) -> list[FieldProblem]:
    """Every problem with ``feedback``'s values (empty when it is acceptable).

    Checks the scales (CSAT 1–5 per :class:`FeedbackStage`, CES 1–7, NPS 0–10), that
    each problem code is in ``catalogue`` and given once, the text's
    length, the channel, and that something at all was said.
    """
    problems: list[FieldProblem] = []
    for stage, rating in feedback.ratings.items():
        if not isinstance(stage, FeedbackStage):
            try:
                FeedbackStage(stage)
            except ValueError:
                known = ", ".join(s.value for s in FeedbackStage)
                problems.append(
                    FieldProblem(f"ratings[{stage!r}]", f"unknown stage; stages are {known}")
                )
                continue
        problems.extend(
            _check_score(f"ratings[{FeedbackStage(stage).value}]", rating, CSAT_SCALE, "CSAT")
        )
    problems.extend(_check_score("ces", feedback.ces, CES_SCALE, "the effort score (CES)"))
    problems.extend(_check_score("nps", feedback.nps, NPS_SCALE, "likelihood to recommend"))
    seen: set[str] = set()
    for i, code in enumerate(feedback.problems):
        if code not in catalogue:
            problems.append(
                FieldProblem(
                    f"problems[{i}]",
                    f"unknown problem category {code!r}; known: {', '.join(catalogue)}",
                )
            )
        elif code in seen:
            problems.append(FieldProblem(f"problems[{i}]", f"{code!r} is given twice"))
        seen.add(code)
    if len(feedback.text) > MAX_FEEDBACK_TEXT:
        problems.append(FieldProblem("text", f"longer than {MAX_FEEDBACK_TEXT} characters"))
    channel = feedback.channel.strip()
    if not channel:
        problems.append(FieldProblem("channel", "is empty; say where the feedback was given"))
    elif policy.channels and channel not in policy.channels:
        allowed = ", ".join(sorted(policy.channels))
        problems.append(FieldProblem("channel", f"{channel!r} is not one of {allowed}"))
    if not (
        feedback.ratings
        or feedback.ces is not None
        or feedback.nps is not None
        or feedback.problems
        or feedback.text.strip()
    ):
        problems.append(
            FieldProblem("", "the feedback is empty: give a rating, a score, a problem or text")
        )
    return problems


def _clean(feedback: Feedback) -> tuple[dict[FeedbackStage, int], str, str]:
    ratings = {FeedbackStage(s): feedback.ratings[s] for s in feedback.ratings}
    ordered = {s: ratings[s] for s in FeedbackStage if s in ratings}
    return ordered, feedback.text.strip(), feedback.channel.strip()


def _event_data(feedback: Feedback) -> dict[str, str]:
    data = {f"csat_{stage.value}": str(rating) for stage, rating in feedback.ratings.items()}
    if feedback.ces is not None:
        data["ces"] = str(feedback.ces)
    if feedback.nps is not None:
        data["nps"] = str(feedback.nps)
    if feedback.problems:
        data["problems"] = ",".join(feedback.problems)
    data["channel"] = feedback.channel
    # The text stays on the claim's feedback, not in the event, which reaches notifications.
    data["has_text"] = "yes" if feedback.text else "no"
    return data


def _record(
    claim: Claim,
    actor: Actor,
    at: datetime,
    feedback: Feedback,
    *,
    given_at: datetime,
    edited_at: datetime | None,
) -> Claim:
    """The claim holding ``feedback`` (cleaned, stamped) and its given/edited event."""
    ratings, text, channel = _clean(feedback)
    recorded = attrs.evolve(
        feedback,
        given_at=given_at,
        edited_at=edited_at,
        ratings=ratings,
        text=text,
        channel=channel,
        problems=tuple(feedback.problems),
    )
    type_ = EventType.FEEDBACK_GIVEN if edited_at is None else EventType.FEEDBACK_EDITED
    events = claim.with_next_event(type_, actor, at, data=_event_data(recorded))
    return attrs.evolve(claim, feedback=recorded, events=events)


def _validated(
    feedback: Feedback,
    catalogue: ProblemCatalogue,
    policy: FeedbackPolicy,
    extra: Iterable[FieldProblem] = (),
) -> None:
    problems = [*extra, *feedback_problems(feedback, catalogue, policy)]
    if problems:
        raise ValidationError("the feedback cannot be accepted", problems)


def give_feedback(
    claim: Claim,
    actor: Actor,
    at: datetime,
    feedback: Feedback,
    policy: FeedbackPolicy,
    catalogue: ProblemCatalogue,
) -> Claim:
    """The claim with the customer's feedback and a ``FEEDBACK_GIVEN`` event.

    The feedback is recorded as given at ``at`` (its ``given_at`` is
    replaced: the service's clock is the authority). Raises
    :class:`~reimbursement.errors.AuthorizationError` unless ``actor`` is the
    claim's customer, :class:`~reimbursement.errors.DuplicateError` when feedback
    was already given (edit it instead), and
    :class:`~reimbursement.errors.ValidationError` listing every problem: a state
    the policy does not allow, values out of range or unknown codes.
    """
    _require_aware(at)
    authorize_feedback(actor, claim)
    if claim.feedback is not None:
        raise DuplicateError(
            f"feedback on claim {claim.id} was already given at "
            f"{claim.feedback.given_at.isoformat()}; edit it instead"
        )
    extra = []
    if claim.state not in policy.allowed_states:
        allowed = ", ".join(s.value for s in ClaimState if s in policy.allowed_states)
        extra.append(
            FieldProblem(
                "state",
                f"claim {claim.id} is {claim.state.value}: feedback can be given once it is "
                f"{allowed}",
            )
        )
    _validated(feedback, catalogue, policy, extra)
    return _record(claim, actor, at, feedback, given_at=at, edited_at=None)


def edit_feedback(
    claim: Claim,
    actor: Actor,
    at: datetime,
    feedback: Feedback,
    policy: FeedbackPolicy,
    catalogue: ProblemCatalogue,
) -> Claim:
    """The claim with its feedback replaced by ``feedback`` and a ``FEEDBACK_EDITED`` event.

    The original ``given_at`` is kept and ``edited_at`` becomes ``at``.
    Raises :class:`~reimbursement.errors.AuthorizationError` unless ``actor`` is
    the claim's customer, and :class:`~reimbursement.errors.ValidationError` when
    there is no feedback to edit, the edit window is closed, or a value is
    out of range or unknown.
    """
    _require_aware(at)
    authorize_feedback(actor, claim)
    current = claim.feedback
    if current is None:
        raise ValidationError.at("feedback", f"claim {claim.id} has no feedback to edit; give it")
    extra = []
    closes = current.given_at + policy.edit_window
    if at > closes:
        extra.append(
            FieldProblem(
                "at",
                f"feedback can be edited until {closes.isoformat()} "
                f"({policy.edit_window} after it was given)",
            )
        )
    _validated(feedback, catalogue, policy, extra)
    return _record(claim, actor, at, feedback, given_at=current.given_at, edited_at=at)
