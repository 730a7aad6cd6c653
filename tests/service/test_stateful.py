"""Random sequences of actions by random actors never break the lifecycle's promises.

After every step, for every claim: paid ≤ approved ≤ claimed; no payment
without an approval; nothing paid twice; the timeline replays to the
claim's state with exactly one event per state change; every claim passes
``check_claim`` and reads back from its JSON; versions only grow;
nobody approved or paid their own claim, and the payment approver is not the
claim's approver. A refused action raises a library error and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    ClaimState,
    CustomerProfile,
    DeskSettings,
    LineDecision,
    LineInput,
    LinePatch,
    Money,
    ReimbursementDesk,
    Role,
    from_json,
    in_memory_desk,
    to_json,
)
from reimbursement.adapters.memory import InMemoryPaymentGateway, ManualClock
from reimbursement.claims import check_claim
from reimbursement.errors import ReimbursementError
from reimbursement.payments import iban_for

PDF = b"%PDF-1.4 receipt"
PEOPLE = ["ana", "ben", "rita"]  # rita is a customer and also a reviewer and finance officer
ACTORS = [
    *(Actor(p, Role.CUSTOMER) for p in PEOPLE),
    Actor("rita", Role.REVIEWER),
    Actor("raj", Role.REVIEWER),
    Actor("rita", Role.FINANCE),
    Actor("fiona", Role.FINANCE),
    Actor("gateway", Role.SYSTEM),
]
# None stands for "the person who should act" (the claim's customer, its assigned
# reviewer, a finance officer who did not approve it): without it, random actors
# would almost never move a claim past review
actors = st.sampled_from([*ACTORS, None, None, None])
amounts = st.one_of(
    st.sampled_from(["12.50", "99.99", "100.00", "480.00", "2500.00"]),
    st.decimals(min_value="0.01", max_value="5000", places=2).map(str),
)


class LifecycleMachine(RuleBasedStateMachine):
    claims = Bundle("claims")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(datetime(2026, 5, 4, 8, tzinfo=UTC))
        profiles = [
            CustomerProfile(
                p, p.title(), f"POL-{p}", "EUR", payee_account=iban_for("DE", f"{i:018d}")
            )
            for i, p in enumerate(PEOPLE)
        ]
        self.desk: ReimbursementDesk = in_memory_desk(
            reviewers=["rita", "raj"],
            customers=profiles,
            clock=self.clock,
            settings=DeskSettings(finance_approval_threshold=Money("100", "EUR")),
        )
        gateway = self.desk.adapters.payments
        assert isinstance(gateway, InMemoryPaymentGateway)
        self.gateway = gateway
        self.versions: dict[str, int] = {}

    # -- helpers --------------------------------------------------------------------------

    def stored(self, claim_id: str) -> Claim:
        return self.desk.get(Actor("auditor", Role.SYSTEM), claim_id)

    def who(self, actor: Actor | None, claim_id: str, role: Role) -> Actor:
        if actor is not None:
            return actor
        claim = self.stored(claim_id)
        if role is Role.CUSTOMER:
            return Actor(claim.customer_id, role)
        if role is Role.REVIEWER:
            return Actor(claim.assignee or "raj", role)
        officer = "fiona" if claim.approver == "rita" or claim.customer_id == "rita" else "rita"
        return Actor(officer, role)

    def attempt(self, claim_id: str, call: object) -> None:
        """Run ``call``; a refusal must be a library error that leaves the claim as it was."""
        before = self.stored(claim_id)
        try:
            call()  # type: ignore[operator]
        except ReimbursementError:
            assert self.stored(claim_id) == before
            return
        after = self.stored(claim_id)
        assert after.version > before.version

    # -- rules ------------------------------------------------------------------------------

    @rule(
        target=claims,
        customer=st.sampled_from(PEOPLE),
        line_amounts=st.lists(amounts, min_size=1, max_size=3),
    )
    def start(self, customer: str, line_amounts: list[str]) -> str:
        actor = Actor(customer, Role.CUSTOMER)
        lines = [
            LineInput("medical", date(2026, 5, 1), "Clinic", Money(a, "EUR")) for a in line_amounts
        ]
        claim = self.desk.start_draft(actor, lines)
        claim = self.desk.attach(actor, claim.id, "receipt.pdf", PDF)
        doc = claim.attachments[0].id
        patch = ClaimPatch(
            change_lines=tuple(LinePatch(line.id, attachment_ids=(doc,)) for line in claim.lines)
        )
        self.desk.update_draft(actor, claim.id, patch)
        return claim.id

    @rule(claim_id=claims, maybe=actors)
    def submit(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.CUSTOMER)
        self.attempt(claim_id, lambda: self.desk.submit(actor, claim_id))

    @rule(claim_id=claims, maybe=actors, cut=st.sampled_from([None, "0.5", "0.99"]))
    def approve(self, claim_id: str, maybe: Actor | None, cut: str | None) -> None:
        actor = self.who(maybe, claim_id, Role.REVIEWER)
        claim = self.stored(claim_id)
        decisions = []
        if cut is not None and claim.lines:
            first = claim.lines[0]
            decisions.append(LineDecision(first.id, first.claimed * Decimal(cut), "cap"))
        self.attempt(claim_id, lambda: self.desk.approve(actor, claim_id, decisions))

    @rule(claim_id=claims, maybe=actors)
    def reject(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.REVIEWER)
        self.attempt(claim_id, lambda: self.desk.reject(actor, claim_id, "not_covered"))

    @rule(claim_id=claims, maybe=actors)
    def return_for_correction(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.REVIEWER)
        self.attempt(
            claim_id,
            lambda: self.desk.return_for_correction(actor, claim_id, ["receipt unreadable"]),
        )

    @rule(claim_id=claims, maybe=actors, amount=amounts)
    def resubmit(self, claim_id: str, maybe: Actor | None, amount: str) -> None:
        actor = self.who(maybe, claim_id, Role.CUSTOMER)
        patch = ClaimPatch(change_lines=(LinePatch("L1", amount=Money(amount, "EUR")),))
        self.attempt(claim_id, lambda: self.desk.resubmit(actor, claim_id, patch))

    @rule(claim_id=claims, maybe=actors)
    def withdraw(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.CUSTOMER)
        self.attempt(claim_id, lambda: self.desk.withdraw(actor, claim_id))

    @rule(claim_id=claims, maybe=actors)
    def approve_payment(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.FINANCE)
        self.attempt(claim_id, lambda: self.desk.approve_payment(actor, claim_id))

    @rule(claim_id=claims, maybe=actors, fail=st.booleans())
    def pay(self, claim_id: str, maybe: Actor | None, fail: bool) -> None:
        actor = self.who(maybe, claim_id, Role.FINANCE)
        account = self.stored(claim_id).claimant.payee_account
        if fail:
            self.gateway.failing_accounts[account] = "account closed"
        try:
            self.attempt(claim_id, lambda: self.desk.pay(actor, claim_id))
        finally:
            self.gateway.failing_accounts.pop(account, None)

    @rule(claim_id=claims, maybe=actors)
    def retry_payment(self, claim_id: str, maybe: Actor | None) -> None:
        actor = self.who(maybe, claim_id, Role.FINANCE)
        self.attempt(claim_id, lambda: self.desk.retry_payment(actor, claim_id))

    @rule(claim_id=claims, maybe=actors, internal=st.booleans())
    def post_message(self, claim_id: str, maybe: Actor | None, internal: bool) -> None:
        actor = self.who(maybe, claim_id, Role.REVIEWER)
        self.attempt(
            claim_id, lambda: self.desk.post_message(actor, claim_id, "hello", internal=internal)
        )

    @rule(claim_id=claims, fail=st.booleans())
    def happy_path_step(self, claim_id: str, fail: bool) -> None:
        """The next natural step, by the right person: keeps claims moving to the end."""
        state = self.stored(claim_id).state
        steps = {
            ClaimState.DRAFT: self.submit,
            ClaimState.IN_REVIEW: lambda c, m: self.approve(c, m, None),
            ClaimState.RETURNED: lambda c, m: self.resubmit(c, m, "80.00"),
            ClaimState.PAYMENT_REQUESTED: self.approve_payment,
            ClaimState.PAYMENT_APPROVED: lambda c, m: self.pay(c, m, fail),
            ClaimState.PAYMENT_FAILED: self.retry_payment,
        }
        step = steps.get(state)
        if step is not None:
            step(claim_id, None)

    @rule(minutes=st.integers(min_value=1, max_value=3000))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def every_claim_keeps_its_promises(self) -> None:
        with self.desk.adapters.unit_of_work() as uow:
            every = uow.claims.in_states(ClaimState, limit=1_000).items
        for claim in every:
            self.check(claim)

    def check(self, claim: Claim) -> None:
        check_claim(claim)  # what the desk built keeps the invariants a stored claim must
        assert from_json(to_json(claim), Claim) == claim
        assert claim.paid_total <= claim.approved_total <= claim.claimed_total
        if claim.payments:
            assert claim.approver is not None, "a payment without an approval"
        payouts = self.gateway.paid_to(claim.id)
        assert len(payouts) <= 1, "paid twice"
        assert Money.sum((p.amount for p in payouts), "EUR") == claim.paid_total
        paid_records = [p for p in claim.payments if p.status == "paid"]
        assert len(paid_records) <= 1
        # the timeline replays to the state, one event per state change
        state = ClaimState.DRAFT
        for seq, event in enumerate(claim.events, start=1):
            assert event.seq == seq
            assert event.from_state is state
            state = event.to_state
            assert event.at.tzinfo is not None
        assert state is claim.state
        # versions only grow
        assert claim.version >= self.versions.get(claim.id, 0)
        self.versions[claim.id] = claim.version
        # four-eyes
        for decision in claim.decisions:
            assert decision.reviewer != claim.customer_id
        for payment in claim.payments:
            if payment.approved_by not in (None, "system"):
                assert payment.approved_by != claim.approver
                assert payment.approved_by != claim.customer_id


TestLifecycle = LifecycleMachine.TestCase
