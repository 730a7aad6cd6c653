"""Who does things: actors and their roles."""

from __future__ import annotations

import enum

import attrs

from ..errors import ValidationError
from .checks import text_problem
from .limits import MAX_ID_LENGTH, MAX_NAME_LENGTH

__all__ = ["Actor", "Role"]


class Role(enum.StrEnum):
    """The capacity in which an actor acts."""

    CUSTOMER = "customer"
    """Submits and follows their own claims."""
    REVIEWER = "reviewer"
    """Reviews claims: approves, rejects, returns for correction."""
    FINANCE = "finance"
    """Approves and sends payments."""
    SYSTEM = "system"
    """The library itself and the insurer's automation (gateway callbacks, routing)."""


_ROLES = {role.value: role for role in Role}


def _role(value: object) -> Role:
    """``value`` as a :class:`Role`: a member, or the text of one; anything else is refused."""
    if type(value) is Role:
        return value
    if isinstance(value, str) and value in _ROLES:
        return _ROLES[value]
    known = ", ".join(_ROLES)
    raise ValidationError.at(
        "actor.role", f"{str(value)[:40]!r} is not a role; use one of {known}"
    )


def _id(_: object, __: attrs.Attribute[str], value: str) -> None:
    if type(value) is not str or not value.strip():
        raise ValidationError.at("actor.id", "must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError.at("actor.id", f"is longer than {MAX_ID_LENGTH} characters")
    # the id is written into events, messages and SQL columns: what a store cannot
    # hold (NUL, lone surrogates) and control characters are refused here, not at commit
    problem = text_problem("actor.id", value, MAX_ID_LENGTH)
    if problem is not None:
        raise ValidationError("invalid actor", [problem])


def _name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if type(value) is not str:
        raise ValidationError.at("actor.name", "must be a string")
    problem = text_problem("actor.name", value, MAX_NAME_LENGTH)
    if problem is not None:
        raise ValidationError("invalid actor", [problem])


@attrs.frozen
class Actor:
    """A person or system acting on a claim, identified by ``id`` in one ``role``.

    The same person may be a customer on one claim and a reviewer on
    another: the rules that forbid reviewing or paying your own claim compare
    ``id``, whatever the role. The host application authenticates people and
    maps them to actors; the library trusts an ``Actor`` as given. ``role``
    may be given as its text (``"reviewer"``); anything that is not a role,
    and an empty id, raise :class:`~reimbursement.errors.ValidationError`, so
    that no check can fail open on a role it does not know.
    """

    id: str = attrs.field(validator=_id)
    role: Role = attrs.field(converter=_role)
    name: str = attrs.field(default="", validator=_name)

    @classmethod
    def customer(cls, customer_id: str, name: str = "") -> Actor:
        """The customer ``customer_id``."""
        return cls(customer_id, Role.CUSTOMER, name)

    @classmethod
    def reviewer(cls, reviewer_id: str, name: str = "") -> Actor:
        """The reviewer ``reviewer_id``."""
        return cls(reviewer_id, Role.REVIEWER, name)

    @classmethod
    def finance(cls, staff_id: str, name: str = "") -> Actor:
        """The finance officer ``staff_id``."""
        return cls(staff_id, Role.FINANCE, name)


SYSTEM = Actor("system", Role.SYSTEM, "reimbursement")
"""The library acting on its own (routing, automatic payment requests)."""
