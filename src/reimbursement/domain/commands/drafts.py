"""Drafts and submissions: lines, patches, documents, readiness."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ...errors import FieldProblem, MissingDocumentsError, ValidationError
from .._ids import position
from .._replace import replace
from .._vector import appended, replaced
from ..actors import Actor
from ..checklist import DocumentRequirements, missing_problems
from ..checks import require_items, require_text
from ..claim import Attachment, Claim, Claimant
from ..events import EventType
from ..frozen import FrozenMap
from ..inputs import ClaimPatch, LineInput
from ..lifecycle import LIFECYCLE, Action, ClaimState
from ..limits import DEFAULT_LIMITS, ClaimLimits
from ._common import Convert, _step
from ._patching import _patch, _patch_data

PREFILLED_FIELDS = ("name", "policy_number", "payee_account", "email", "language")
"""The claimant's fields a draft is pre-filled with (its ``currency`` comes from the directory)."""
FROM_DIRECTORY = "directory"
FROM_LAST_CLAIM = "last_claim"


def prefill(directory: Claimant, last: Claimant | None) -> tuple[Claimant, FrozenMap[str, str]]:
    """The claimant of a new draft, and where each of its pre-filled fields came from.

    The customer directory is the system of record: each field it holds
    wins. The customer's ``last`` claim fills only a field the directory
    leaves blank; a field neither holds stays blank and is not listed.
    ``currency`` is always the directory's (the policy's currency).
    """
    values = {}
    sources = {}
    for field in PREFILLED_FIELDS:
        value = getattr(directory, field)
        source = FROM_DIRECTORY
        if not value.strip() and last is not None:
            value, source = getattr(last, field), FROM_LAST_CLAIM
        values[field] = value
        if value.strip():
            sources[field] = source
    claimant = replace(directory, **values)
    if last is not None and last == claimant:
        claimant = last  # one shared record per customer, not one per claim
    sources["currency"] = FROM_DIRECTORY
    key = tuple(sources.items())
    shared = _SOURCES.get(key)
    if shared is None:
        shared = _SOURCES[key] = FrozenMap(sources)
    return claimant, shared


# Each distinct map of sources, made once and shared by every claim that has it (it cannot
# change): a FrozenMap and its dict per stored claim were about 400 bytes and one more
# object for every full garbage collection to walk. At most 3 ** len(PREFILLED_FIELDS)
# keys (each field from the directory, the last claim or blank).
_SOURCES: dict[tuple[tuple[str, str], ...], FrozenMap[str, str]] = {}


Signed = Callable[[Claim], Mapping[str, str]]
"""Checks the signature over a claim about to be (re)submitted; gives the event's record of it."""


def start_draft(
    claim_id: str,
    claimant: Claimant,
    currency: str,
    actor: Actor,
    at: datetime,
    lines: Sequence[LineInput],
    convert: Convert,
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
    prefilled: Mapping[str, str] | None = None,
) -> Claim:
    """A new draft for ``claimant``, holding ``lines`` (a list or tuple of ``LineInput``).

    ``prefilled`` says where the claimant's fields came from (see :func:`prefill`).
    """
    require_text("claim_id", claim_id, limits.max_id_length, empty=False)
    given = require_items("lines", lines, LineInput, "LineInput")
    empty = Claim(claim_id, claimant, currency, ClaimState.DRAFT, at, prefilled=prefilled or {})
    patched = _patch(empty, ClaimPatch(add_lines=given), at, convert, limits, "lines")
    return replace(
        empty,
        lines=patched.lines,
        last_line_number=patched.last_line_number,
        events=empty.with_next_event(EventType.DRAFT_STARTED, actor, at),
    )


def update_draft(
    claim: Claim,
    actor: Actor,
    at: datetime,
    patch: ClaimPatch,
    convert: Convert,
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
) -> Claim:
    """The draft with ``patch`` applied; its cost grows with the patch, not with the claim."""
    LIFECYCLE.target(claim.id, claim.state, Action.UPDATE_DRAFT)
    patched = _patch(claim, patch, at, convert, limits)
    return _step(
        claim,
        Action.UPDATE_DRAFT,
        actor,
        at,
        EventType.DRAFT_UPDATED,
        data=_patch_data(patch),
        lines=patched.lines,
        claimant=patched.claimant,
        last_line_number=patched.last_line_number,
    )


_NO_RULES = DocumentRequirements()
_ATTACHABLE = frozenset({ClaimState.DRAFT, ClaimState.RETURNED})


def check_attachable(
    claim: Claim, line_id: str | None = None, *, limits: ClaimLimits = DEFAULT_LIMITS
) -> int | None:
    """Raise a :class:`~reimbursement.errors.ValidationError` unless a document can be added now.

    Documents go on a draft or a claim returned for correction that holds
    fewer than ``limits.max_attachments``, and to a line the claim has
    (returned: its position in ``claim.lines``). Check before storing the
    document's bytes, so a refusal leaves nothing behind.
    """
    if claim.state not in _ATTACHABLE:
        raise ValidationError.at(
            "state",
            f"claim {claim.id} is {claim.state}: documents can be added to a draft "
            "or a claim returned for correction",
        )
    if len(claim.attachments) >= limits.max_attachments:
        raise ValidationError.at(
            "attachments",
            f"claim {claim.id} holds {len(claim.attachments):,} documents, the most a claim "
            "may hold",
        )
    if line_id is None:
        return None
    require_text("line_id", line_id, limits.max_id_length, empty=False)
    index = position(claim.lines, "L", line_id)
    if index is None:
        raise ValidationError.at("line_id", f"no line {line_id!r} on the claim")
    return index


