"""Required documents: which documents each expense needs, and what is still missing.

An insurer says, as plain data, which kinds of document an expense line
needs (:class:`DocumentRule`: "medical over 1,000: invoice, itemised bill
and prescription"); a reviewer may ask for one more
(:class:`DocumentRequest`, kept on the claim). :func:`checklist` shows the
customer every document the claim needs and which are still missing;
:func:`missing_problems` is what a submission refuses with.

Every attachment has a *kind* (:data:`DOCUMENT_KINDS` lists the usual ones;
an insurer may use its own words). A rule's kind is met by an attachment of
that kind linked to the line; a reviewer's request only by an attachment
added after the request.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..errors import FieldProblem, ValidationError
from .checks import require_text, require_type
from .claim import Attachment, Claim, ExpenseLine
from .document_records import DocumentRequest
from .money import Money

__all__ = [
    "ANY_CATEGORY",
    "BY_REVIEWER",
    "BY_RULES",
    "DEFAULT_KIND",
    "DOCUMENT_KINDS",
    "Checklist",
    "ChecklistItem",
    "DocumentRequest",
    "DocumentRequirements",
    "DocumentRule",
    "checklist",
    "missing_problems",
]

DEFAULT_KIND = "receipt"
"""The kind of an attachment whose kind was not given."""
DOCUMENT_KINDS = (
    "receipt",
    "invoice",
    "itemised_bill",
    "prescription",
    "medical_report",
    "referral",
    "proof_of_payment",
    "other",
)
"""The usual kinds of document; rules and attachments may use other words too."""
ANY_CATEGORY = "*"
"""A rule's category that matches every expense category."""
BY_RULES = "rules"
"""``ChecklistItem.requested_by`` of a document the insurer's rules require."""
BY_REVIEWER = "reviewer"
"""``ChecklistItem.requested_by`` of a reviewer's request, as the customer sees it."""
_MAX_KIND = 64


def check_kind(kind: object, path: str = "kind") -> str:
    """``kind`` when it is a document kind: a word of letters, digits and ``_``."""
    text = require_text(path, kind, _MAX_KIND, empty=False)
    if not text.replace("_", "").replace("-", "").isalnum() or not text.isascii():
        raise ValidationError.at(
            path, f"{text!r} is not a kind such as 'invoice' or 'itemised_bill'"
        )
    return text


