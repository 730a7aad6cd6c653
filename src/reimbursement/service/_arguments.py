"""What the desk checks of its arguments' Python types, before any unit of work.

A call given the wrong kind of value (a string for an actor, a mapping
where a list belongs, a naive datetime) raises a
:class:`~reimbursement.errors.ValidationError` naming the argument, never an
``AttributeError`` or ``TypeError`` from deep inside. The values themselves
(lengths, scales, codes) are checked by the domain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from ..domain.actors import Actor
from ..domain.checks import (
    require_aware,
    require_items,
    require_iterable,
    require_text,
    require_type,
    type_name,
)
from ..domain.claim import Claim
from ..domain.feedback import Feedback, FeedbackStage
from ..domain.feedback_rules import MAX_FEEDBACK_TEXT
from ..domain.lifecycle import ClaimState
from ..errors import ValidationError
from ..ports import Clock, RequestRecord

__all__ = [
    "Answers",
    "CheckedClock",
    "Produced",
    "Request",
    "canonical",
    "check_actor",
    "check_feedback",
    "check_states",
]

_STATES = {state.value: state for state in ClaimState}


def check_actor(actor: object) -> Actor:
    """``actor`` when it is an :class:`Actor`."""
    return require_type("actor", actor, Actor, "an Actor, such as Actor.customer('C-7')")


class CheckedClock:
    """The desk's clock: what the adapter says, refused unless it is an aware ``datetime``.

    A clock giving naive datetimes would be accepted by the first call and
    fail much later (an SLA deadline, a comparison in routing); every
    reading is checked here instead, naming the clock.
    """

    __slots__ = ("_clock", "_source")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._source = f"the desk's clock ({type(clock).__name__}.now())"

    def now(self) -> datetime:
        """The adapter's current instant, once checked."""
        return require_aware("clock", self._clock.now(), self._source)

    def now_after(self, last: datetime | None) -> datetime:
        """The time to stamp a claim's next event with: :meth:`now`, never before ``last``.

        ``last`` is the claim's latest event time (``claim.updated_at``). A host
        whose clock is a little behind the host that wrote that event stamps
        it instead, so that a claim's timeline never goes back in time.
        """
        now = self.now()
        return max(now, last or now)


def check_states(states: object) -> tuple[ClaimState, ...]:
    """``states`` as a tuple of :class:`ClaimState`; each may be given by its value."""
    found = []
    for i, state in enumerate(require_iterable("states", states, "claim states")):
        member = _STATES.get(state) if isinstance(state, str) else None
        if member is None:
            raise ValidationError.at(
                f"states[{i}]", f"{str(state)[:40]!r} is not a claim state ({type_name(state)})"
            )
        found.append(member)
    return tuple(found)


def check_feedback(
    ratings: object, problems: object, text: object, channel: object, id_length: int
) -> None:
    """The types of feedback's arguments (scores are checked on their scales by the domain).

    Problem codes and the channel are one-line texts of at most ``id_length``.
    """
    if ratings is not None and not isinstance(ratings, Mapping):
        raise ValidationError.at(
            "ratings", f"must be a mapping of stage to score, got {type_name(ratings)}"
        )
    for key in ratings or {}:
        require_type(f"ratings[{str(key)[:40]!r}]", key, str, "a stage (FeedbackStage)")
    for i, code in enumerate(require_items("problems", problems, str, "problem codes (str)")):
        require_text(f"problems[{i}]", code, id_length)
    require_text("text", text, MAX_FEEDBACK_TEXT, multiline=True)
    require_text("channel", channel, id_length)


@attrs.frozen
class Answers:
    """What a feedback call says, before the desk's clock stamps it."""

    ratings: Mapping[FeedbackStage, int] | None
    ces: int | None
    nps: int | None
    problems: Sequence[str]
    text: str
    channel: str

    def given_at(self, at: datetime) -> Feedback:
        """The feedback, as given at ``at``."""
        ratings = dict(self.ratings or {})
        return Feedback(
            at, ratings, self.ces, self.nps, tuple(self.problems), self.text, self.channel
        )

    def fingerprint(self) -> tuple[object, ...]:
        """What tells a repeated call from a different one."""
        ratings = sorted((self.ratings or {}).items())
        return (ratings, self.ces, self.nps, tuple(self.problems), self.text, self.channel)


@attrs.frozen
class Request:
    """A call sent with a request id: its key in the store and what it asked for."""

    key: str
    fingerprint: str

    def record(self, claim: Claim) -> RequestRecord:
        """What to remember once the call produced ``claim``: its id, version and itself."""
        return RequestRecord(self.key, self.fingerprint, claim.id, claim.version, claim)


@attrs.frozen
class Produced:
    """What a call that changes a claim produced, or a replay found it had produced.

    ``claim`` is the claim as the (first) call left it (a replay reads it from
    the request's record); ``version`` its version once that call committed,
    ``None`` for a request kept before stores held it.
    """

    claim: Claim
    version: int | None


def canonical(value: object) -> object:
    """An argument of a call as its request's fingerprint holds it (bytes by their hash)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    return repr(value)
