"""What the customer does: drafts, submission, messages, tracking (documents: ``_documents``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Unpack

from ..audit.signatures import Signing, signing
from ..domain import commands as cmd
from ..domain import feedback_rules
from ..domain.actors import Actor
from ..domain.authorization import (
    authorize,
    authorize_message,
    authorize_own_claims,
    authorize_staff,
    authorize_staff_read,
    authorize_start_draft,
    authorize_view,
)
from ..domain.checks import require_bool, require_items, require_type
from ..domain.claim import Claim, Claimant, Message
from ..domain.events import Visibility
from ..domain.feedback import Feedback, FeedbackStage
from ..domain.feedback_rules import FeedbackPolicy, ProblemCatalogue
from ..domain.inputs import ClaimPatch, LineInput
from ..domain.lifecycle import Action
from ..errors import DuplicateRequestError
from ..ports import Page
from ._arguments import Answers, check_actor, check_feedback
from ._core import DeskCore, Request, Step
from ._documents import flag_duplicates
from .views import ClaimTracking, CustomerClaim, posted_message

__all__ = ["CustomerCalls"]


class CustomerCalls(DeskCore):
    """What the customer does: drafts, documents, submission, messages, tracking."""

    def start_draft(
        self, actor: Actor, lines: Sequence[LineInput] = (), *, request_id: str | None = None
    ) -> CustomerClaim:
        """A new draft for the customer ``actor``, pre-filled from what the insurer knows.

        Name, policy, payee account and contact come from the customer directory;
        the last claim fills only what it leaves blank (``claim.prefilled``).
        Raises :class:`~reimbursement.errors.CustomerNotFoundError`,
        :class:`~reimbursement.errors.ValidationError` for bad lines (``lines``
        is a list or tuple of ``LineInput``).
        """
        authorize_start_draft(check_actor(actor))
        given = require_items("lines", lines, LineInput, "LineInput")
        request = self._request(actor, request_id, self.start_draft, given)
        try:
            return self._customers(self._answer(actor, self._start_draft(actor, given, request)))
        except DuplicateRequestError:  # the same request committed first elsewhere: replay it
            return self._customers(self._answer(actor, self._start_draft(actor, given, request)))

    def _start_draft(
        self, actor: Actor, lines: Sequence[LineInput], request: Request | None
    ) -> Claim:
        profile = self.adapters.directory.profile(actor.id)
        with self._uow() as uow:
            claims = uow.claims
            if request is not None and (done := claims.request(request.key)) is not None:
                return self._replay(actor, request, done, None, claims).claim
            latest = claims.latest_for_customer(actor.id)
            known = Claimant(
                profile.customer_id,
                profile.name,
                profile.policy_number,
                profile.payee_account,
                profile.email,
                profile.language,
            )
            claimant, prefilled = cmd.prefill(known, latest.claimant if latest else None)
            now = self._clock.now()
            claim = cmd.start_draft(
                self._new_id(),
                claimant,
                profile.policy_currency,
                actor,
                now,
                lines,
                self._convert,
                limits=self.settings.limits,
                prefilled=prefilled,
            )
            claims.add(claim)
            if request is not None:
                claims.remember_request(request.record(claim))
            uow.commit()
        return claim

    def update_draft(
        self, actor: Actor, claim_id: str, patch: ClaimPatch, *, request_id: str | None = None
    ) -> CustomerClaim:
        """The draft with ``patch`` applied (only what changed: costs what it holds)."""
        require_type("patch", patch, ClaimPatch, "a ClaimPatch")
        limits = self.settings.limits

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.UPDATE_DRAFT)
            return cmd.update_draft(claim, actor, step.now, patch, self._convert, limits=limits)

        request = self._request(actor, request_id, self.update_draft, patch)
        return self._customers(self._run(actor, claim_id, request, decide))

    def submit(
        self, actor: Actor, claim_id: str, *, request_id: str | None = None, **sig: Unpack[Signing]
    ) -> CustomerClaim:
        """Submit the draft: it gets its number, goes to a reviewer, the customer is told.

        A repeated call with the same ``request_id`` returns the claim as it
        is and does nothing. Raises :class:`~reimbursement.errors.ValidationError`
        (listing what is missing), :class:`~reimbursement.errors.SignatureError`
        (``signature`` and ``declarations``: ``docs/signature.md``) or
        :class:`~reimbursement.errors.NoEligibleReviewerError`.
        """

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.SUBMIT)
            prefix = self.settings.number_prefix

            def number() -> str:  # taken only once the claim is known to be complete
                sequence = step.claims.next_number(f"{prefix}-{step.now.year}")
                return f"{prefix}-{step.now.year}-{sequence:06d}"

            signed = signing(self.adapters.verifier, claim.version, **sig)
            required = self.settings.require_receipts
            submitted = cmd.submit(
                claim,
                actor,
                step.now,
                number,
                require_receipts=required,
                requirements=self.settings.requirements,
                signed=signed,
            )
            flagged = flag_duplicates(submitted, step.claims, self.settings)
            return self._review(flagged, step)

        request = self._request(actor, request_id, self.submit)
        return self._customers(self._run(actor, claim_id, request, decide))

    def resubmit(
        self,
        actor: Actor,
        claim_id: str,
        patch: ClaimPatch | None = None,
        *,
        request_id: str | None = None,
        **sig: Unpack[Signing],
    ) -> CustomerClaim:
        """Fix a returned claim with only what changed, and send it back (signed: see submit)."""
        fix = require_type(
            "patch", ClaimPatch() if patch is None else patch, ClaimPatch, "a patch"
        )

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.RESUBMIT)
            fixed = cmd.resubmit(
                claim,
                actor,
                step.now,
                fix,
                self._convert,
                require_receipts=self.settings.require_receipts,
                limits=self.settings.limits,
                requirements=self.settings.requirements,
                signed=signing(self.adapters.verifier, claim.version, **sig),
            )
            flagged = flag_duplicates(fixed, step.claims, self.settings)
            return self.reviews.route(flagged, step.now, step.claims)

        request = self._request(actor, request_id, self.resubmit, fix)
        return self._customers(self._run(actor, claim_id, request, decide))

    def withdraw(
        self, actor: Actor, claim_id: str, reason: str = "", *, request_id: str | None = None
    ) -> CustomerClaim:
        """Withdraw the claim before it is decided."""

        def decide(claim: Claim, step: Step) -> Claim:
            authorize(actor, claim, Action.WITHDRAW)
            return cmd.withdraw(claim, actor, step.now, reason, limits=self.settings.limits)

        request = self._request(actor, request_id, self.withdraw, reason)
        return self._customers(self._run(actor, claim_id, request, decide))

    def post_message(
        self,
        actor: Actor,
        claim_id: str,
        body: str,
        *,
        internal: bool = False,
        request_id: str | None = None,
    ) -> Message:
        """Post on the claim's thread; ``internal`` notes are for staff only.

        Returns the message as posted, nothing else of the claim (no staff
        notes for a customer): the thread is read with ``track()`` or ``get()``.
        Retried on a fresh read when someone else changed the claim meanwhile.
        ``body`` may span lines; ``settings.limits`` caps it and the thread.
        """
        require_bool("internal", internal)
        visibility = Visibility.INTERNAL if internal else Visibility.CUSTOMER
        limits = self.settings.limits

        def decide(claim: Claim, step: Step) -> Claim:
            authorize_message(actor, claim, visibility)
            return cmd.post_message(claim, actor, step.now, body, visibility, limits=limits)

        request = self._request(actor, request_id, self.post_message, body, internal)
        done = self._commit(actor, claim_id, request, decide, True)
        return posted_message(done.claim, actor, done.version, body, visibility)

    def track(self, actor: Actor, claim_id: str, *, language: str | None = None) -> ClaimTracking:
        """The customer's view of the claim: stage, next step, timeline, visible messages.

        Worded in ``language`` (a BCP 47 tag, such as a page's) when given, else in the
        claimant's; a language the texts lack reads in their base language.
        """
        self._check_read(actor, "claim_id", claim_id)
        if language is not None:
            self._check_id("language", language)
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
        authorize_view(actor, claim)
        return self._tracking(claim, language)

    def track_number(self, actor: Actor, number: str) -> ClaimTracking:
        """:meth:`track` by the claim's number (``CLM-2026-000001``, as on the customer's letter).

        Raises :class:`~reimbursement.errors.ClaimNotFoundError`, and
        :class:`~reimbursement.errors.AuthorizationError` for another customer's claim.
        """
        self._check_read(actor, "number", number)
        with self._uow() as uow:
            claim = uow.claims.by_number(number)
        authorize_view(actor, claim)
        return self._tracking(claim)

    def claims_of(
        self,
        actor: Actor,
        *,
        after: str | None = None,
        limit: int = 20,
        language: str | None = None,
    ) -> Page[ClaimTracking]:
        """The customer ``actor``'s claims, oldest first, one page at a time.

        Pass the page's ``next_cursor`` as ``after`` for the next page; ``language``
        words them as in :meth:`track`.
        """
        authorize_own_claims(check_actor(actor))
        if language is not None:
            self._check_id("language", language)
        with self._uow() as uow:
            found = uow.claims.for_customer(actor.id, after=after, limit=limit)
        return Page(tuple(self._tracking(c, language) for c in found.items), found.next_cursor)

    def get(self, actor: Actor, claim_id: str) -> Claim:
        """The whole claim, internal notes included: for staff.

        Raises :class:`~reimbursement.errors.AuthorizationError` for anyone but
        staff, :class:`~reimbursement.errors.FourEyesError` for its claimant
        (in any role); customers follow their claims with :meth:`track`.
        """
        self._check_read(actor, "claim_id", claim_id)
        authorize_staff(actor, "read whole claims (customers use track())")
        with self._uow() as uow:
            claim = uow.claims.get(claim_id)
        authorize_staff_read(actor, claim)
        return claim

    def by_number(self, actor: Actor, number: str) -> Claim:
        """The whole claim numbered ``number``, for staff (like :meth:`get`)."""
        self._check_read(actor, "number", number)
        authorize_staff(actor, "read whole claims (customers use track_number())")
        with self._uow() as uow:
            claim = uow.claims.by_number(number)
        authorize_staff_read(actor, claim)
        return claim

    def give_feedback(
        self,
        actor: Actor,
        claim_id: str,
        *,
        ratings: Mapping[FeedbackStage, int] | None = None,
        ces: int | None = None,
        nps: int | None = None,
        problems: Sequence[str] = (),
        text: str = "",
        channel: str = "web",
        request_id: str | None = None,
    ) -> CustomerClaim:
        """The customer rates their decided claim: CSAT per stage (1–5), effort (1–7), NPS (0–10).

        Once per claim (edit it with :meth:`edit_feedback`); ``problems`` are
        codes of ``settings.problems``. Raises
        :class:`~reimbursement.errors.AuthorizationError` for anyone but the claim's
        customer, :class:`~reimbursement.errors.DuplicateError` when given already,
        :class:`~reimbursement.errors.ValidationError` listing every bad value or a
        claim not decided yet.
        """
        answers = Answers(ratings, ces, nps, problems, text, channel)
        return self._feedback(feedback_rules.give_feedback, actor, claim_id, request_id, answers)

    def edit_feedback(
        self,
        actor: Actor,
        claim_id: str,
        *,
        ratings: Mapping[FeedbackStage, int] | None = None,
        ces: int | None = None,
        nps: int | None = None,
        problems: Sequence[str] = (),
        text: str = "",
        channel: str = "web",
        request_id: str | None = None,
    ) -> CustomerClaim:
        """Replace the customer's feedback, within the policy's edit window.

        Raises as :meth:`give_feedback`, and :class:`~reimbursement.errors.ValidationError`
        when there is nothing to edit or the window has closed.
        """
        answers = Answers(ratings, ces, nps, problems, text, channel)
        return self._feedback(feedback_rules.edit_feedback, actor, claim_id, request_id, answers)

    def _feedback(
        self,
        record: Callable[
            [Claim, Actor, datetime, Feedback, FeedbackPolicy, ProblemCatalogue], Claim
        ],
        actor: Actor,
        claim_id: str,
        request_id: str | None,
        answers: Answers,
    ) -> CustomerClaim:
        check_feedback(
            answers.ratings,
            answers.problems,
            answers.text,
            answers.channel,
            self.settings.limits.max_id_length,
        )

        def decide(claim: Claim, step: Step) -> Claim:
            authorize_view(actor, claim)
            feedback = answers.given_at(step.now)
            return record(
                claim, actor, step.now, feedback, self.settings.feedback, self.settings.problems
            )

        request = self._request(actor, request_id, record, *answers.fingerprint())
        return self._customers(self._run(actor, claim_id, request, decide, retry_on_conflict=True))
