"""The customers' registered passkeys, in memory (tests, demos, notebooks)."""

from __future__ import annotations

import threading

import attrs

from ...errors import DuplicateError
from ...ports import PasskeyCredential

__all__ = ["InMemoryPasskeys"]


class InMemoryPasskeys:
    """:class:`~reimbursement.ports.PasskeyStore` of one process (lost on restart)."""

    def __init__(self) -> None:
        self._credentials: dict[str, PasskeyCredential] = {}
        self._lock = threading.Lock()

    def add(self, credential: PasskeyCredential) -> None:
        with self._lock:
            if credential.credential_id in self._credentials:
                raise DuplicateError(
                    f"passkey {credential.credential_id[:80]!r} is already registered"
                )
            self._credentials[credential.credential_id] = credential

    def get(self, credential_id: str) -> PasskeyCredential | None:
        return self._credentials.get(credential_id)

    def of_customer(self, customer_id: str) -> list[PasskeyCredential]:
        with self._lock:
            return [c for c in self._credentials.values() if c.customer_id == customer_id]

    def advance(self, credential_id: str, seen: int, new: int) -> bool:
        with self._lock:
            found = self._credentials.get(credential_id)
            if found is None or found.sign_count != seen:
                return False
            self._credentials[credential_id] = attrs.evolve(found, sign_count=new)
            return True
