"""What a whole claim and the customer's part of it read alike off their claimant and lines.

:class:`~reimbursement.domain.claim.Claim` and
:class:`~reimbursement.service.CustomerClaim` both hold ``claimant``,
``currency`` and ``lines``; the reads made of those are written once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._ids import position
from .money import Money

if TYPE_CHECKING:
    from .claim import Claimant, ExpenseLine

__all__ = ["ClaimedLines"]


class ClaimedLines:
    """A mixin without slots of its own: the reads of a claim's claimant and lines.

    A class that takes it holds ``claimant``, ``currency`` and ``lines``.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # declared by the class that takes the mixin (typing.get_type_hints
        # reads every base's annotations: at run time the mixin has none)
        claimant: Claimant
        currency: str
        lines: Sequence[ExpenseLine]

    @property
    def customer_id(self) -> str:
        """The claimant's customer id."""
        return self.claimant.customer_id

    @property
    def claimed_total(self) -> Money:
        """Sum of the lines in the policy currency."""
        return Money.sum([line.claimed for line in self.lines], self.currency)

    def line(self, line_id: str) -> ExpenseLine:
        """The line ``line_id``; raises ``KeyError`` when there is none."""
        index = position(self.lines, "L", line_id)
        if index is None:
            raise KeyError(line_id)
        return self.lines[index]
