"""Drafts and submissions: lines, patches, documents, readiness."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from ...errors import FieldProblem, ValidationError
from .._replace import replace
from ..actors import Actor
from ..claim import (
    Attachment,
    Claim,
    Claimant,
    ExpenseLine,
)
from ..events import NO_DATA, EventType
from ..inputs import ClaimPatch, LineInput, LinePatch
from ..lifecycle import LIFECYCLE, Action, ClaimState
from ..money import Money
from ._common import Convert, _next_id, _step


def _check_line_fields(
    path: str, line: LineInput | ExpenseLine, at: datetime
) -> list[FieldProblem]:
    problems = []
    if not line.category.strip():
        problems.append(FieldProblem(f"{path}.category", "is empty; name the kind of expense"))
    if not line.provider.strip():
        problems.append(FieldProblem(f"{path}.provider", "is empty; name who was paid"))
    if line.amount.amount <= 0:
        problems.append(FieldProblem(f"{path}.amount", f"must be above zero, got {line.amount}"))
    if line.incurred_on > at.date():
        problems.append(
            FieldProblem(f"{path}.incurred_on", f"{line.incurred_on} is in the future")
        )
    return problems


def _line(line_id: str, item: LineInput, claimed: Money, rate: Decimal | None) -> ExpenseLine:
    return ExpenseLine(
        line_id,
        item.category.strip(),
        item.incurred_on,
        item.provider.strip(),
        item.amount,
        claimed,
        item.description,
        tuple(item.attachment_ids),
        rate,
    )


def _new_line(line_id: str, item: LineInput, currency: str, convert: Convert) -> ExpenseLine:
    return _line(line_id, item, *convert(item.amount, currency, item.incurred_on))


def _patched_line(
    line: ExpenseLine, patch: LinePatch, currency: str, convert: Convert
) -> ExpenseLine:
    item = LineInput(
        patch.category if patch.category is not None else line.category,
        patch.incurred_on if patch.incurred_on is not None else line.incurred_on,
        patch.provider if patch.provider is not None else line.provider,
        patch.amount if patch.amount is not None else line.amount,
        patch.description if patch.description is not None else line.description,
        patch.attachment_ids if patch.attachment_ids is not None else line.attachment_ids,
    )
    if item.amount == line.amount and item.incurred_on == line.incurred_on:
        return _line(line.id, item, line.claimed, line.fx_rate)  # same rate day, same amount
    return _line(line.id, item, *convert(item.amount, currency, item.incurred_on))


def _patch(
    claim: Claim, patch: ClaimPatch, at: datetime, convert: Convert
) -> tuple[tuple[ExpenseLine, ...], Claimant]:
    """The lines and claimant after ``patch``; a ValidationError lists every problem."""
    problems: list[FieldProblem] = []
    known = {line.id for line in claim.lines}
    for i, line_id in enumerate(patch.remove_lines):
        if line_id not in known:
            problems.append(FieldProblem(f"remove_lines[{i}]", f"no line {line_id!r}"))
    changed: dict[str, LinePatch] = {}
    for i, change in enumerate(patch.change_lines):
        if change.line_id not in known or change.line_id in patch.remove_lines:
            problems.append(FieldProblem(f"change_lines[{i}]", f"no line {change.line_id!r}"))
        elif change.line_id in changed:
            problems.append(FieldProblem(f"change_lines[{i}]", "changes a line twice"))
        else:
            changed[change.line_id] = change
    for i, item in enumerate(patch.add_lines):
        problems.extend(_check_line_fields(f"add_lines[{i}]", item, at))
    if patch.payee_account is not None and not patch.payee_account.strip():
        problems.append(FieldProblem("payee_account", "is empty"))
    if problems:
        raise ValidationError("the changes cannot be applied", problems)
    lines: list[ExpenseLine] = []
    for line in claim.lines:
        if line.id in patch.remove_lines:
            continue
        patch_of_line = changed.get(line.id)
        lines.append(
            line
            if patch_of_line is None
            else _patched_line(line, patch_of_line, claim.currency, convert)
        )
    for line in lines:
        if line.id in changed:
            problems.extend(_check_line_fields(f"change_lines[{line.id}]", line, at))
    if problems:
        raise ValidationError("the changes cannot be applied", problems)
    new_id = _next_id("L", [line.id for line in claim.lines])
    lines.extend(_new_line(new_id(), item, claim.currency, convert) for item in patch.add_lines)
    claimant = claim.claimant
    if patch.payee_account is not None:
        claimant = replace(claimant, payee_account=patch.payee_account.strip())
    return tuple(lines), claimant


def _patch_data(patch: ClaimPatch) -> Mapping[str, str]:
    data = {}
    if patch.add_lines:
        data["lines_added"] = str(len(patch.add_lines))
    if patch.change_lines:
        data["lines_changed"] = ",".join(c.line_id for c in patch.change_lines)
    if patch.remove_lines:
        data["lines_removed"] = ",".join(patch.remove_lines)
    if patch.payee_account is not None:
        data["payee_account_changed"] = "yes"
    return data or NO_DATA


def start_draft(
    claim_id: str,
    claimant: Claimant,
    currency: str,
    actor: Actor,
    at: datetime,
    lines: Sequence[LineInput],
    convert: Convert,
) -> Claim:
    """A new draft for ``claimant``, holding ``lines``."""
    empty = Claim(claim_id, claimant, currency, ClaimState.DRAFT, at)
    new_lines, _ = _patch(empty, ClaimPatch(add_lines=tuple(lines)), at, convert)
    return replace(
        empty, lines=new_lines, events=empty.with_next_event(EventType.DRAFT_STARTED, actor, at)
    )


def update_draft(
    claim: Claim, actor: Actor, at: datetime, patch: ClaimPatch, convert: Convert
) -> Claim:
    """The draft with ``patch`` applied."""
    LIFECYCLE.target(claim.id, claim.state, Action.UPDATE_DRAFT)
    lines, claimant = _patch(claim, patch, at, convert)
    return _step(
        claim,
        Action.UPDATE_DRAFT,
        actor,
        at,
        EventType.DRAFT_UPDATED,
        data=_patch_data(patch),
        lines=lines,
        claimant=claimant,
    )


_ATTACHABLE = frozenset({ClaimState.DRAFT, ClaimState.RETURNED})


def check_attachable(claim: Claim, line_id: str | None = None) -> None:
    """Raise a :class:`~reimbursement.errors.ValidationError` unless a document can be added now.

    Documents go on a draft or a claim returned for correction, and to a line
    the claim has. Check before storing the document's bytes, so a refusal
    leaves nothing behind.
    """
    if claim.state not in _ATTACHABLE:
        raise ValidationError.at(
            "state",
            f"claim {claim.id} is {claim.state}: documents can be added to a draft "
            "or a claim returned for correction",
        )
    if line_id is not None and all(line.id != line_id for line in claim.lines):
        raise ValidationError.at("line_id", f"no line {line_id!r} on the claim")


def add_attachment(
    claim: Claim, actor: Actor, at: datetime, attachment: Attachment, line_id: str | None = None
) -> Claim:
    """The claim with one more document, linked to line ``line_id`` when given.

    Only while the customer can edit the claim (see :func:`check_attachable`).
    """
    check_attachable(claim, line_id)
    if any(a.id == attachment.id for a in claim.attachments):
        raise ValidationError.at("attachment.id", f"{attachment.id!r} is already attached")
    lines = claim.lines
    data = {"attachment_id": attachment.id, "file_name": attachment.file_name}
    if line_id is not None:
        line = claim.line(line_id)
        linked = replace(line, attachment_ids=(*line.attachment_ids, attachment.id))
        lines = tuple(linked if item.id == line_id else item for item in lines)
        data["line_id"] = line_id
    return replace(
        claim,
        lines=lines,
        attachments=(*claim.attachments, attachment),
        events=claim.with_next_event(EventType.ATTACHMENT_ADDED, actor, at, data=data),
    )


def check_ready(claim: Claim, *, require_receipts: bool = True) -> None:
    """Raise a :class:`~reimbursement.errors.ValidationError` listing what the claim lacks."""
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
    if problems:
        raise ValidationError(f"claim {claim.id} is not ready to submit", problems)


def submit(
    claim: Claim,
    actor: Actor,
    at: datetime,
    number: str | Callable[[], str],
    *,
    require_receipts: bool = True,
) -> Claim:
    """The draft, submitted under ``number``.

    ``number`` may be a function that gives it: it is called only once the
    claim is known to be complete, so that a refused submission takes no
    number from a sequence (gaps would puzzle auditors).
    """
    LIFECYCLE.target(claim.id, claim.state, Action.SUBMIT)
    check_ready(claim, require_receipts=require_receipts)
    if callable(number):
        number = number()
    return _step(
        claim,
        Action.SUBMIT,
        actor,
        at,
        EventType.SUBMITTED,
        data={"number": number, "claimed": str(claim.claimed_total)},
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
) -> Claim:
    """The returned claim, fixed by ``patch`` and submitted again."""
    LIFECYCLE.target(claim.id, claim.state, Action.RESUBMIT)
    lines, claimant = _patch(claim, patch, at, convert)
    fixed = replace(claim, lines=lines, claimant=claimant)
    check_ready(fixed, require_receipts=require_receipts)
    return _step(fixed, Action.RESUBMIT, actor, at, EventType.RESUBMITTED, data=_patch_data(patch))
