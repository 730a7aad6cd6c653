"""What the customer does: drafts, documents, submission, messages, tracking."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ..domain import commands as cmd
from ..domain import voice
from ..domain.actors import Actor, Role
from ..domain.authorization import authorize, authorize_message, authorize_view
from ..domain.claim import Attachment, Claim, Claimant
from ..domain.events import Visibility
from ..domain.feedback import Feedback, Stage
from ..domain.inputs import ClaimPatch, LineInput
from ..domain.lifecycle import Action
from ..domain.voice import FeedbackPolicy, ProblemCatalogue
from ..errors import AuthorizationError
from ._core import DeskCore, _Work
from .views import ClaimTracking

__all__ = ["CustomerCalls"]


class CustomerCalls(DeskCore):
    """What the customer does: drafts, documents, submission, messages, tracking."""

    def start_draft(
        self, actor: Actor, lines: Sequence[LineInput] = (), *, request_id: str | None = None
    ) -> Claim:
        """A new draft for the customer ``actor``, pre-filled from what the insurer knows.

        Name, policy and contact come from the customer directory; the payee
        account from the customer's last claim (else from the directory).
        Raises :class:`~reimbursement.CustomerNotFoundError`,
        :class:`~reimbursement.ValidationError` for bad lines.
        """
        if actor.role is not Role.CUSTOMER:
            raise AuthorizationError(f"{actor.id} acts as {actor.role}: drafts are customers'")
        profile = self.adapters.directory.profile(actor.id)
        key = self._request_key(actor, request_id)
        with self._uow() as uow:
            if key is not None and (done := uow.claims.claim_for_request(key)) is not None:
                return uow.claims.get(done)
            latest = uow.claims.latest_for_customer(actor.id)
            payee = (latest.claimant.payee_account if latest else "") or profile.payee_account
            claimant = Claimant(
                profile.customer_id,
                profile.name,
                profile.policy_number,
                payee,
                profile.email,
                profile.language,
            )
            if latest is not None and latest.claimant == claimant:
                claimant = latest.claimant  # one shared record per customer, not one per claim
            claim = cmd.start_draft(
                self._new_id(),
                claimant,
                profile.policy_currency,
                actor,
                self._clock.now(),
                lines,
                self._convert,
            )
            uow.claims.add(claim)
            if key is not None:
                uow.claims.remember_request(key, claim.id)
            uow.commit()
        return claim

    def update_draft(
        self, actor: Actor, claim_id: str, patch: ClaimPatch, *, request_id: str | None = None
    ) -> Claim:
        """The draft with ``patch`` applied (only what changed)."""
        return self._run(
            actor,
            claim_id,
            Action.UPDATE_DRAFT,
            request_id,
            lambda c, now: cmd.update_draft(c, actor, now, patch, self._convert),
        )

    def attach(
        self,
        actor: Actor,
        claim_id: str,
        file_name: str,
        content: bytes,
        *,
        line_id: str | None = None,
        request_id: str | None = None,
    ) -> Claim:
        """Attach a document (PDF, JPEG, PNG, HEIC, TIFF, WebP, judged by content).

        With ``line_id`` the document is also linked to that expense line as
        its receipt. Allowed on a draft or a returned claim, by its customer.
        Returns the claim; the new attachment is ``claim.attachments[-1]``.
        """
        media_type, sha256 = self.settings.documents.check(file_name, content)

        def attach(claim: Claim, now: datetime) -> Claim:
            cmd.check_attachable(claim, line_id)  # before the bytes are stored
            stored = self.adapters.documents.put(
                content, file_name=file_name, media_type=media_type
            )
            attachment = Attachment(stored.id, file_name, media_type, len(content), sha256)
            return cmd.add_attachment(claim, actor, now, attachment, line_id)

        return self._run(actor, claim_id, Action.UPDATE_DRAFT, request_id, attach)

    def submit(self, actor: Actor, claim_id: str, *, request_id: str | None = None) -> Claim:
        """Submit the draft: it gets its number, goes to a reviewer, the customer is told.

        A repeated call with the same ``request_id`` returns the claim as it
        is and does nothing. Raises :class:`~reimbursement.ValidationError`
        (listing what is missing) or :class:`~reimbursement.NoEligibleReviewerError`.
        """

        def submit(claim: Claim, now: datetime, work: _Work) -> Claim:
            authorize(actor, claim, Action.SUBMIT)
            prefix = self.settings.number_prefix

            def number() -> str:  # taken only once the claim is known to be complete
                sequence = work.uow.claims.next_number(f"{prefix}-{now.year}")
                return f"{prefix}-{now.year}-{sequence:06d}"

            submitted = cmd.submit(
                claim, actor, now, number, require_receipts=self.settings.require_receipts
            )
            return self.reviews.route(submitted, now, work.opened)

        return self._run_with_uow(actor, claim_id, request_id, submit)

    def resubmit(
        self,
        actor: Actor,
        claim_id: str,
        patch: ClaimPatch | None = None,
        *,
        request_id: str | None = None,
    ) -> Claim:
        """Fix a returned claim with only what changed, and send it back to review."""
        fix = patch if patch is not None else ClaimPatch()

        def resubmit(claim: Claim, now: datetime, work: _Work) -> Claim:
            authorize(actor, claim, Action.RESUBMIT)
            fixed = cmd.resubmit(
                claim,
                actor,
                now,
                fix,
                self._convert,
                require_receipts=self.settings.require_receipts,
            )
            return self.reviews.route(fixed, now, work.opened)

        return self._run_with_uow(actor, claim_id, request_id, resubmit)

    def withdraw(
        self, actor: Actor, claim_id: str, reason: str = "", *, request_id: str | None = None
    ) -> Claim:
        """Withdraw the claim before it is decided."""
        return self._run(
            actor,
            claim_id,
            Action.WITHDRAW,
            request_id,
            lambda c, now: cmd.withdraw(c, actor, now, reason),
        )

    def post_message(
        self,
        actor: Actor,
        claim_id: str,
        body: str,
        *,
        internal: bool = False,
        request_id: str | None = None,
    ) -> Claim:
        """Post on the claim's thread; ``internal`` notes are for staff only."""
        visibility = Visibility.INTERNAL if internal else Visibility.CUSTOMER

        def post(claim: Claim, now: datetime) -> Claim:
            authorize_message(actor, claim, visibility)
            return cmd.post_message(claim, actor, now, body, visibility)

        return self._run(actor, claim_id, None, request_id, post)

    def track(self, actor: Actor, claim_id: str) -> ClaimTracking:
        """The customer's view of the claim: stage, next step, timeline, visible messages."""
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
        authorize_view(actor, claim)
        return self._tracking(claim)

    def claims_of(self, actor: Actor) -> list[ClaimTracking]:
        """Every claim of the customer ``actor``, oldest first."""
        if actor.role is not Role.CUSTOMER:
            raise AuthorizationError("only a customer has claims of their own")
        with self._uow() as uow:
            claims = uow.claims.for_customer(actor.id)
        return [self._tracking(c) for c in claims]

    def get(self, actor: Actor, claim_id: str) -> Claim:
        """The whole claim, internal notes included: for staff.

        Raises :class:`~reimbursement.AuthorizationError` for customers, who
        follow their claims with :meth:`track`.
        """
        if actor.role is Role.CUSTOMER:
            raise AuthorizationError("customers follow their claims with track()")
        with self._uow() as uow:
            return uow.claims.get(claim_id)

    def give_feedback(
        self,
        actor: Actor,
        claim_id: str,
        *,
        ratings: Mapping[Stage, int] | None = None,
        ces: int | None = None,
        nps: int | None = None,
        problems: Sequence[str] = (),
        text: str = "",
        channel: str = "web",
        request_id: str | None = None,
    ) -> Claim:
        """The customer rates their decided claim: CSAT per stage (1–5), effort (1–7), NPS (0–10).

        Once per claim (edit it with :meth:`edit_feedback`); ``problems`` are
        codes of ``settings.problems``. Raises
        :class:`~reimbursement.AuthorizationError` for anyone but the claim's
        customer, :class:`~reimbursement.DuplicateError` when given already,
        :class:`~reimbursement.ValidationError` listing every bad value or a
        claim not decided yet.
        """
        return self._feedback(
            voice.give_feedback,
            actor,
            claim_id,
            request_id,
            ratings,
            ces,
            nps,
            problems,
            text,
            channel,
        )

    def edit_feedback(
        self,
        actor: Actor,
        claim_id: str,
        *,
        ratings: Mapping[Stage, int] | None = None,
        ces: int | None = None,
        nps: int | None = None,
        problems: Sequence[str] = (),
        text: str = "",
        channel: str = "web",
        request_id: str | None = None,
    ) -> Claim:
        """Replace the customer's feedback, within the policy's edit window.

        Raises as :meth:`give_feedback`, and :class:`~reimbursement.ValidationError`
        when there is nothing to edit or the window has closed.
        """
        return self._feedback(
            voice.edit_feedback,
            actor,
            claim_id,
            request_id,
            ratings,
            ces,
            nps,
            problems,
            text,
            channel,
        )

    def _feedback(
        self,
        record: Callable[
            [Claim, Actor, datetime, Feedback, FeedbackPolicy, ProblemCatalogue], Claim
        ],
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        ratings: Mapping[Stage, int] | None,
        ces: int | None,
        nps: int | None,
        problems: Sequence[str],
        text: str,
        channel: str,
    ) -> Claim:
        def give(claim: Claim, now: datetime) -> Claim:
            authorize_view(actor, claim)
            feedback = Feedback(now, dict(ratings or {}), ces, nps, tuple(problems), text, channel)
            return record(
                claim, actor, now, feedback, self.settings.feedback, self.settings.problems
            )

        return self._run(actor, claim_id, None, request_id, give)
