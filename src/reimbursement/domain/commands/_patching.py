"""Patches: the lines and claimant a claim has after a :class:`ClaimPatch`.

A patch names what changes; each named line is found by its id, and the
lines between the changes are copied in slices, so applying a patch costs
what the patch holds, not what the claim holds. Every problem is found
before anything is built, and all of them are reported together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from ...errors import FieldProblem, ValidationError
from .._ids import last_number, position
from .._replace import replace
from .._vector import appended, replaced, vector
from ..accounts import account_problem
from ..checks import latest_today, require_type, text_problem
from ..claim import Claim, Claimant, ExpenseLine
from ..events import NO_DATA
from ..inputs import ClaimPatch, LineInput, LinePatch, NoTax
from ..limits import ClaimLimits
from ..money import Money
from ..tax import tax_problem
from ._common import Convert


def _check_line_fields(
    path: str, line: LineInput | ExpenseLine, at: datetime, limits: ClaimLimits
) -> list[FieldProblem]:
    problems = []
    for name, value, limit, multiline in (
        ("category", line.category, limits.max_name_length, False),
        ("provider", line.provider, limits.max_name_length, False),
        ("description", line.description, limits.max_description_length, True),
    ):
        problem = text_problem(f"{path}.{name}", value, limit, multiline=multiline)
        if problem is not None:
            problems.append(problem)
    if not line.category.strip():
        problems.append(FieldProblem(f"{path}.category", "is empty; name the kind of expense"))
    if not line.provider.strip():
        problems.append(FieldProblem(f"{path}.provider", "is empty; name who was paid"))
    if line.amount.amount <= 0:
        problems.append(FieldProblem(f"{path}.amount", f"must be above zero, got {line.amount}"))
    elif line.amount.amount.adjusted() >= limits.max_line_amount_digits:
        problems.append(
            FieldProblem(
                f"{path}.amount",
                f"{line.amount} has more than {limits.max_line_amount_digits} digits "
                "before the decimal point",
            )
        )
    if line.incurred_on > latest_today(at):  # today where the customer is, wherever that is
        problems.append(
            FieldProblem(f"{path}.incurred_on", f"{line.incurred_on} is in the future")
        )
    taxed = tax_problem(f"{path}.tax", line.tax, line.amount)
    if taxed is not None:
        problems.append(FieldProblem(*taxed))
    problems.extend(_check_references(f"{path}.attachment_ids", line.attachment_ids, limits))
    return problems


def _check_references(path: str, refs: Sequence[str], limits: ClaimLimits) -> list[FieldProblem]:
    if len(refs) > limits.max_attachments:
        return [
            FieldProblem(
                path, f"names {len(refs):,} documents; the limit is {limits.max_attachments:,}"
            )
        ]
    problems = []
    for i, ref in enumerate(refs):
        problem = text_problem(f"{path}[{i}]", ref, limits.max_id_length)
        if problem is not None:
            problems.append(problem)
    if len(set(refs)) != len(refs):
        problems.append(FieldProblem(path, "names a document twice"))
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
        item.attachment_ids,
        rate,
        item.tax,
    )


def _new_line(line_id: str, item: LineInput, currency: str, convert: Convert) -> ExpenseLine:
    return _line(line_id, item, *convert(item.amount, currency, item.incurred_on))


def _patched_input(line: ExpenseLine, patch: LinePatch) -> LineInput:
    return LineInput(
        patch.category if patch.category is not None else line.category,
        patch.incurred_on if patch.incurred_on is not None else line.incurred_on,
        patch.provider if patch.provider is not None else line.provider,
        patch.amount if patch.amount is not None else line.amount,
        patch.description if patch.description is not None else line.description,
        patch.attachment_ids if patch.attachment_ids is not None else line.attachment_ids,
        _tax(patch.tax, line.tax),
    )


def _tax(patched: Money | NoTax | None, tax: Money | None) -> Money | None:
    if patched is NoTax.NO_TAX:
        return None
    return tax if patched is None else patched


def _patched_line(
    line: ExpenseLine, item: LineInput, currency: str, convert: Convert
) -> ExpenseLine:
    if item.amount == line.amount and item.incurred_on == line.incurred_on:
        return _line(line.id, item, line.claimed, line.fx_rate)  # same rate day, same amount
    return _line(line.id, item, *convert(item.amount, currency, item.incurred_on))


def _find_edits(
    claim: Claim, patch: ClaimPatch, at: datetime, limits: ClaimLimits
) -> tuple[dict[int, LineInput | None], list[FieldProblem]]:
    """Where each removed (``None``) or changed line is, and what is wrong with the changes.

    Each named line is found by its id, so a patch costs what it names,
    not what the claim holds.
    """
    problems: list[FieldProblem] = []
    edits: dict[int, LineInput | None] = {}
    lines = claim.lines
    for i, line_id in enumerate(patch.remove_lines):
        index = position(lines, "L", line_id)
        if index is None:
            problems.append(FieldProblem(f"remove_lines[{i}]", f"no line {line_id[:40]!r}"))
        elif index in edits:
            problems.append(FieldProblem(f"remove_lines[{i}]", "removes a line twice"))
        else:
            edits[index] = None
    changed: set[int] = set()
    for i, change in enumerate(patch.change_lines):
        index = position(lines, "L", change.line_id)
        if index is None or (index in edits and index not in changed):
            problems.append(FieldProblem(f"change_lines[{i}]", f"no line {change.line_id[:40]!r}"))
        elif index in changed:
            problems.append(FieldProblem(f"change_lines[{i}]", "changes a line twice"))
        else:
            changed.add(index)
            item = edits[index] = _patched_input(lines[index], change)
            problems.extend(
                _check_line_fields(f"change_lines[{change.line_id}]", item, at, limits)
            )
    return edits, problems


def _count_problem(
    claim: Claim, patch: ClaimPatch, path: str, limits: ClaimLimits
) -> FieldProblem | None:
    removed = len(set(patch.remove_lines))
    total = len(claim.lines) - min(removed, len(claim.lines)) + len(patch.add_lines)
    if total <= limits.max_lines:
        return None
    return FieldProblem(
        path, f"the claim would hold {total:,} lines; the limit is {limits.max_lines:,}"
    )


class Patched(NamedTuple):
    """A claim's parts after a patch: pass them on with ``replace(claim, **patched._asdict())``."""

    lines: Sequence[ExpenseLine]
    claimant: Claimant
    last_line_number: int


