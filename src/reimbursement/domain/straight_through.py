"""Straight-through review: rules that approve simple claims at submission, as plain data.

An insurer writes a :class:`StraightThroughRules` (a version, an audit share
and a list of :class:`AutoApprovalRule`), reviews it like any other document
(:meth:`StraightThroughRules.to_data` and :meth:`~StraightThroughRules.from_data`
turn it into JSON-ready data and back), and gives it to the desk. At each
first submission, :func:`decide` looks at the claim, the customer's history
and the flags raised on the claim (duplicates, for example):

- any flag sends the claim to manual review, whatever the rules say;
- otherwise the first rule whose every condition holds approves it
  automatically, and the decision names that rule and the rules' version;
- no rule matching sends it to manual review, with each rule's first
  unmet condition as the reason.

A share (``audit_share``) of the automatic approvals is drawn for an audit
review afterwards, by an :class:`AuditSampler`: a seeded
:class:`RandomSampler`, never Python's global random state.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import attrs

from ..errors import FieldProblem, ValidationError
from .checks import require_text
from .claim import Claim
from .currencies import MINOR_UNITS
from .money import Money

__all__ = [
    "AuditSampler",
    "AutoApprovalRule",
    "CustomerHistory",
    "Flag",
    "KeyedSampler",
    "RandomSampler",
    "StraightThroughDecision",
    "StraightThroughRules",
    "decide",
]

_ID_LENGTH = 100
_ONE = Decimal(1)


def _rule_id(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_text(attribute.name, value, _ID_LENGTH, empty=False)


def _count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise ValidationError.at(attribute.name, f"must be a whole number from 0, got {value!r}")


def _max_total(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not Money or value.is_negative():
        raise ValidationError.at(attribute.name, f"must be Money from zero up, got {value!r}")


def _categories(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
        raise ValidationError.at("categories", "must be a list of category names")
    for i, name in enumerate(value):
        require_text(f"categories[{i}]", name, _ID_LENGTH, empty=False)
    return frozenset(value)


@attrs.frozen
class AutoApprovalRule:
    """One way a claim may be approved without a reviewer: every condition must hold.

    - ``max_total``: the claim's claimed total is at most this, in this
      currency (a claim in another currency never matches);
    - ``categories``: every line's category is one of these (empty: any);
    - ``max_lines``: at most this many lines (``None``: any number);
    - ``min_paid_claims``: the customer had at least this many claims paid before;
    - ``max_rejected_claims``: and at most this many rejected (``None``: any number).

    ``description`` says in words what the rule is for. Raises
    :class:`~reimbursement.errors.ValidationError` for a value of the wrong kind.
    """

    id: str = attrs.field(validator=_rule_id)
    max_total: Money = attrs.field(validator=_max_total)
    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_categories)
    max_lines: int | None = attrs.field(default=None, validator=_count)
    min_paid_claims: int = attrs.field(default=0, validator=_count)
    max_rejected_claims: int | None = attrs.field(default=0, validator=_count)
    description: str = ""

    def unmet(self, claim: Claim, history: CustomerHistory) -> str | None:
        """The first condition ``claim`` does not meet, in words; ``None`` when it meets all."""
        total = claim.claimed_total
        if total.currency != self.max_total.currency:
            return f"the claim is in {total.currency}, the rule in {self.max_total.currency}"
        if total > self.max_total:
            return f"the total {total} is over {self.max_total}"
        outside = sorted({line.category for line in claim.lines} - self.categories)
        if self.categories and outside:
            return (
                f"category {', '.join(outside)} is not one of {', '.join(sorted(self.categories))}"
            )
        if self.max_lines is not None and len(claim.lines) > self.max_lines:
            return f"{len(claim.lines)} lines, more than {self.max_lines}"
        if history.paid_claims < self.min_paid_claims:
            return (
                f"the customer had {history.paid_claims} claims paid, "
                f"fewer than {self.min_paid_claims}"
            )
        rejected = self.max_rejected_claims
        if rejected is not None and history.rejected_claims > rejected:
            return (
                f"the customer had {history.rejected_claims} claims rejected, more than {rejected}"
            )
        return None

    def to_data(self) -> dict[str, object]:
        """The rule as JSON-ready data (see :meth:`StraightThroughRules.to_data`)."""
        return {
            "id": self.id,
            "description": self.description,
            "max_total": {
                "amount": str(self.max_total.amount),
                "currency": self.max_total.currency,
            },
            "categories": sorted(self.categories),
            "max_lines": self.max_lines,
            "min_paid_claims": self.min_paid_claims,
            "max_rejected_claims": self.max_rejected_claims,
        }


def _rules(value: object) -> tuple[AutoApprovalRule, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError.at("rules", "must be a list of AutoApprovalRule")
    ids: set[str] = set()
    for i, rule in enumerate(value):
        if type(rule) is not AutoApprovalRule:
            raise ValidationError.at(f"rules[{i}]", "must be an AutoApprovalRule")
        if rule.id in ids:
            raise ValidationError.at(f"rules[{i}].id", f"{rule.id!r} names two rules")
        ids.add(rule.id)
    return tuple(value)


def _share(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not Decimal or not value.is_finite() or not 0 <= value <= _ONE:
        raise ValidationError.at(
            attribute.name, f"must be a Decimal from 0 to 1 (0.05 is 5 %), got {value!r}"
        )


@attrs.frozen
class StraightThroughRules:
    """The insurer's straight-through rules: a ``version``, the rules, the audit share.

    ``version`` names this edition of the rules: every automatic decision
    records it, so an auditor can tell which rules approved a claim years
    later. ``audit_share`` (a ``Decimal`` from 0 to 1) is the share of
    automatic approvals drawn for an audit review afterwards.
    """

    version: str = attrs.field(validator=_rule_id)
    rules: tuple[AutoApprovalRule, ...] = attrs.field(converter=_rules)
    audit_share: Decimal = attrs.field(default=Decimal("0.1"), validator=_share)

    def to_data(self) -> dict[str, object]:
        """The rules as plain JSON-ready data: amounts and shares as strings."""
        return {
            "version": self.version,
            "audit_share": str(self.audit_share),
            "rules": [rule.to_data() for rule in self.rules],
        }

    @classmethod
    def from_data(cls, data: object) -> StraightThroughRules:
        """The rules from data such as :meth:`to_data` gives (parsed JSON, for example).

        Raises :class:`~reimbursement.errors.ValidationError` listing every
        bad or unknown field at its path (``rules[1].max_total.amount``).
        """
        problems: list[FieldProblem] = []
        if not isinstance(data, Mapping):
            raise ValidationError.at("", "straight-through rules are an object")
        _unknown("", data, {"version", "audit_share", "rules"}, problems)
        rules_data = data.get("rules")
        if not isinstance(rules_data, Sequence) or isinstance(rules_data, str):
            problems.append(FieldProblem("rules", "must be a list of rules"))
            rules_data = []
        rules = []
        for i, item in enumerate(rules_data):
            rule = _rule_from_data(f"rules[{i}]", item, problems)
            if rule is not None:
                rules.append(rule)
        share = _decimal("audit_share", data.get("audit_share", "0.1"), problems)
        if problems:
            raise ValidationError("these straight-through rules cannot be used", problems)
        try:
            return cls(data.get("version"), tuple(rules), share)  # type: ignore[arg-type]
        except ValidationError as error:
            raise ValidationError(
                "these straight-through rules cannot be used", error.problems
            ) from None


_RULE_FIELDS = {
    "id",
    "description",
    "max_total",
    "categories",
    "max_lines",
    "min_paid_claims",
    "max_rejected_claims",
}


def _unknown(path: str, data: Mapping[Any, Any], known: set[str], out: list[FieldProblem]) -> None:
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            out.append(
                FieldProblem(where[:200], f"is not a field; use {', '.join(sorted(known))}")
            )


def _decimal(path: str, value: object, out: list[FieldProblem]) -> Decimal:
    try:
        if type(value) is not str:
            raise InvalidOperation
        number = Decimal(value)
    except InvalidOperation:
        out.append(FieldProblem(path, f"must be a decimal number as text, got {value!r:.40}"))
        return Decimal(0)
    return number


def _rule_from_data(path: str, item: object, out: list[FieldProblem]) -> AutoApprovalRule | None:
    if not isinstance(item, Mapping):
        out.append(FieldProblem(path, "must be an object"))
        return None
    _unknown(path, item, _RULE_FIELDS, out)
    total = item.get("max_total")
    if not isinstance(total, Mapping) or total.get("currency") not in MINOR_UNITS:
        out.append(FieldProblem(f"{path}.max_total", 'give {"amount": "…", "currency": "EUR"}'))
        return None
    amount = _decimal(f"{path}.max_total.amount", total.get("amount"), out)
    try:
        return AutoApprovalRule(
            item.get("id"),  # type: ignore[arg-type]
            Money(amount, total["currency"]),
            item.get("categories", ()),
            item.get("max_lines"),
            item.get("min_paid_claims", 0),
            item.get("max_rejected_claims", 0),
            str(item.get("description", "")),
        )
    except ValidationError as error:
        out.extend(FieldProblem(f"{path}.{p.path}", p.message) for p in error.problems)
        return None


@attrs.frozen
class CustomerHistory:
    """What the customer's earlier claims say: how many were paid, how many rejected."""

    paid_claims: int = 0
    rejected_claims: int = 0


