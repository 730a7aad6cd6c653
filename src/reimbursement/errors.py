"""Every error the library raises, under one root.

Each error also subclasses the built-in exception that fits it, so callers
that already catch ``ValueError`` or ``PermissionError`` keep working::

    ReimbursementError
    ├── ValidationError (ValueError)          bad input; ``.problems`` lists each field path
    │   ├── CurrencyMismatchError             arithmetic or comparison across currencies
    │   ├── InvalidTransitionError            an action the claim's state does not allow
    │   ├── CalendarError                     a business calendar that cannot work
    │   └── DelegationLoopError               out-of-office delegates that point in a circle
    ├── NotFoundError (LookupError)
    │   ├── ClaimNotFoundError
    │   ├── CustomerNotFoundError
    │   ├── DocumentNotFoundError
    │   ├── RateNotFoundError                 no exchange rate for a currency pair and day
    │   └── NoEligibleReviewerError           nobody may review this claim
    ├── AuthorizationError (PermissionError)  not allowed: role, ownership, four-eyes
    │   └── FourEyesError                     the same person would act twice
    ├── ConcurrencyError (RuntimeError)       a save based on a stale version of the claim
    ├── DuplicateError (ValueError)           an id that already exists
    └── PaymentError (RuntimeError)           the payment gateway could not take the instruction

Adapters translate their drivers' errors into these. A refused command never
changes the claim: every check runs before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "AuthorizationError",
    "CalendarError",
    "ClaimNotFoundError",
    "ConcurrencyError",
    "CurrencyMismatchError",
    "CustomerNotFoundError",
    "DelegationLoopError",
    "DocumentNotFoundError",
    "DuplicateError",
    "FieldProblem",
    "FourEyesError",
    "InvalidTransitionError",
    "NoEligibleReviewerError",
    "NotFoundError",
    "PaymentError",
    "RateNotFoundError",
    "ReimbursementError",
    "ValidationError",
]


class ReimbursementError(Exception):
    """Root of every error raised by :mod:`reimbursement`."""


@attrs.frozen
class FieldProblem:
    """One thing wrong with one field of the input.

    ``path`` is a dotted path into the input (``lines[1].amount``), empty for
    the input as a whole.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationError(ReimbursementError, ValueError):
    """The input is not acceptable; ``problems`` says where and why."""

    def __init__(self, message: str, problems: Iterable[FieldProblem] = ()) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        if self.problems:
            details = "; ".join(str(p) for p in self.problems)
            message = f"{message}: {details}"
        super().__init__(message)

    @classmethod
    def at(cls, path: str, message: str) -> ValidationError:
        """One problem at one field."""
        return cls("invalid input", [FieldProblem(path, message)])


class CurrencyMismatchError(ValidationError):
    """Two amounts in different currencies were combined."""


class InvalidTransitionError(ValidationError):
    """The claim's current state does not allow the action.

    The message names the claim, its state, the action refused and the
    actions the state allows, so that the caller knows what to do instead.
    """

    def __init__(self, claim_id: str, state: str, action: str, allowed: Sequence[str]) -> None:
        self.claim_id = claim_id
        self.state = state
        self.action = action
        self.allowed = tuple(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none (final state)"
        super().__init__(
            f"claim {claim_id} is {state}: cannot {action}; allowed actions: {allowed_text}"
        )


class NotFoundError(ReimbursementError, LookupError):
    """Something looked up by its id does not exist."""


class ClaimNotFoundError(NotFoundError):
    """No claim with this id."""


class CustomerNotFoundError(NotFoundError):
    """The customer directory does not know this customer."""


class DocumentNotFoundError(NotFoundError):
    """The document store has no document with this id."""


class RateNotFoundError(NotFoundError):
    """No exchange rate for the currency pair on (or shortly before) the day."""


class AuthorizationError(ReimbursementError, PermissionError):
    """The actor is not allowed to do this: wrong role, not their claim, or four-eyes."""


class ConcurrencyError(ReimbursementError, RuntimeError):
    """The claim was changed by someone else since it was read; reload and retry."""


class DuplicateError(ReimbursementError, ValueError):
    """An object with this id already exists."""


class PaymentError(ReimbursementError, RuntimeError):
    """The payment gateway refused or could not take the payment instruction."""


class CalendarError(ValidationError):
    """A business calendar that cannot work: overlapping hours, unknown zone, empty week."""


class DelegationLoopError(ValidationError):
    """Out-of-office delegates that lead back to where they started."""


class NoEligibleReviewerError(NotFoundError):
    """No reviewer in the pool may take the claim (skills, authority, four-eyes, availability)."""


class FourEyesError(AuthorizationError):
    """The same person would act twice where two people are required."""
