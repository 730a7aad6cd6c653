"""Commands on a claim: pure functions from a claim to its next version.

Each command checks everything first and raises a typed error before it
builds anything, so a refused command leaves no trace. Each returns a new
:class:`~reimbursement.domain.claim.Claim` with at least one event appended
(so its ``version``, the number of events, grows); the application service
saves it. Authorization (who may
do what) is checked separately, in :mod:`reimbursement.domain.authorization`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..errors import FieldProblem, ValidationError
from ._replace import replace
from .actors import Actor
from .claim import (
    Attachment,
    Claim,
    Claimant,
    ExpenseLine,
    LineDecision,
    Message,
    Outcome,
    PaymentRecord,
    PaymentStatus,
    ReviewDecision,
)
from .events import NO_DATA, EventType, Visibility
from .inputs import ClaimPatch, LineInput, LinePatch
from .lifecycle import LIFECYCLE, Action, ClaimState
from .money import Money

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "Convert",
    "add_attachment",
    "approve",
    "approve_payment",
    "assign",
    "check_ready",
    "confirm_payment",
    "fail_payment",
    "post_message",
    "reject",
    "request_payment",
    "resubmit",
    "retry_payment",
    "return_for_correction",
    "send_payment",
    "start_draft",
    "submit",
    "update_draft",
    "withdraw",
]

Convert = Callable[[Money, str, date], tuple[Money, Decimal | None]]
"""Converts a receipt amount to the policy currency at the rate of a day:
returns the converted amount and the rate used (``None`` when no conversion)."""

MAX_MESSAGE_LENGTH = 4000


def _step(
    claim: Claim,
    action: Action,
    actor: Actor,
    at: datetime,
    type_: EventType,
    *,
    reason: str | None = None,
    data: Mapping[str, str] = NO_DATA,
    visibility: Visibility = Visibility.CUSTOMER,
    **changes: Any,
) -> Claim:
    """Apply ``action`` through the lifecycle and append its one event."""
    dest = LIFECYCLE.target(claim.id, claim.state, action)
    event = claim.next_event(
        type_, actor, at, to_state=dest, reason=reason, data=data, visibility=visibility
    )
    return replace(claim, state=dest, events=claim.with_events(event), **changes)


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


def _next_id(prefix: str, existing: Sequence[str]) -> Callable[[], str]:
    taken = [int(i[len(prefix) :]) for i in existing if i[len(prefix) :].isdigit()]
    counter = iter(range(max(taken, default=0) + 1, 1 << 62))
    return lambda: f"{prefix}{next(counter)}"


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
    event = empty.next_event(EventType.DRAFT_STARTED, actor, at)
    return replace(empty, lines=new_lines, events=(event,))


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


def add_attachment(
    claim: Claim, actor: Actor, at: datetime, attachment: Attachment, line_id: str | None = None
) -> Claim:
    """The claim with one more document, linked to line ``line_id`` when given.

    Only while the customer can edit the claim (a draft, or returned for correction).
    """
    if claim.state not in _ATTACHABLE:
        raise ValidationError.at(
            "state",
            f"claim {claim.id} is {claim.state}: documents can be added to a draft "
            "or a claim returned for correction",
        )
    if any(a.id == attachment.id for a in claim.attachments):
        raise ValidationError.at("attachment.id", f"{attachment.id!r} is already attached")
    lines = claim.lines
    data = {"attachment_id": attachment.id, "file_name": attachment.file_name}
    if line_id is not None:
        try:
            line = claim.line(line_id)
        except KeyError:
            raise ValidationError.at("line_id", f"no line {line_id!r} on the claim") from None
        linked = replace(line, attachment_ids=(*line.attachment_ids, attachment.id))
        lines = tuple(linked if item.id == line_id else item for item in lines)
        data["line_id"] = line_id
    event = claim.next_event(EventType.ATTACHMENT_ADDED, actor, at, data=data)
    return replace(
        claim,
        lines=lines,
        attachments=(*claim.attachments, attachment),
        events=claim.with_events(event),
    )


def check_ready(claim: Claim, *, require_receipts: bool = True) -> None:
    """Raise a :class:`~reimbursement.ValidationError` listing what the claim lacks."""
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
    claim: Claim, actor: Actor, at: datetime, number: str, *, require_receipts: bool = True
) -> Claim:
    """The draft, submitted under ``number``."""
    LIFECYCLE.target(claim.id, claim.state, Action.SUBMIT)
    check_ready(claim, require_receipts=require_receipts)
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


def assign(
    claim: Claim, actor: Actor, at: datetime, reviewer: str, policy: str, reason: str
) -> Claim:
    """The submitted claim, in review with ``reviewer``; ``policy`` and ``reason`` say why."""
    return _step(
        claim,
        Action.START_REVIEW,
        actor,
        at,
        EventType.ASSIGNED,
        reason=reason,
        data={"reviewer": reviewer, "policy": policy},
        assignee=reviewer,
    )


def return_for_correction(
    claim: Claim, actor: Actor, at: datetime, reasons: Sequence[str], note: str = ""
) -> Claim:
    """The claim, back with the customer to fix what ``reasons`` say."""
    LIFECYCLE.target(claim.id, claim.state, Action.RETURN_FOR_CORRECTION)
    clean = tuple(r.strip() for r in reasons if r.strip())
    if not clean:
        raise ValidationError.at("reasons", "say what the customer must correct")
    decision = ReviewDecision(Outcome.RETURNED, actor.id, at, reasons=clean)
    return _step(
        claim,
        Action.RETURN_FOR_CORRECTION,
        actor,
        at,
        EventType.RETURNED,
        reason="; ".join(clean),
        data={"note": note} if note else NO_DATA,
        decisions=(*claim.decisions, decision),
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


def approve(claim: Claim, actor: Actor, at: datetime, lines: Sequence[LineDecision] = ()) -> Claim:
    """The claim approved: in full, or partially when ``lines`` lowers some amounts.

    Lines not named in ``lines`` are approved in full. A lowered line needs a
    reason. Approving nothing at all is refused: reject the claim instead.
    """
    LIFECYCLE.target(claim.id, claim.state, Action.APPROVE)
    given: dict[str, LineDecision] = {}
    problems = []
    for i, decision in enumerate(lines):
        path = f"lines[{i}]"
        try:
            line = claim.line(decision.line_id)
        except KeyError:
            problems.append(FieldProblem(f"{path}.line_id", f"no line {decision.line_id!r}"))
            continue
        if decision.line_id in given:
            problems.append(FieldProblem(f"{path}.line_id", "decided twice"))
        elif decision.approved.currency != claim.currency:
            problems.append(
                FieldProblem(
                    f"{path}.approved", f"must be in the policy currency {claim.currency}"
                )
            )
        elif decision.approved.is_negative() or decision.approved > line.claimed:
            problems.append(
                FieldProblem(
                    f"{path}.approved", f"must be between 0 and the claimed {line.claimed}"
                )
            )
        elif decision.approved < line.claimed and not (decision.reason or "").strip():
            problems.append(FieldProblem(f"{path}.reason", "say why less is approved"))
        given[decision.line_id] = decision
    if problems:
        raise ValidationError(f"claim {claim.id} cannot be approved", problems)
    decided = tuple(
        given.get(line.id) or LineDecision(line.id, line.claimed) for line in claim.lines
    )
    total = Money.sum((d.approved for d in decided), claim.currency)
    if not total:
        raise ValidationError.at("lines", "nothing would be approved: reject the claim instead")
    claimed = claim.claimed_total
    partial = total < claimed
    action, type_, outcome = (
        (Action.APPROVE_PARTIALLY, EventType.PARTIALLY_APPROVED, Outcome.PARTIALLY_APPROVED)
        if partial
        else (Action.APPROVE, EventType.APPROVED, Outcome.APPROVED)
    )
    review = ReviewDecision(outcome, actor.id, at, decided)
    data = {"approved": str(total), "claimed": str(claimed)}
    reason = "; ".join(f"{d.line_id}: {d.reason}" for d in decided if d.reason) or None
    return _step(
        claim,
        action,
        actor,
        at,
        type_,
        reason=reason,
        data=data,
        decisions=(*claim.decisions, review),
    )


def reject(claim: Claim, actor: Actor, at: datetime, reason_code: str, note: str = "") -> Claim:
    """The claim rejected, with a reason code the customer can look up."""
    LIFECYCLE.target(claim.id, claim.state, Action.REJECT)
    if not reason_code.strip():
        raise ValidationError.at("reason_code", "give the reason code of the rejection")
    decision = ReviewDecision(
        Outcome.REJECTED,
        actor.id,
        at,
        reason_code=reason_code.strip(),
        reasons=(note,) if note else (),
    )
    return _step(
        claim,
        Action.REJECT,
        actor,
        at,
        EventType.REJECTED,
        reason=reason_code.strip(),
        data={"note": note} if note else NO_DATA,
        decisions=(*claim.decisions, decision),
    )


def withdraw(claim: Claim, actor: Actor, at: datetime, reason: str = "") -> Claim:
    """The claim withdrawn by its customer before a decision."""
    return _step(claim, Action.WITHDRAW, actor, at, EventType.WITHDRAWN, reason=reason or None)


def _with_payment(claim: Claim, record: PaymentRecord) -> tuple[PaymentRecord, ...]:
    return (*claim.payments[:-1], record)


def _current_payment(claim: Claim, action: Action) -> PaymentRecord:
    LIFECYCLE.target(claim.id, claim.state, action)
    payment = claim.payment
    assert payment is not None, "a claim in a payment state has a payment record"
    return payment


def request_payment(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """A payment request for the approved amount to the claimant's payee account."""
    LIFECYCLE.target(claim.id, claim.state, Action.REQUEST_PAYMENT)
    attempt = len(claim.payments) + 1
    record = PaymentRecord(
        attempt,
        f"{claim.id}:payment:{attempt}",
        claim.approved_total,
        claim.claimant.payee_account,
        PaymentStatus.REQUESTED,
        at,
    )
    return _step(
        claim,
        Action.REQUEST_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_REQUESTED,
        data={"amount": str(record.amount)},
        payments=(*claim.payments, record),
    )