@attrs.frozen
class Flag:
    """A warning raised on a claim (a possible duplicate receipt, for example).

    ``code`` is short and stable (``duplicate_file``); ``detail`` says what
    was found, for the reviewer. Any flag sends a claim to manual review.
    """

    code: str
    detail: str = ""


@attrs.frozen
class StraightThroughDecision:
    """What the rules decided for one claim.

    ``automatic``: approved without a reviewer, by ``rule`` (its id) of the
    rules of ``version``; otherwise sent to manual review. ``reasons`` say
    why in words. ``sampled``: an automatic approval drawn for audit review.
    """

    automatic: bool
    version: str
    rule: str | None = None
    reasons: tuple[str, ...] = ()
    sampled: bool = False


def decide(
    rules: StraightThroughRules,
    claim: Claim,
    history: CustomerHistory,
    flags: Sequence[Flag] = (),
) -> StraightThroughDecision:
    """Approve ``claim`` automatically by the first rule it meets, or send it to manual review.

    Pure: the audit sample is drawn afterwards (see :class:`AuditSampler`).
    """
    if flags:
        reasons = tuple(f"flagged {f.code}" + (f": {f.detail}" if f.detail else "") for f in flags)
        return StraightThroughDecision(False, rules.version, reasons=reasons)
    unmet = []
    for rule in rules.rules:
        why = rule.unmet(claim, history)
        if why is None:
            met = f"within rule {rule.id} of version {rules.version}"
            return StraightThroughDecision(True, rules.version, rule.id, (met,))
        unmet.append(f"{rule.id}: {why}")
    return StraightThroughDecision(False, rules.version, reasons=tuple(unmet) or ("no rules",))