def _patch(
    claim: Claim,
    patch: ClaimPatch,
    at: datetime,
    convert: Convert,
    limits: ClaimLimits,
    added: str = "add_lines",
) -> Patched:
    """The lines, claimant and line count after ``patch``; a ValidationError lists every problem.

    ``added`` is what the problems call the added lines (``lines`` for a new draft).
    """
    require_type("patch", patch, ClaimPatch, "a ClaimPatch")
    too_many = _count_problem(claim, patch, added, limits)
    if too_many is not None:  # before any line is looked at: the patch may be huge
        raise ValidationError("the changes cannot be applied", [too_many])
    edits, problems = _find_edits(claim, patch, at, limits)
    for i, item in enumerate(patch.add_lines):
        problems.extend(_check_line_fields(f"{added}[{i}]", item, at, limits))
    if patch.payee_account is not None:
        problem = text_problem("payee_account", patch.payee_account, limits.max_name_length)
        if problem is None:
            problem = account_problem("payee_account", patch.payee_account)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ValidationError("the changes cannot be applied", problems)
    # numbered after every line the claim ever had: a removed line's id is never given again
    last = last_number("L", claim.lines, claim.last_line_number)
    lines = _edited(claim, edits, convert)
    for i, item in enumerate(patch.add_lines, start=last + 1):
        lines = appended(lines, _new_line(f"L{i}", item, claim.currency, convert))
    claimant = claim.claimant
    if patch.payee_account is not None:
        claimant = replace(claimant, payee_account=patch.payee_account.strip())
    return Patched(lines, claimant, last + len(patch.add_lines))


def _edited(
    claim: Claim, edits: dict[int, LineInput | None], convert: Convert
) -> Sequence[ExpenseLine]:
    """The claim's lines with ``edits`` made.

    A changed line replaces one chunk of the vector; a removal moves every
    later line, so the lines are then copied once, in slices between the edits.
    """
    lines = claim.lines
    currency = claim.currency
    changes = {index: item for index, item in edits.items() if item is not None}
    if len(changes) == len(edits):  # nothing removed
        for index, change in changes.items():
            lines = replaced(lines, index, _patched_line(lines[index], change, currency, convert))
        return lines
    result: list[ExpenseLine] = []
    start = 0
    for index in sorted(edits):
        result.extend(lines[start:index])
        item = edits[index]
        if item is not None:
            result.append(_patched_line(lines[index], item, currency, convert))
        start = index + 1
    result.extend(lines[start:])
    return vector(result)


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