def _kinds(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError.at("kinds", "must be a list of document kinds, such as ['invoice']")
    kinds = tuple(check_kind(k, f"kinds[{i}]") for i, k in enumerate(value))
    if not kinds:
        raise ValidationError.at("kinds", "name at least one document kind")
    return kinds


def _category(value: object) -> str:
    return require_text("category", value, 200, empty=False)


def _above(_: object, __: attrs.Attribute[Money | None], value: object) -> None:
    if value is not None:
        require_type("above", value, Money, "Money or None")


@attrs.frozen
class DocumentRule:
    """Lines of ``category`` (or :data:`ANY_CATEGORY`) claiming more than ``above`` need ``kinds``.

    ``above`` is compared with the line's amount in the same currency: the
    receipt's amount or the amount in the policy's currency; a rule in a
    third currency does not apply to the line. ``None`` means any amount.
    Raises :class:`~reimbursement.errors.ValidationError` for a bad field.
    """

    category: str = attrs.field(converter=_category)
    kinds: tuple[str, ...] = attrs.field(converter=_kinds)
    above: Money | None = attrs.field(default=None, validator=_above)

    def applies_to(self, line: ExpenseLine) -> bool:
        """Whether ``line`` falls under this rule."""
        if self.category not in (ANY_CATEGORY, line.category):
            return False
        if self.above is None:
            return True
        for amount in (line.amount, line.claimed):
            if amount.currency == self.above.currency:
                return amount > self.above
        return False


def _rules(value: object) -> tuple[DocumentRule, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError.at("rules", "must be a list of DocumentRule")
    for i, rule in enumerate(value):
        require_type(f"rules[{i}]", rule, DocumentRule, "a DocumentRule")
    return tuple(value)


@attrs.frozen
class DocumentRequirements:
    """The insurer's rules of which documents each expense needs (none by default)."""

    rules: tuple[DocumentRule, ...] = attrs.field(default=(), converter=_rules)

    def kinds_for(self, line: ExpenseLine) -> tuple[str, ...]:
        """The kinds ``line`` needs by the rules, each once, in the rules' order."""
        kinds: dict[str, None] = {}
        for rule in self.rules:
            if rule.applies_to(line):
                kinds.update(dict.fromkeys(rule.kinds))
        return tuple(kinds)


@attrs.frozen
class ChecklistItem:
    """One document the claim needs: of ``kind``, for line ``line_id`` (None: the claim).

    ``requested_by`` is :data:`BY_RULES` or the reviewer who asked for it
    (:data:`BY_REVIEWER` in the customer's view: never a staff id);
    ``attachment_ids`` the documents that meet it (empty: still missing).
    """

    kind: str
    line_id: str | None
    requested_by: str
    attachment_ids: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        """Whether a document meets it."""
        return bool(self.attachment_ids)


@attrs.frozen
class Checklist:
    """Every document a claim needs, in line order, then the reviewers' requests."""

    items: tuple[ChecklistItem, ...] = ()

    @property
    def missing(self) -> tuple[ChecklistItem, ...]:
        """The items no document meets yet."""
        return tuple(item for item in self.items if not item.done)

    @property
    def complete(self) -> bool:
        """Whether nothing is missing."""
        return not self.missing

    def for_customer(self) -> Checklist:
        """The checklist as the customer sees it: a request names no reviewer."""
        if all(item.requested_by == BY_RULES for item in self.items):
            return self
        return Checklist(
            tuple(
                item
                if item.requested_by == BY_RULES
                else attrs.evolve(item, requested_by=BY_REVIEWER)
                for item in self.items
            )
        )


def _of_kind(attachments: Sequence[Attachment], ids: Sequence[str], kind: str) -> tuple[str, ...]:
    wanted = set(ids)
    return tuple(a.id for a in attachments if a.id in wanted and a.kind == kind)


def checklist(claim: Claim, requirements: DocumentRequirements) -> Checklist:
    """What ``claim`` needs by ``requirements`` and its reviewers' requests, and what it has."""
    items = []
    attachments = claim.attachments
    for line in claim.lines:
        for kind in requirements.kinds_for(line):
            met = _of_kind(attachments, line.attachment_ids, kind)
            items.append(ChecklistItem(kind, line.id, BY_RULES, met))
    linked = {line.id: line.attachment_ids for line in claim.lines}
    for request in claim.requested_documents:
        if request.line_id is not None and request.line_id not in linked:
            continue  # the line was removed: so is what it needed
        later = attachments[request.attachments_before :]
        if request.line_id is None:
            ids: Sequence[str] = [a.id for a in later]
        else:
            ids = linked.get(request.line_id, ())
        met = _of_kind(later, ids, request.kind)
        items.append(ChecklistItem(request.kind, request.line_id, request.requested_by, met))
    return Checklist(tuple(items))


def missing_problems(claim: Claim, requirements: DocumentRequirements) -> list[FieldProblem]:
    """One problem per missing document, at the line that needs it (``lines[1].documents``)."""
    index = {line.id: i for i, line in enumerate(claim.lines)}
    problems = []
    for item in checklist(claim, requirements).missing:
        kind = item.kind.replace("_", " ")
        if item.line_id is None or item.line_id not in index:
            path, where = "documents", "to the claim"
        else:
            path, where = f"lines[{index[item.line_id]}].documents", "to this expense"
        asked = "" if item.requested_by == BY_RULES else " (asked for by the reviewer)"
        problems.append(FieldProblem(path, f"attach the {kind} {where}{asked}"))
    return problems