class AuditSampler(Protocol):
    """Draws automatic approvals for an audit review afterwards."""

    def draw(self, claim_id: str, share: Decimal) -> bool:
        """True when the claim ``claim_id`` is drawn; about ``share`` (0 to 1) of calls are."""
        ...


class RandomSampler:
    """An :class:`AuditSampler` on its own ``random.Random``: give a ``seed`` to replay draws.

    Never Python's global random state, which any other code may reseed.
    Without a seed the generator is seeded from the operating system.
    """

    _SCALE = 1_000_000

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def draw(self, claim_id: str, share: Decimal) -> bool:
        """See :class:`AuditSampler`: a draw of one in a million steps, below ``share``."""
        return self._random.randrange(self._SCALE) < share * self._SCALE


class KeyedSampler:
    """An :class:`AuditSampler` that draws by the claim: the same claim, the same answer.

    The draw is an HMAC-SHA256 of the claim id under ``key`` (bytes the
    insurer keeps secret), so every process and every replay draws the same
    claims, in any order, and nobody without the key can tell which claims
    will be drawn. Raises :class:`~reimbursement.errors.ValidationError` for
    a key shorter than 16 bytes.
    """

    _SPACE = 2**64

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValidationError.at("key", "must be at least 16 bytes kept secret")
        self._key = key

    def draw(self, claim_id: str, share: Decimal) -> bool:
        """See :class:`AuditSampler`."""
        digest = hmac.new(self._key, claim_id.encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") < share * self._SPACE
