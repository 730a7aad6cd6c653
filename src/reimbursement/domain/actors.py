"""Who does things: actors and their roles."""

from __future__ import annotations

import enum

import attrs

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


@attrs.frozen
class Actor:
    """A person or system acting on a claim, identified by ``id`` in one ``role``.

    The same person may be a customer on one claim and a reviewer on
    another: the rules that forbid reviewing or paying your own claim compare
    ``id``, whatever the role.
    """

    id: str
    role: Role
    name: str = ""

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
