"""The passkey store: each customer's registered WebAuthn credentials, and their sign counters.

A customer registers a passkey once (the browser's
``navigator.credentials.create``); the desk keeps its public key, whose it
is, and the authenticator's signature counter. Each signed submission
moves the counter on, so an assertion seen before (a replay, or a cloned
authenticator) is refused: :meth:`PasskeyStore.advance` is a compare and
set, so two processes that accept the same assertion at once cannot both
win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

__all__ = ["PasskeyCredential", "PasskeyStore"]


@attrs.frozen
class PasskeyCredential:
    """One registered passkey.

    ``credential_id`` is the credential's id in base64url without padding
    (as the browser gives ``rawId``, and as a
    :class:`~reimbursement.ports.Signature` carries it in ``key_id``);
    ``public_key`` the COSE_Key the authenticator gave at registration;
    ``sign_count`` the authenticator's counter at the last assertion
    accepted (0 for a passkey that does not count, as synced passkeys do).
    """

    credential_id: str
    customer_id: str
    public_key: bytes
    sign_count: int
    registered_at: datetime
    name: str = ""


class PasskeyStore(Protocol):
    """The registered passkeys of every customer."""

    def add(self, credential: PasskeyCredential) -> None:
        """Keep a newly registered passkey.

        Raises :class:`~reimbursement.errors.DuplicateError` when a passkey
        with that ``credential_id`` is already registered (to anyone).
        """
        ...

    def get(self, credential_id: str) -> PasskeyCredential | None:
        """The passkey with that id, or ``None``."""
        ...

    def of_customer(self, customer_id: str) -> list[PasskeyCredential]:
        """The customer's passkeys, in the order they were registered."""
        ...

    def advance(self, credential_id: str, seen: int, new: int) -> bool:
        """Set the passkey's counter to ``new`` if it is still ``seen``; whether it was.

        ``False`` when another process moved it first, or no such passkey
        is registered: the caller refuses the assertion.
        """
        ...
