"""Every error the library raises, under one root.

Each error also subclasses the built-in exception that fits it, so callers
that already catch ``ValueError`` or ``PermissionError`` keep working::

    ReimbursementError
    ├── ValidationError (ValueError)          bad input; ``.problems`` lists each field path
    │   ├── CurrencyMismatchError             arithmetic or comparison across currencies
    │   ├── InvalidTransitionError            an action the claim's state does not allow
    │   ├── CalendarError                     a business calendar that cannot work
    │   ├── TemplateError                     a notification template missing, unknown or unsafe
    │   ├── MissingDocumentsError             a submission without the documents it needs
    │   ├── DelegationLoopError               out-of-office delegates that point in a circle
    │   └── SignatureError                    a signature that does not verify over what it signs
    ├── NotFoundError (LookupError)
    │   ├── ClaimNotFoundError
    │   ├── CustomerNotFoundError
    │   ├── DocumentNotFoundError
    │   ├── RateNotFoundError                 no exchange rate for a currency pair and day
    │   ├── NoEligibleReviewerError           nobody may review this claim
    │   └── NotSealedError                    an event the desk's Merkle log does not hold yet
    ├── AuthorizationError (PermissionError)  not allowed: role, ownership, four-eyes
    │   └── FourEyesError                     the same person would act twice
    ├── ConcurrencyError (RuntimeError)       a save based on a stale version of the claim
    ├── DuplicateError (ValueError)           an id that already exists
    │   ├── DuplicateRequestError             a request key another unit of work committed first
    │   └── RequestMismatchError              a request id sent again with other arguments
    ├── PaymentError (RuntimeError)           the payment gateway could not take the instruction
    ├── ProofError (ValueError)               a Merkle proof or log checkpoint that does not verify
    ├── DeliveryError (RuntimeError)          a notification channel could not deliver (retried)
    │   └── DeliveryDeferred                  not now (quiet hours, Retry-After): at ``until``
    ├── MissingExtraError (ModuleNotFoundError) an optional package is not installed
    └── StorageError (RuntimeError)           the store cannot be reached or used
        ├── StoredDataError                   a stored record that cannot be read back as valid
        └── SchemaVersionError                a database schema older or newer than this library's

Adapters translate their drivers' errors into these. A refused command never
changes the claim: every check runs before anything is written.

An error stays small whatever input it refuses: a :class:`ValidationError`
lists at most :data:`MAX_PROBLEMS` problems (and says how many more there
were), and each :class:`FieldProblem` keeps at most :data:`MAX_PROBLEM_PATH`
characters of its path and :data:`MAX_PROBLEM_TEXT` of its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import islice
from typing import Final

import attrs

from ._show import cut, writable

__all__ = [
    "MAX_PROBLEMS",
    "MAX_PROBLEM_PATH",
    "MAX_PROBLEM_TEXT",
    "AuthorizationError",
    "CalendarError",
    "ClaimNotFoundError",
    "ConcurrencyError",
    "CurrencyMismatchError",
    "CustomerNotFoundError",
    "DelegationLoopError",
    "DeliveryDeferred",
    "DeliveryError",
    "DocumentNotFoundError",
    "DuplicateError",
    "DuplicateRequestError",
    "FieldProblem",
    "FourEyesError",
    "InvalidTransitionError",
    "MissingDocumentsError",
    "MissingExtraError",
    "NoEligibleReviewerError",
    "NotFoundError",
    "NotSealedError",
    "PaymentError",
    "ProofError",
    "RateNotFoundError",
    "ReimbursementError",
    "RequestMismatchError",
    "SchemaVersionError",
    "SignatureError",
    "StorageError",
    "StoredDataError",
    "TemplateError",
    "ValidationError",
]


MAX_PROBLEMS: Final = 20
"""The most problems a :class:`ValidationError` keeps and lists; it counts the others."""
MAX_PROBLEM_PATH: Final = 200
"""The most characters of a :attr:`FieldProblem.path` (a longer one keeps its start and end)."""
MAX_PROBLEM_TEXT: Final = 500
"""The most characters of a :attr:`FieldProblem.message` (likewise cut in the middle)."""


class ReimbursementError(Exception):
    """Root of every error raised by :mod:`reimbursement`."""


def _cut_path(path: str) -> str:
    return cut(writable(path), MAX_PROBLEM_PATH)


def _cut_message(message: str) -> str:
    return cut(writable(message), MAX_PROBLEM_TEXT)


@attrs.frozen
class FieldProblem:
    """One thing wrong with one field of the input.

    ``path`` is a dotted path into the input (``lines[1].amount``), empty for
    the input as a whole. Both are cut to a bounded length
    (:data:`MAX_PROBLEM_PATH`, :data:`MAX_PROBLEM_TEXT`) and any lone
    surrogate in them is escaped, so a problem stays small and can be
    written as UTF-8 whatever the input held.
    """

    path: str = attrs.field(converter=_cut_path)
    message: str = attrs.field(converter=_cut_message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ValidationError(ReimbursementError, ValueError):
    """The input is not acceptable; ``problems`` says where and why.

    ``problems`` holds the first :data:`MAX_PROBLEMS` problems given (in
    their order) and ``omitted`` counts those left off; the message lists
    the same, then "… and 99,980 more problems".
    """

    def __init__(self, message: str, problems: Iterable[FieldProblem] = ()) -> None:
        message = cut(writable(message), MAX_PROBLEM_TEXT)
        given = iter(problems)
        self.problems: tuple[FieldProblem, ...] = tuple(islice(given, MAX_PROBLEMS))
        self.omitted: int = sum(1 for _ in given)
        if self.problems:
            details = "; ".join(str(p) for p in self.problems)
            message = f"{message}: {details}"
        if self.omitted:
            message += f"; … and {self.omitted:,} more problem{'s' if self.omitted > 1 else ''}"
        super().__init__(message)

    @classmethod
    def at(cls, path: str, message: str) -> ValidationError:
        """One problem at one field."""
        return cls("invalid input", [FieldProblem(path, message)])


class MissingDocumentsError(ValidationError):
    """A submission lacks documents its checklist needs; ``problems`` lists each one."""


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


class DuplicateRequestError(DuplicateError):
    """Another unit of work committed the same request key first; nothing was written.

    The desk answers it by replaying the call, which returns what the first one produced.
    """


class RequestMismatchError(DuplicateError):
    """A request id already used for another command, or for the same one with other arguments.

    A request id names one call: send a new id for a new call.
    """


class StorageError(ReimbursementError, RuntimeError):
    """The store cannot be reached or used (connection lost, database down, disk full).

    The message names the connection (without its password) and what was attempted;
    nothing of the failed unit of work was written.
    """

    claim_id: str | None = None
    """The stored claim that could not be read, when one is to blame (the SLA sweeper
    skips it and goes on with the others)."""


class StoredDataError(StorageError):
    """A stored record cannot be read back as a valid one (a corrupted row, a bad JSON document).

    The message names the record (the claim id) and what is wrong with it.
    """


class SchemaVersionError(StorageError):
    """The database schema is not the one this library version works with.

    Older: run ``python -m reimbursement db upgrade --database URL``; newer:
    upgrade the library before you use this database.
    """


class PaymentError(ReimbursementError, RuntimeError):
    """The payment gateway refused or could not take the payment instruction."""


class MissingExtraError(ReimbursementError, ModuleNotFoundError):
    """An optional package is not installed; the message says which extra installs it.

    ``name`` is the package (as on :class:`ModuleNotFoundError`), ``extra``
    the extra to install (``pip install "reimbursement[<extra>]"``).
    """

    def __init__(self, package: str, extra: str, needed_for: str) -> None:
        super().__init__(
            f"the {package!r} package is needed for {needed_for} and is not installed: "
            f'pip install "reimbursement[{extra}]"',
            name=package,
        )
        self.extra = extra
        self.needed_for = needed_for

    def __reduce__(self) -> tuple[type[MissingExtraError], tuple[str, str, str]]:
        return type(self), (self.name or "", self.extra, self.needed_for)


class DeliveryError(ReimbursementError, RuntimeError):
    """A notification channel could not deliver; the outbox keeps the message and retries."""


class DeliveryDeferred(DeliveryError):
    """A message that must not go out before ``until`` (quiet hours, a receiver's Retry-After).

    The dispatcher puts it back in the outbox until then; it is not a
    failed attempt of the channel. ``holds_line`` says whether the claim's
    later messages wait behind it: they do for a receiver that asks to wait
    (``Retry-After``: it would get them out of order), they do not for the
    customer's quiet hours (``holds_line=False``), so that an urgent message
    queued later goes out at once; the later non-urgent ones are held by the
    same quiet hours and leave in their order when those end.
    """

    def __init__(self, message: str, until: datetime, *, holds_line: bool = True) -> None:
        super().__init__(message)
        self.until = until
        self.holds_line = holds_line

    def __reduce__(self) -> tuple[Callable[..., DeliveryDeferred], tuple[object, ...]]:
        return _deferred, (type(self), str(self), self.until, self.holds_line)


def _deferred(
    kind: type[DeliveryDeferred], message: str, until: datetime, holds_line: bool
) -> DeliveryDeferred:
    return kind(message, until, holds_line=holds_line)


class TemplateError(ValidationError):
    """A notification template that is missing, names a value it is not given, or is unsafe.

    Found when the templates are loaded (at start-up, and by ``python -m
    reimbursement check-templates``), never at send time.
    """


class CalendarError(ValidationError):
    """A business calendar that cannot work: overlapping hours, unknown zone, empty week."""


class DelegationLoopError(ValidationError):
    """Out-of-office delegates that lead back to where they started."""


class NoEligibleReviewerError(NotFoundError):
    """No reviewer in the pool may take the claim (skills, authority, four-eyes, availability)."""


class NotSealedError(NotFoundError):
    """An event the desk's Merkle log does not hold yet: ask again once it is sealed."""


class FourEyesError(AuthorizationError):
    """The same person would act twice where two people are required."""


class SignatureError(ValidationError):
    """A signature that does not verify: other bytes, another key, a malformed signature."""


class ProofError(ReimbursementError, ValueError):
    """A Merkle proof, checkpoint or log that does not verify: the record was changed."""