def add_attachment(
    claim: Claim,
    actor: Actor,
    at: datetime,
    attachment: Attachment,
    line_id: str | None = None,
    *,
    limits: ClaimLimits = DEFAULT_LIMITS,
    details: Mapping[str, str] | None = None,
) -> Claim:
    """The claim with one more document, linked to line ``line_id`` when given.

    ``details`` are recorded on its event too (where an e-invoice's values came from).

    Only while the customer can edit the claim (see :func:`check_attachable`).
    ``attachment.id`` must be new: the desk takes it from the ``DocumentStore``,
    whose contract is that every document gets a new id (no claim is read
    through to check it, so that attaching costs the same on any claim).
    """
    index = check_attachable(claim, line_id, limits=limits)
    lines = claim.lines
    data = {**(details or {}), "attachment_id": attachment.id, "file_name": attachment.file_name}
    if index is not None:
        line = lines[index]
        linked = replace(line, attachment_ids=(*line.attachment_ids, attachment.id))
        lines = replaced(lines, index, linked)
        data["line_id"] = line.id
    return replace(
        claim,
        lines=lines,
        attachments=appended(claim.attachments, attachment),
        events=claim.with_next_event(EventType.ATTACHMENT_ADDED, actor, at, data=data),
    )


def check_ready(
    claim: Claim,
    *,
    require_receipts: bool = True,
    requirements: DocumentRequirements | None = None,
) -> None:
    """Raise a :class:`~reimbursement.errors.ValidationError` listing what the claim lacks.

    With ``requirements``, also each document its checklist still misses
    (then the error is a :class:`~reimbursement.errors.MissingDocumentsError`).
    """
    missing = missing_problems(claim, requirements or _NO_RULES)
    problems = []
    if not claim.lines:
        problems.append(FieldProblem("lines", "the claim has no expense line"))
    attached = {a.id for a in claim.attachments}
    for i, line in enumerate(claim.lines):
        if require_receipts and not line.attachment_ids:
            problems.append(
                FieldProblem(
                    f"lines[{i}].attachment_ids", "attach the receipt or invoice for this expense"
                )
            )
        for ref in line.attachment_ids:
            if ref not in attached:
                problems.append(
                    FieldProblem(
                        f"lines[{i}].attachment_ids", f"no attachment {ref!r} on the claim"
                    )
                )
    if not claim.claimant.payee_account.strip():
        problems.append(FieldProblem("claimant.payee_account", "say where to pay the money"))
    if missing:
        raise MissingDocumentsError(
            f"claim {claim.id} is not ready to submit", [*problems, *missing]
        )
    if problems:
        raise ValidationError(f"claim {claim.id} is not ready to submit", problems)


def submit(
    claim: Claim,
    actor: Actor,
    at: datetime,
    number: str | Callable[[], str],
    *,
    require_receipts: bool = True,
    requirements: DocumentRequirements | None = None,
    signed: Signed | None = None,
) -> Claim:
    """The draft, submitted under ``number``.

    ``number`` may be a function that gives it: it is called only once the
    claim is known to be complete, so that a refused submission takes no
    number from a sequence (gaps would puzzle auditors). ``signed`` checks
    the customer's signature over the claim as submitted and gives what the
    event records of it (it raises to refuse the submission).
    """
    LIFECYCLE.target(claim.id, claim.state, Action.SUBMIT)
    check_ready(claim, require_receipts=require_receipts, requirements=requirements)
    signature = {} if signed is None else signed(claim)
    if callable(number):
        number = number()
    return _step(
        claim,
        Action.SUBMIT,
        actor,
        at,
        EventType.SUBMITTED,
        data={"number": number, "claimed": str(claim.claimed_total), **signature},
        number=number,
        submitted_at=at,
    )


def resubmit(
    claim: Claim,
    actor: Actor,
    at: datetime,
    patch: ClaimPatch,
    convert: Convert,
    *,
    require_receipts: bool = True,
    limits: ClaimLimits = DEFAULT_LIMITS,
    requirements: DocumentRequirements | None = None,
    signed: Signed | None = None,
) -> Claim:
    """The returned claim, fixed by ``patch`` and submitted again (``signed``: as to submit)."""
    LIFECYCLE.target(claim.id, claim.state, Action.RESUBMIT)
    patched = _patch(claim, patch, at, convert, limits)
    fixed = replace(
        claim,
        lines=patched.lines,
        claimant=patched.claimant,
        last_line_number=patched.last_line_number,
    )
    check_ready(fixed, require_receipts=require_receipts, requirements=requirements)
    data = {**_patch_data(patch), **({} if signed is None else signed(fixed))}
    return _step(fixed, Action.RESUBMIT, actor, at, EventType.RESUBMITTED, data=data)
