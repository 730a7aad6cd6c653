"""Signed submissions: what a submission's event records of its signature, and its check.

A signature covers :func:`~reimbursement.audit.canonical.submission_bytes`
of the claim as submitted, at the version the customer saw and with the
declarations they accepted. The ``submitted`` (or ``resubmitted``) event
records it in its data under ``signature.*`` keys, so the claim's own
record proves what was signed, and a reviewer (or anyone holding the
verifier's keys) checks it again with :func:`signature_status`.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TypedDict

import attrs

from ..domain.checks import require_items, require_text, require_type, type_name
from ..domain.claim import Claim
from ..domain.events import EventType
from ..domain.limits import (
    MAX_DECLARATION_LENGTH,
    MAX_DECLARATIONS,
    MAX_SIGNATURE_DATA,
    MAX_SIGNATURE_KEY_ID_LENGTH,
    MAX_SIGNATURE_VALUE,
)
from ..errors import SignatureError, ValidationError
from ..ports import Signature, Verifier
from .canonical import submission_bytes

__all__ = [
    "RecordedSignature",
    "SignatureState",
    "SignatureStatus",
    "Signing",
    "checked_declarations",
    "checked_signature",
    "recorded_signature",
    "signature_record",
    "signature_status",
    "signing",
]


class Signing(TypedDict, total=False):
    """What a customer sends with a (re)submission to sign it (``docs/signature.md``)."""

    signature: Signature
    declarations: Sequence[str]


_SUBMISSIONS = frozenset({EventType.SUBMITTED, EventType.RESUBMITTED})


def checked_declarations(value: object) -> tuple[str, ...]:
    """``value`` as the declarations a customer accepted: at most :data:`MAX_DECLARATIONS`
    texts of at most :data:`MAX_DECLARATION_LENGTH` characters each.

    They come from outside and are signed, stored in the submission's event
    and shown again: raises :class:`~reimbursement.errors.ValidationError`
    at ``declarations`` (or ``declarations[i]``) for anything else.
    """
    texts = require_items("declarations", value, str, "texts (str)")
    if len(texts) > MAX_DECLARATIONS:
        raise ValidationError.at(
            "declarations", f"holds {len(texts):,} texts; the limit is {MAX_DECLARATIONS}"
        )
    return tuple(
        require_text(f"declarations[{i}]", text, MAX_DECLARATION_LENGTH, multiline=True)
        for i, text in enumerate(texts)
    )


def _bytes(path: str, value: object, limit: int) -> None:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValidationError.at(path, f"must be bytes, got {type_name(value)}")
    if len(value) > limit:
        raise ValidationError.at(path, f"is {len(value):,} bytes long; the limit is {limit:,}")


def checked_signature(value: object) -> Signature:
    """``value`` when it is a :class:`~reimbursement.ports.Signature` of bounded parts.

    A signature comes from the customer's device: its algorithm (at most 40
    characters), key id (:data:`~reimbursement.domain.limits.MAX_SIGNATURE_KEY_ID_LENGTH`),
    value (:data:`~reimbursement.domain.limits.MAX_SIGNATURE_VALUE` bytes) and
    WebAuthn data (:data:`~reimbursement.domain.limits.MAX_SIGNATURE_DATA`
    bytes each) are checked before any of it is parsed, verified or stored.
    Raises :class:`~reimbursement.errors.SignatureError` (a
    :class:`~reimbursement.errors.ValidationError`) at ``signature.<field>``.
    """
    try:
        signature = require_type(
            "signature", value, Signature, "a Signature (reimbursement.ports)"
        )
        require_text("signature.algorithm", signature.algorithm, 40, empty=False)
        require_text(
            "signature.key_id", signature.key_id, MAX_SIGNATURE_KEY_ID_LENGTH, empty=False
        )
        _bytes("signature.value", signature.value, MAX_SIGNATURE_VALUE)
        _bytes("signature.authenticator_data", signature.authenticator_data, MAX_SIGNATURE_DATA)
        _bytes("signature.client_data_json", signature.client_data_json, MAX_SIGNATURE_DATA)
    except SignatureError:
        raise
    except ValidationError as error:
        raise SignatureError("a malformed signature", error.problems) from None
    return signature


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signature_record(
    signature: Signature, payload: bytes, version: int, declarations: Sequence[str]
) -> dict[str, str]:
    """The event data that records ``signature`` over ``payload`` (the claim at ``version``)."""
    record = {
        "signature.algorithm": signature.algorithm,
        "signature.key_id": signature.key_id,
        "signature.value": _b64(signature.value),
        "signature.version": str(version),
        "signature.sha256": hashlib.sha256(payload).hexdigest(),
        "signature.declarations": json.dumps(list(declarations), ensure_ascii=False),
    }
    if signature.authenticator_data or signature.client_data_json:
        record["signature.authenticator_data"] = _b64(signature.authenticator_data)
        record["signature.client_data_json"] = _b64(signature.client_data_json)
    return record


@attrs.frozen
class RecordedSignature:
    """A signature as a submission's event recorded it."""

    seq: int
    signature: Signature
    version: int
    declarations: tuple[str, ...]