def approve_payment(claim: Claim, actor: Actor, at: datetime, *, automatic: bool = False) -> Claim:
    """The payment request approved by finance (or automatically, below the threshold)."""
    payment = _current_payment(claim, Action.APPROVE_PAYMENT)
    record = replace(payment, status=PaymentStatus.APPROVED, approved_by=actor.id)
    return _step(
        claim,
        Action.APPROVE_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_APPROVED,
        reason="below the finance approval threshold" if automatic else None,
        data={"amount": str(payment.amount)},
        payments=_with_payment(claim, record),
    )


def send_payment(claim: Claim, actor: Actor, at: datetime, reference: str) -> Claim:
    """The approved payment, handed to the gateway under ``reference``."""
    payment = _current_payment(claim, Action.SEND_PAYMENT)
    if payment.status is PaymentStatus.SENT:
        raise ValidationError.at(
            "payment",
            f"payment {payment.idempotency_key} was already sent "
            f"(reference {payment.gateway_reference}); confirm or fail it",
        )
    record = replace(payment, status=PaymentStatus.SENT, gateway_reference=reference)
    return _step(
        claim,
        Action.SEND_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_SENT,
        data={"amount": str(payment.amount), "reference": reference},
        payments=_with_payment(claim, record),
    )


def confirm_payment(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """The sent payment, confirmed as arrived."""
    payment = _current_payment(claim, Action.CONFIRM_PAYMENT)
    if payment.status is not PaymentStatus.SENT:
        raise ValidationError.at("payment", "the payment has not been sent yet")
    record = replace(payment, status=PaymentStatus.PAID)
    return _step(
        claim,
        Action.CONFIRM_PAYMENT,
        actor,
        at,
        EventType.PAID,
        data={"amount": str(payment.amount), "reference": payment.gateway_reference or ""},
        payments=_with_payment(claim, record),
    )


def fail_payment(claim: Claim, actor: Actor, at: datetime, reason: str) -> Claim:
    """The payment attempt, failed for ``reason``."""
    payment = _current_payment(claim, Action.FAIL_PAYMENT)
    if not reason.strip():
        raise ValidationError.at("reason", "say why the payment failed")
    record = replace(payment, status=PaymentStatus.FAILED, failure_reason=reason)
    return _step(
        claim,
        Action.FAIL_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_FAILED,
        reason=reason,
        payments=_with_payment(claim, record),
    )


def retry_payment(
    claim: Claim, actor: Actor, at: datetime, payee_account: str | None = None
) -> Claim:
    """A new payment attempt (new idempotency key) after a failure, optionally to a new account."""
    failed = _current_payment(claim, Action.RETRY_PAYMENT)
    if payee_account is not None and not payee_account.strip():
        raise ValidationError.at("payee_account", "is empty")
    account = payee_account.strip() if payee_account else failed.payee_account
    attempt = failed.attempt + 1
    record = PaymentRecord(
        attempt,
        f"{claim.id}:payment:{attempt}",
        failed.amount,
        account,
        PaymentStatus.APPROVED,
        at,
        approved_by=actor.id,
    )
    claimant = replace(claim.claimant, payee_account=account)
    return _step(
        claim,
        Action.RETRY_PAYMENT,
        actor,
        at,
        EventType.PAYMENT_RETRIED,
        data={"attempt": str(attempt)},
        payments=(*claim.payments, record),
        claimant=claimant,
    )


def post_message(
    claim: Claim,
    actor: Actor,
    at: datetime,
    body: str,
    visibility: Visibility = Visibility.CUSTOMER,
) -> Claim:
    """The claim with one more message on its thread (allowed in every state)."""
    text = body.strip()
    if not text:
        raise ValidationError.at("body", "the message is empty")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationError.at("body", f"longer than {MAX_MESSAGE_LENGTH} characters")
    message_id = _next_id("M", [m.id for m in claim.messages])()
    message = Message(message_id, actor.id, actor.role.value, text, at, visibility)
    event = claim.next_event(
        EventType.MESSAGE_POSTED, actor, at, data={"message_id": message_id}, visibility=visibility
    )
    return replace(claim, messages=(*claim.messages, message), events=claim.with_events(event))
