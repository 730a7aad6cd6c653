"""Who is signed in: the host's authentication hook, and the demo identities that stand in for it.

The portal never authenticates anyone itself. It asks one function, the
*identify hook*, for the :class:`~reimbursement.Actor` of each request:

    def identify(request: starlette.requests.Request) -> Actor | None: ...

Return ``None`` for a request nobody signed in to (pages then send the
browser to ``sign_in_url``; the API answers 401). A platform passes its own
(reading its session, its single sign-on token, an API key) to
:func:`~reimbursement.web.create_app`; without one, the portal signs people
in as one of its :class:`DemoIdentity` records, chosen on its sign-in page.
The desk then decides what that actor may do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs
from starlette.requests import Request

from ..domain.actors import Actor, Role

__all__ = ["DemoIdentities", "DemoIdentity", "Identify"]

Identify = Callable[[Request], Actor | None]
"""The host's authentication hook: the verified actor of a request, or ``None``."""


@attrs.frozen
class DemoIdentity:
    """A person the demo sign-in page offers: a key, a display name, the actor, a language."""

    key: str
    name: str
    actor: Actor
    language: str = "en"

    @property
    def is_staff(self) -> bool:
        """Whether the identity acts in a staff role."""
        return self.actor.role is not Role.CUSTOMER


class DemoIdentities:
    """The identify hook of the demo: the identity chosen on the sign-in page, kept in the session.

    The API takes ``Authorization: Bearer <key>`` with a demo identity's key
    instead of the cookie (a platform's hook checks its own tokens).
    """

    def __init__(self, identities: Iterable[DemoIdentity]) -> None:
        self.by_key: Mapping[str, DemoIdentity] = {i.key: i for i in identities}

    def __call__(self, request: Request) -> Actor | None:
        found = self.identity(request)
        return None if found is None else found.actor

    def identity(self, request: Request) -> DemoIdentity | None:
        """The demo identity of ``request`` (its session, or its bearer token)."""
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return self.by_key.get(bearer[7:].strip())
        key = request.session.get("who")
        return self.by_key.get(key) if isinstance(key, str) else None
