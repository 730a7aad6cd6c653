"""What callers give to start, fix and decide claims: plain input records.

Each record checks the Python type of every field when it is made, so a
float amount, a text date or ``None`` where a list belongs raises a
:class:`~reimbursement.errors.ValidationError` naming the field at once,
never an ``AttributeError`` deep in a command. Lists may be given as lists;
they are kept as tuples. What the values say (an empty name, a text too
long, a date in the future) is checked by the command that uses them,
against the desk's :class:`~reimbursement.domain.limits.ClaimLimits`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs

from .checks import require_date, require_items, require_type
from .money import Money

__all__ = ["NO_TAX", "ClaimPatch", "LineInput", "LinePatch", "NoTax"]

_MONEY = "Money, such as Money('12.50', 'EUR')"


def _str(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_type(attribute.name, value, str, "a str")


def _optional_str(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        require_type(attribute.name, value, str, "a str or None")


def _day(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_date(attribute.name, value)


def _optional_day(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        require_date(attribute.name, value)


def _money(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_type(attribute.name, value, Money, _MONEY)


def _optional_money(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        require_type(attribute.name, value, Money, _MONEY)


class NoTax(enum.Enum):
    """A patch's word for "this line states no tax": :data:`NO_TAX`, its one member."""

    NO_TAX = "no_tax"


NO_TAX = NoTax.NO_TAX
"""``LinePatch(line_id, tax=NO_TAX)`` takes the line's tax away (``None`` keeps it)."""


def _patched_tax(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and value is not NO_TAX:
        require_type(attribute.name, value, Money, f"{_MONEY}, or NO_TAX to take it away")


def _ids(value: Sequence[str]) -> tuple[str, ...]:
    return require_items("attachment_ids", value, str, "document ids (str)")


def _optional_ids(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else _ids(value)


@attrs.frozen
class LineInput:
    """A new expense line as the customer enters it (amount as on the receipt).

    ``tax`` is the tax included in ``amount``, when the receipt states it:
    in the amount's currency, from zero up to the amount (checked when the
    line is added). Raises :class:`~reimbursement.errors.ValidationError` for a field of the
    wrong type (``incurred_on`` is a ``date``, not a ``datetime``).
    """

    category: str = attrs.field(validator=_str)
    incurred_on: date = attrs.field(validator=_day)
    provider: str = attrs.field(validator=_str)
    amount: Money = attrs.field(validator=_money)
    description: str = attrs.field(default="", validator=_str)
    attachment_ids: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    tax: Money | None = attrs.field(default=None, validator=_optional_money)


@attrs.frozen
class LinePatch:
    """Changes to one existing line: only the fields that are not ``None`` change.

    A field's empty value clears it, as on the line: ``description=""``,
    ``attachment_ids=()``, and ``tax=NO_TAX`` (a tax of zero is a tax the
    receipt states). Raises
    :class:`~reimbursement.errors.ValidationError` for a field of the wrong type.
    """

    line_id: str = attrs.field(validator=_str)
    category: str | None = attrs.field(default=None, validator=_optional_str)
    incurred_on: date | None = attrs.field(default=None, validator=_optional_day)
    provider: str | None = attrs.field(default=None, validator=_optional_str)
    amount: Money | None = attrs.field(default=None, validator=_optional_money)
    description: str | None = attrs.field(default=None, validator=_optional_str)
    attachment_ids: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_ids)
    tax: Money | NoTax | None = attrs.field(default=None, validator=_patched_tax)


def _add_lines(value: Sequence[LineInput]) -> tuple[LineInput, ...]:
    return require_items("add_lines", value, LineInput, "LineInput")


def _change_lines(value: Sequence[LinePatch]) -> tuple[LinePatch, ...]:
    return require_items("change_lines", value, LinePatch, "LinePatch")


def _remove_lines(value: Sequence[str]) -> tuple[str, ...]:
    return require_items("remove_lines", value, str, "line ids (str)")


@attrs.frozen
class ClaimPatch:
    """Only what changed: used to edit a draft and to fix a returned claim.

    Nothing already on the claim is typed again: lines are added, changed
    field by field, or removed by id. Raises
    :class:`~reimbursement.errors.ValidationError` for a field of the wrong type.
    """

    add_lines: tuple[LineInput, ...] = attrs.field(default=(), converter=_add_lines)
    change_lines: tuple[LinePatch, ...] = attrs.field(default=(), converter=_change_lines)
    remove_lines: tuple[str, ...] = attrs.field(default=(), converter=_remove_lines)
    payee_account: str | None = attrs.field(default=None, validator=_optional_str)
