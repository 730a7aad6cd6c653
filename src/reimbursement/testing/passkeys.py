"""The contract of :class:`~reimbursement.ports.PasskeyStore`; a software passkey registered.

Subclass :class:`PasskeyStoreContract` with a fixture ``passkeys`` that
gives a fresh, empty store. :func:`cose_key` and :func:`registered` put a
:class:`~reimbursement.testing.signing.SoftPasskey` into a store as a
browser's registration would (the ``[passkey]`` extra encodes the key).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from ..errors import DuplicateError
from ..ports import PasskeyCredential, PasskeyStore
from .signing import SoftPasskey

if TYPE_CHECKING:
    from ..adapters.passkeys import Passkeys

try:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from webauthn.helpers import encode_cbor
except ModuleNotFoundError as error:  # pragma: no cover
    from .._extras import missing

    raise missing(error, "passkey", "the passkey tests") from error

__all__ = ["PasskeyStoreContract", "cose_key", "registered", "trusting"]

_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def cose_key(public_key: object) -> bytes:
    """``public_key`` (P-256 or Ed25519) as the COSE_Key an authenticator registers."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: x, -3: y})
    if isinstance(public_key, Ed25519PublicKey):
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return encode_cbor({1: 1, 3: -8, -1: 6, -2: raw})
    raise TypeError(f"not a passkey's key: {type(public_key).__name__}")


def registered(
    store: PasskeyStore, passkey: SoftPasskey, customer_id: str, *, at: datetime = _AT
) -> PasskeyCredential:
    """Register ``passkey`` for ``customer_id`` in ``store`` (its counter at 0) and return it."""
    credential = PasskeyCredential(
        passkey.key_id, customer_id, cose_key(passkey.public_key), 0, at
    )
    store.add(credential)
    return credential


def trusting(
    passkey: SoftPasskey, rp_id: str, origins: Iterable[str], customer_id: str = "C-1"
) -> Passkeys:
    """:class:`~reimbursement.adapters.passkeys.Passkeys` of the site ``rp_id`` that trust
    ``passkey``, registered (in memory) for ``customer_id``: a desk's verifier in tests."""
    from ..adapters.memory import InMemoryPasskeys
    from ..adapters.passkeys import Passkeys

    passkeys = Passkeys(InMemoryPasskeys(), rp_id, origins)
    registered(passkeys.store, passkey, customer_id)
    return passkeys


def _credential(credential_id: str, customer_id: str, count: int = 0) -> PasskeyCredential:
    return PasskeyCredential(credential_id, customer_id, b"\xa1\x01\x02", count, _AT, "phone")


class PasskeyStoreContract:
    """What every :class:`~reimbursement.ports.PasskeyStore` must do (fixture ``passkeys``)."""

    def test_a_registered_passkey_reads_back_as_it_was_given(self, passkeys: PasskeyStore) -> None:
        credential = _credential("cred-A", "C-1", 7)
        passkeys.add(credential)
        assert passkeys.get("cred-A") == credential
        assert passkeys.get("cred-B") is None

    def test_a_credential_id_registers_once_even_for_another_customer(
        self, passkeys: PasskeyStore
    ) -> None:
        passkeys.add(_credential("cred-A", "C-1"))
        with pytest.raises(DuplicateError, match="already registered"):
            passkeys.add(_credential("cred-A", "C-2"))
        assert passkeys.get("cred-A") == _credential("cred-A", "C-1")

    def test_ids_are_told_apart_exactly(self, passkeys: PasskeyStore) -> None:
        passkeys.add(_credential("cred-A", "C-1"))
        passkeys.add(_credential("cred-a", "C-1"))
        assert passkeys.get("cred-A ") is None
        assert passkeys.get("cred-a") == _credential("cred-a", "C-1")

    def test_a_customers_passkeys_are_theirs_in_the_order_registered(
        self, passkeys: PasskeyStore
    ) -> None:
        for credential_id, customer in [("z", "C-1"), ("m", "C-2"), ("a", "C-1")]:
            passkeys.add(_credential(credential_id, customer))
        assert [c.credential_id for c in passkeys.of_customer("C-1")] == ["z", "a"]
        assert passkeys.of_customer("C-3") == []

    def test_the_counter_moves_only_from_the_value_seen(self, passkeys: PasskeyStore) -> None:
        passkeys.add(_credential("cred-A", "C-1", 3))
        assert passkeys.advance("cred-A", 3, 4)
        assert not passkeys.advance("cred-A", 3, 5), "a second accept of the same count won"
        found = passkeys.get("cred-A")
        assert found is not None
        assert found.sign_count == 4
        assert not passkeys.advance("nobody", 0, 1)
