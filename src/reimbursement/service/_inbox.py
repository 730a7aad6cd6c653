"""The customer's in-app inbox, read through the desk: each customer only their own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..domain.actors import Actor
from ..domain.authorization import authorize_inbox
from ..domain.checks import require_bool, require_text, require_texts
from ..errors import NotFoundError, ValidationError
from ..ports import Page
from ._arguments import check_actor
from ._core import DeskCore

if TYPE_CHECKING:  # the notify extra's module, only for the types
    from ..notify.ports import InboxItem, InboxStore

__all__ = ["InboxCalls"]


class InboxCalls(DeskCore):
    """What a customer reads in the in-app inbox the inbox channel writes (``Adapters.inbox``)."""

    def inbox(
        self,
        actor: Actor,
        *,
        after: str | None = None,
        limit: int = 20,
        unread_only: bool = False,
    ) -> Page[InboxItem]:
        """The customer ``actor``'s in-app inbox, newest first, one page at a time.

        Pass the page's ``next_cursor`` as ``after`` for the next page. Raises
        :class:`~reimbursement.errors.AuthorizationError` for anyone but a
        customer (each reads only their own), :class:`~reimbursement.errors.ValidationError`
        for a ``limit`` outside 1 to 1,000 or a cursor the inbox did not make,
        and :class:`~reimbursement.errors.NotFoundError` when the desk was
        given no inbox (``Adapters.inbox``).
        """
        store = self._inbox_of(actor)
        require_bool("unread_only", unread_only)
        if after is not None:
            require_text("after", after, 1000)
        if type(limit) is not int or not 1 <= limit <= 1000:
            raise ValidationError.at("limit", "must be a whole number from 1 to 1,000")
        return store.page(actor.id, after=after, limit=limit, unread_only=unread_only)

    def mark_inbox_read(self, actor: Actor, keys: Sequence[str]) -> int:
        """Mark the customer ``actor``'s inbox items ``keys`` read now; how many were unread.

        Keys of items that are not the customer's are left alone. Raises as :meth:`inbox`.
        """
        store = self._inbox_of(actor)
        wanted = require_texts("keys", keys, 1000)
        return store.mark_read(actor.id, wanted, self.adapters.clock.now())

    def _inbox_of(self, actor: Actor) -> InboxStore:
        authorize_inbox(check_actor(actor))
        store = self.adapters.inbox
        if store is None:
            raise NotFoundError(
                "this desk has no in-app inbox: give the inbox store as Adapters.inbox "
                "(in_memory_desk(inbox=...) or sql_desk(inbox=...))"
            )
        return store
