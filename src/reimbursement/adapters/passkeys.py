"""Passkeys (the ``[passkey]`` extra, py_webauthn): register one, sign a submission with it.

:class:`Passkeys` holds a site's relying party (its domain, ``rp_id``, and
the origins its pages are served from) over a
:class:`~reimbursement.ports.PasskeyStore`, and does the server's side of
both WebAuthn ceremonies with the ``webauthn`` package (py_webauthn):

- **registration**: :meth:`Passkeys.registration_options` for the browser's
  ``navigator.credentials.create``, then :meth:`Passkeys.register` checks
  the answer (the challenge given, our origin and relying party, the user
  present and verified) and keeps the credential's public key;
- **signing a submission**: :meth:`Passkeys.request_options` for
  ``navigator.credentials.get``, whose challenge is
  ``SHA-256(submission bytes)``, so the assertion signs the submission
  itself; :meth:`Passkeys.accept` checks a fresh assertion and moves the
  credential's sign counter on (a replayed or cloned assertion is refused);
- :meth:`Passkeys.verify` is the desk's :class:`~reimbursement.ports.Verifier`:
  the same checks but the counter, so a reviewer's later check of a stored
  signature still verifies.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from datetime import datetime

try:
    import webauthn
    from webauthn.helpers import (
        base64url_to_bytes,
        bytes_to_base64url,
        options_to_json_dict,
        parse_authentication_credential_json,
    )
    from webauthn.helpers.exceptions import WebAuthnException
    from webauthn.helpers.structs import (
        AuthenticationCredential,
        AuthenticatorAssertionResponse,
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )
except ModuleNotFoundError as error:  # pragma: no cover - exercised by test_extras
    from .._extras import missing

    raise missing(error, "passkey", "passkeys") from error

from ..audit.signatures import checked_signature
from ..errors import SignatureError, ValidationError
from ..ports import PasskeyCredential, PasskeyStore, Signature

__all__ = ["MAX_REGISTRATION", "Passkeys"]

MAX_REGISTRATION = 64 * 1024
"""The longest answer of the browser read, in characters (an attestation with its
certificates is a few kilobytes, an assertion less than one)."""

_WHAT_WENT_WRONG = (WebAuthnException, ValueError, TypeError, KeyError, RecursionError)
"""What py_webauthn raises on a malformed answer besides its own errors."""


def _customer_of(payload: bytes) -> str | None:
    """The customer a submission's canonical bytes name; ``None`` for other bytes."""
    if not payload.startswith(b"{"):
        return None
    try:
        customer = json.loads(payload).get("customer_id")
    except (ValueError, AttributeError, RecursionError):
        return None
    return customer if isinstance(customer, str) else None


def _raw_id(credential_id: str) -> bytes:
    try:
        return base64url_to_bytes(credential_id)
    except ValueError:
        raise SignatureError.at("signature.key_id", "is not base64url") from None