def _decoded(data: Mapping[str, str], seq: int) -> RecordedSignature:
    try:
        declarations = json.loads(data.get("signature.declarations", "[]"))
        signature = Signature(
            data["signature.algorithm"],
            data["signature.key_id"],
            base64.b64decode(data["signature.value"], validate=True),
            base64.b64decode(data.get("signature.authenticator_data", ""), validate=True),
            base64.b64decode(data.get("signature.client_data_json", ""), validate=True),
        )
        version = int(data["signature.version"])
    except (KeyError, ValueError, binascii.Error) as error:
        raise SignatureError.at(
            f"events[{seq - 1}].data", f"a broken signature record: {error}"
        ) from None
    if not isinstance(declarations, list) or not all(isinstance(d, str) for d in declarations):
        raise SignatureError.at(f"events[{seq - 1}].data", "declarations are not a list of texts")
    return RecordedSignature(seq, signature, version, tuple(declarations))


def recorded_signature(claim: Claim) -> RecordedSignature | None:
    """The signature of the claim's latest submission; ``None`` when it was not signed.

    Raises :class:`~reimbursement.errors.SignatureError` for a record that
    cannot be read.
    """
    latest = None
    for event in claim.events:
        if event.type in _SUBMISSIONS:
            latest = event
    if latest is None or "signature.value" not in latest.data:
        return None
    return _decoded(latest.data, latest.seq)


class SignatureState(enum.StrEnum):
    """What a reviewer sees of the signature on the latest submission."""

    VALID = "valid"
    INVALID = "invalid"
    UNSIGNED = "unsigned"


@attrs.frozen
class SignatureStatus:
    """Whether the latest submission is signed, by whom, and whether it verifies (and why not)."""

    state: SignatureState
    key_id: str | None = None
    reason: str = ""

    @property
    def valid(self) -> bool:
        """True only for a signature that verifies over the claim as it is."""
        return self.state is SignatureState.VALID


def signature_status(claim: Claim, verifier: Verifier) -> SignatureStatus:
    """Check the latest submission's signature again, over the claim as it is now."""
    try:
        recorded = recorded_signature(claim)
    except SignatureError as error:
        return SignatureStatus(SignatureState.INVALID, None, str(error))
    if recorded is None:
        return SignatureStatus(SignatureState.UNSIGNED, None, "the submission was not signed")
    payload = submission_bytes(claim, recorded.declarations, version=recorded.version)
    try:
        verifier.verify(payload, recorded.signature)
    except SignatureError as error:
        return SignatureStatus(SignatureState.INVALID, recorded.signature.key_id, str(error))
    return SignatureStatus(SignatureState.VALID, recorded.signature.key_id)


def signing(
    verifier: Verifier | None,
    version: int,
    signature: Signature | None = None,
    declarations: Sequence[str] = (),
) -> Callable[[Claim], Mapping[str, str]] | None:
    """The check of ``signature`` over a claim about to be (re)submitted from ``version``.

    ``None`` (nothing to check or record) when there is neither a verifier
    nor a signature. Raises :class:`~reimbursement.errors.SignatureError`
    at once for a missing signature where the desk has a verifier, and for a
    signature where it has none; the check it gives raises it for a
    signature that does not verify over the claim as it would be submitted.
    """
    texts = checked_declarations(declarations)
    if signature is None:
        if verifier is None:
            return None
        raise SignatureError.at(
            "signature",
            "this desk requires the customer's signature: sign the bytes of "
            "desk.submission_to_sign(...) and send the signature",
        )
    if verifier is None:
        raise SignatureError.at(
            "signature", "this desk checks no signatures: give it a verifier (Adapters.verifier)"
        )
    checked_signature(signature)
    checked = verifier

    def check(claim: Claim) -> Mapping[str, str]:
        payload = submission_bytes(claim, texts, version=version)
        checked.verify(payload, signature)
        return signature_record(signature, payload, version, texts)

    return check
