"""Signatures on the desk: the bytes a customer signs, and what a reviewer sees of them."""

from __future__ import annotations

from collections.abc import Sequence

from ..audit.canonical import submission_bytes
from ..audit.signatures import (
    SignatureState,
    SignatureStatus,
    checked_declarations,
    recorded_signature,
    signature_status,
)
from ..domain import commands as cmd
from ..domain.actors import Actor
from ..domain.authorization import authorize
from ..domain.checks import require_type
from ..domain.inputs import ClaimPatch
from ..domain.lifecycle import Action, ClaimState
from ._core import DeskCore

__all__ = ["SigningCalls"]


class SigningCalls(DeskCore):
    """The customer's payload to sign, and the signature's status for reviewers."""

    def submission_to_sign(
        self,
        actor: Actor,
        claim_id: str,
        patch: ClaimPatch | None = None,
        declarations: Sequence[str] = (),
    ) -> bytes:
        """The RFC 8785 bytes the customer signs to submit the draft (or, with ``patch``,
        to resubmit the returned claim so fixed): pass the signature to ``submit``
        or ``resubmit`` with the same ``declarations``.

        A change to the claim in between (another version) makes the signature
        fail: sign again. Raises what ``submit``/``resubmit`` would for a claim
        the customer may not submit, or a patch that does not apply.
        """
        claim = self._viewed(actor, claim_id)
        texts = checked_declarations(declarations)
        if claim.state is ClaimState.DRAFT and patch is None:
            authorize(actor, claim, Action.SUBMIT)
            return submission_bytes(claim, texts)
        authorize(actor, claim, Action.RESUBMIT)
        fix = require_type(
            "patch", ClaimPatch() if patch is None else patch, ClaimPatch, "a patch"
        )
        limits = self.settings.limits
        now = self._clock.now()
        fixed = cmd.resubmit(
            claim, actor, now, fix, self._convert, require_receipts=False, limits=limits
        )
        return submission_bytes(fixed, texts, version=claim.version)

    def signature_status(self, actor: Actor, claim_id: str) -> SignatureStatus:
        """Whether the latest submission of the claim is signed and verifies, for its reviewers.

        Checked again with the desk's verifier over the claim as stored; a desk
        without a verifier reports a recorded signature as not checkable (invalid).
        """
        claim = self._viewed(actor, claim_id)
        verifier = self.adapters.verifier
        if verifier is None:
            if recorded_signature(claim) is None:
                return SignatureStatus(
                    SignatureState.UNSIGNED, None, "the submission was not signed"
                )
            return SignatureStatus(SignatureState.INVALID, None, "this desk has no verifier")
        return signature_status(claim, verifier)