class Passkeys:
    """The passkeys of one site: ``rp_id`` (its domain) served from ``origins``.

    ``store`` keeps the credentials; ``rp_name`` is what the browser shows
    when a passkey is made. With ``user_verification`` (the default) the
    authenticator must have verified the user (PIN or biometrics), not only
    seen someone touch it.
    """

    def __init__(
        self,
        store: PasskeyStore,
        rp_id: str,
        origins: Iterable[str],
        *,
        rp_name: str = "Claims",
        user_verification: bool = True,
    ) -> None:
        self.store = store
        self.rp_id = rp_id
        self.origins = sorted(set(origins))
        self.rp_name = rp_name
        self.user_verification = user_verification
        self._uv = (
            UserVerificationRequirement.REQUIRED
            if user_verification
            else UserVerificationRequirement.PREFERRED
        )

    def _descriptors(self, customer_id: str) -> list[PublicKeyCredentialDescriptor]:
        return [
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c.credential_id))
            for c in self.store.of_customer(customer_id)
        ]

    def registration_options(self, customer_id: str, user_name: str) -> dict[str, object]:
        """The JSON options of ``navigator.credentials.create`` for a new passkey of the customer.

        Their ``challenge`` is 32 fresh random bytes (base64url): keep it (the
        portal keeps it in the session) and give it to :meth:`register` with
        the answer. The customer's passkeys are excluded, so one
        authenticator registers once.
        """
        options = webauthn.generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self.rp_name,
            user_name=user_name,
            user_id=hashlib.sha256(f"reimbursement-customer:{customer_id}".encode()).digest(),
            challenge=secrets.token_bytes(32),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED, user_verification=self._uv
            ),
            exclude_credentials=self._descriptors(customer_id),
        )
        return options_to_json_dict(options)

    def register(
        self, customer_id: str, answer: str, challenge: str, at: datetime, *, name: str = ""
    ) -> PasskeyCredential:
        """Check the browser's ``answer`` (the JSON of the new credential) and keep the passkey.

        ``challenge`` is the one of the options the browser was given.

        Raises :class:`~reimbursement.errors.SignatureError` at ``passkey``
        when it does not verify (another challenge or origin, no user
        verification, a malformed answer), :class:`~reimbursement.errors.DuplicateError`
        when that credential is already registered.
        """
        if not isinstance(answer, str) or len(answer) > MAX_REGISTRATION:
            raise ValidationError.at(
                "passkey", f"is not a registration of at most {MAX_REGISTRATION:,} characters"
            )
        try:
            made = webauthn.verify_registration_response(
                credential=answer,
                expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=self.rp_id,
                expected_origin=self.origins,
                require_user_verification=self.user_verification,
            )
        except _WHAT_WENT_WRONG as error:
            raise SignatureError.at(
                "passkey", f"the registration does not verify ({str(error)[:200]}): try again"
            ) from None
        credential = PasskeyCredential(
            bytes_to_base64url(made.credential_id),
            customer_id,
            made.credential_public_key,
            made.sign_count,
            at,
            name[:200],
        )
        self.store.add(credential)
        return credential

    def request_options(self, customer_id: str, payload: bytes) -> dict[str, object]:
        """The JSON options of ``navigator.credentials.get`` that sign ``payload`` (a submission).

        The challenge is ``SHA-256(payload)``; the customer's passkeys are the
        allowed credentials. Raises :class:`~reimbursement.errors.ValidationError`
        at ``passkey`` when the customer has registered none.
        """
        allowed = self._descriptors(customer_id)
        if not allowed:
            raise ValidationError.at("passkey", "register a passkey first, then sign with it")
        options = webauthn.generate_authentication_options(
            rp_id=self.rp_id,
            challenge=hashlib.sha256(payload).digest(),
            allow_credentials=allowed,
            user_verification=self._uv,
        )
        return options_to_json_dict(options)

    def signature_of(self, answer: str) -> Signature:
        """The browser's assertion (the JSON of ``credential.toJSON()``) as a Signature.

        Raises :class:`~reimbursement.errors.SignatureError` at ``passkey`` for
        anything else (too long, not JSON, parts missing or not base64url).
        """
        if not isinstance(answer, str) or len(answer) > MAX_REGISTRATION:
            raise SignatureError.at("passkey", "is not a passkey's signature: sign again")
        try:
            given = parse_authentication_credential_json(answer)
        except _WHAT_WENT_WRONG:
            raise SignatureError.at(
                "passkey", "is not a passkey's signature: sign again"
            ) from None
        part = given.response
        return Signature(
            "webauthn", given.id, part.signature, part.authenticator_data, part.client_data_json
        )

    def _checked(self, payload: bytes, signature: Signature) -> tuple[PasskeyCredential, int]:
        """The registered passkey that made ``signature`` over ``payload``, and its new count."""
        checked_signature(signature)
        if signature.algorithm != "webauthn":
            raise SignatureError.at(
                "signature.algorithm", f"{signature.algorithm[:40]!r} is not webauthn"
            )
        raw_id = _raw_id(signature.key_id)
        credential = self.store.get(signature.key_id)
        if credential is None:
            raise SignatureError.at(
                "signature.key_id", "is not a key this desk trusts: no passkey registered here"
            )
        owner = _customer_of(bytes(payload))
        if owner is not None and credential.customer_id != owner:
            raise SignatureError.at(
                "signature.key_id",
                "is another customer's passkey: the claimant signs with their own",
            )
        try:
            checked = webauthn.verify_authentication_response(
                credential=AuthenticationCredential(
                    id=signature.key_id,
                    raw_id=raw_id,
                    response=AuthenticatorAssertionResponse(
                        client_data_json=signature.client_data_json,
                        authenticator_data=signature.authenticator_data,
                        signature=signature.value,
                    ),
                ),
                expected_challenge=hashlib.sha256(payload).digest(),
                expected_rp_id=self.rp_id,
                expected_origin=self.origins,
                credential_public_key=credential.public_key,
                credential_current_sign_count=0,  # the counter is accept's, not a re-check's
                require_user_verification=self.user_verification,
            )
        except _WHAT_WENT_WRONG as error:
            raise _refusal(error) from None
        return credential, checked.new_sign_count

    def verify(self, payload: bytes, signature: Signature) -> None:
        """Return if a registered passkey signed ``payload``: for a submission (canonical
        bytes naming a ``customer_id``), one of that customer's passkeys.

        Raises :class:`~reimbursement.errors.SignatureError` otherwise: an
        unknown passkey or another customer's, other bytes (another
        challenge), another origin or relying party, no user verification,
        a signature that does not verify. The sign counter is not looked at
        (that is :meth:`accept`'s), so a stored signature checks again later.
        """
        self._checked(payload, signature)

    def accept(self, payload: bytes, signature: Signature) -> None:
        """:meth:`verify` a fresh assertion, and move its passkey's sign counter on.

        Call it once per assertion, before the desk's ``submit``: an assertion
        whose counter is not past the one last accepted (a replay, or a
        cloned authenticator) raises :class:`~reimbursement.errors.SignatureError`,
        and so does one accepted by another process at the same moment.
        A passkey that does not count (0, as synced passkeys send) is not
        refused for it.
        """
        credential, count = self._checked(payload, signature)
        seen = credential.sign_count
        if (count > 0 or seen > 0) and count <= seen:
            raise SignatureError.at(
                "signature.authenticator_data",
                f"the passkey's counter is {count}, not past {seen}: this assertion was "
                "replayed, or the authenticator cloned; sign again",
            )
        if not self.store.advance(credential.credential_id, seen, count):
            raise SignatureError.at(
                "signature.authenticator_data",
                "the passkey was used for another signature at the same moment: sign again",
            )


def _refusal(error: Exception) -> ValidationError:
    text = str(error)
    if "challenge" in text:
        return SignatureError.at(
            "signature.client_data_json",
            "its challenge is not this submission's: the customer signed other bytes "
            "(the claim changed since?); sign again",
        )
    return SignatureError.at("signature", f"the passkey's assertion does not verify: {text[:200]}")
