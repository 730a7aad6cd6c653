"""What a customer's call answers carries nothing of the staff's: no whole claim, no internal
event or note, no staff id.

The desk shapes every claim it answers with in one place (its run path):
the whole claim to staff who may read it whole, the customer's part to
anyone else. The calls checked here are derived from the desk's public
methods: each one that takes an actor is either a customer call, run on
claims that staff have worked on (internal notes, assignments, approvals,
a failed payment) and its answer searched, or a staff call, which a
customer is refused. A new public call fails this test until it is sorted
into one of the two.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import attrs
import pytest

from reimbursement import (
    Actor,
    Claim,
    ClaimPatch,
    ReimbursementDesk,
    Role,
)
from reimbursement.adapters.memory import InMemoryInbox, ManualClock
from reimbursement.adapters.notify.inbox import InboxChannel
from reimbursement.adapters.signing import Ed25519Signer
from reimbursement.audit import NoteSigner
from reimbursement.claims import EventType
from reimbursement.domain.authorization import (
    ROLE_ACTIONS,
    authorize_staff_read,
    reads_whole,
)
from reimbursement.domain.events import Event, Visibility
from reimbursement.errors import AuthorizationError, ReimbursementError
from reimbursement.feedback import FeedbackStage
from reimbursement.notify import (
    ChannelRouter,
    ContactPreferences,
    InMemoryPreferences,
    TemplateSet,
)
from reimbursement.service import CustomerClaim
from support import ANA, FINANCE, PDF, REVIEWER, gateway, paid, pharmacy, ready_draft, submitted

NOTE = "INTERNAL-NOTE-7f3a"
STAFF = (REVIEWER.id, FINANCE.id, "Rita", "Fiona")
SECRETS = (*STAFF, NOTE)
NEW_ACCOUNT = "DE36 5001 0517 0000 0005 17"


def _noted(desk: ReimbursementDesk, claim_id: str) -> str:
    """Staff write on the claim: an internal note (with staff ids) and a visible message."""
    desk.post_message(REVIEWER, claim_id, f"{NOTE}: ask {FINANCE.id} (Fiona)", internal=True)
    desk.post_message(FINANCE, claim_id, "We are looking at your receipt.")
    return claim_id


@attrs.frozen
class Scene:
    """Claims of Ana's in the states the customer calls need, each worked on by staff."""

    draft: str
    ready: str
    in_review: str
    returned: str
    failed: str
    paid: str


def _scene(desk: ReimbursementDesk) -> Scene:
    in_review = _noted(desk, submitted(desk).id)
    returned = _noted(desk, submitted(desk).id)
    desk.return_for_correction(REVIEWER, returned, ["missing_receipt"], "Please add the receipt.")
    failed = submitted(desk).id
    _noted(desk, failed)
    desk.approve(REVIEWER, failed)
    account = desk.get(FINANCE, failed).claimant.payee_account
    gateway(desk).failing_accounts[account] = "account closed"
    desk.approve_payment(FINANCE, failed)
    desk.pay(FINANCE, failed)
    del gateway(desk).failing_accounts[account]
    done = _noted(desk, paid(desk).id)
    return Scene(
        desk.start_draft(ANA, [pharmacy()]).id,
        ready_draft(desk).id,
        in_review,
        returned,
        failed,
        done,
    )


Call = Callable[[ReimbursementDesk, Scene], object]


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk], clock: ManualClock) -> ReimbursementDesk:
    """A desk whose notifications reach Ana's in-app inbox, so that the inbox calls read
    what staff's work told her (a staff member's message among it), not an empty inbox."""
    inbox = InMemoryInbox()
    router = ChannelRouter(
        templates=TemplateSet(),
        preferences=InMemoryPreferences([ContactPreferences(ANA.id, channels=["inbox"])]),
        channels=[InboxChannel(inbox, clock)],
        clock=clock,
    )
    seal = Ed25519Signer.generate("seal")  # checkpoints signed: the desk gives receipts
    signer = NoteSigner("claims.example.org", seal, seal.public_bytes)
    desk = make_desk(inbox=inbox, notifier=router, log_signer=signer)
    router.bind(desk)
    return desk


def _einvoice(desk: ReimbursementDesk, scene: Scene) -> object:
    makers = pytest.importorskip("einvoice.makers")
    pdf = makers.facturx_pdf()
    return desk.add_einvoice(ANA, scene.draft, "invoice.pdf", pdf, category="pharmacy")


def _number(desk: ReimbursementDesk, scene: Scene) -> str:
    number = desk.get(FINANCE, scene.in_review).number
    assert number is not None
    return number


CUSTOMER_CALLS: Mapping[str, Call] = {
    "start_draft": lambda d, s: d.start_draft(ANA, [pharmacy()]),
    "update_draft": lambda d, s: d.update_draft(ANA, s.draft, ClaimPatch(add_lines=(pharmacy(),))),
    "attach": lambda d, s: d.attach(ANA, s.draft, "receipt.pdf", PDF),
    "add_einvoice": _einvoice,
    "submit": lambda d, s: d.submit(ANA, s.ready),
    "resubmit": lambda d, s: d.resubmit(ANA, s.returned),
    "withdraw": lambda d, s: d.withdraw(ANA, s.in_review, "paid it myself"),
    "post_message": lambda d, s: d.post_message(ANA, s.in_review, "Anything missing?"),
    "change_payee_account": lambda d, s: d.change_payee_account(ANA, s.failed, NEW_ACCOUNT),
    "give_feedback": lambda d, s: d.give_feedback(
        ANA, s.paid, ratings={FeedbackStage.REVIEW: 4}, text="fine"
    ),
    "edit_feedback": lambda d, s: (
        d.give_feedback(ANA, s.paid, ratings={FeedbackStage.REVIEW: 2}),
        d.edit_feedback(ANA, s.paid, ratings={FeedbackStage.REVIEW: 5}),
    ),
    "track": lambda d, s: d.track(ANA, s.failed),
    "track_number": lambda d, s: d.track_number(ANA, _number(d, s)),
    "claims_of": lambda d, s: d.claims_of(ANA),
    "checklist": lambda d, s: d.checklist(ANA, s.returned),
    "signature_status": lambda d, s: d.signature_status(ANA, s.in_review),
    "submission_to_sign": lambda d, s: d.submission_to_sign(ANA, s.ready),
    "export_personal_data": lambda d, s: d.export_personal_data(ANA, ANA.id),
    "submission_receipt": lambda d, s: d.submission_receipt(ANA, s.in_review),
    "inbox": lambda d, s: d.inbox(ANA),
    "mark_inbox_read": lambda d, s: d.mark_inbox_read(ANA, [i.key for i in d.inbox(ANA)]),
}
"""Every call a customer makes, on a claim staff worked on."""

STAFF_CALLS: Mapping[str, Call] = {
    "get": lambda d, s: d.get(ANA, s.in_review),
    "by_number": lambda d, s: d.by_number(ANA, _number(d, s)),
    "approve": lambda d, s: d.approve(ANA, s.in_review),
    "reject": lambda d, s: d.reject(ANA, s.in_review, "duplicate_expense"),
    "return_for_correction": lambda d, s: d.return_for_correction(
        ANA, s.in_review, ["missing_receipt"]
    ),
    "request_document": lambda d, s: d.request_document(ANA, s.in_review, "invoice"),
    "confirm_duplicate": lambda d, s: d.confirm_duplicate(ANA, s.in_review, 0),
    "request_payment": lambda d, s: d.request_payment(ANA, s.failed),
    "approve_payment": lambda d, s: d.approve_payment(ANA, s.failed),
    "pay": lambda d, s: d.pay(ANA, s.failed),
    "confirm_payment": lambda d, s: d.confirm_payment(ANA, s.failed, "ref"),
    "fail_payment": lambda d, s: d.fail_payment(ANA, s.failed, "ref", "no news"),
    "cancel_payment": lambda d, s: d.cancel_payment(ANA, s.failed, "stop it"),
    "retry_payment": lambda d, s: d.retry_payment(ANA, s.failed),
    "hand_over": lambda d, s: d.hand_over(ANA, REVIEWER.id),
    "work_queue": lambda d, s: d.work_queue(ANA),
    "claims_in": lambda d, s: d.claims_in(ANA, []),
    "audit_queue": lambda d, s: d.audit_queue(ANA),
    "record_audit": lambda d, s: d.record_audit(ANA, s.paid, "confirmed"),
    "erase_personal_data": lambda d, s: d.erase_personal_data(ANA, ANA.id),
    "delete_expired_documents": lambda d, s: d.delete_expired_documents(
        ANA, s.paid, timedelta(days=1)
    ),
}
"""Every call only staff make: a customer is refused, on their own claim too."""


def _actor_calls() -> set[str]:
    names = set()
    for name, function in inspect.getmembers(ReimbursementDesk, inspect.isfunction):
        parameters = list(inspect.signature(function).parameters)
        if not name.startswith("_") and parameters[1:2] == ["actor"]:
            names.add(name)
    return names


def test_every_public_call_taking_an_actor_is_sorted_as_a_customer_or_a_staff_call() -> None:
    assert not set(CUSTOMER_CALLS) & set(STAFF_CALLS)
    assert _actor_calls() == set(CUSTOMER_CALLS) | set(STAFF_CALLS)
    # every action the customer role may take has its call among the customer calls
    for action in ROLE_ACTIONS[Role.CUSTOMER]:
        assert any(name.startswith(action.value.split("_")[0]) for name in CUSTOMER_CALLS), action


def _parts(value: object, seen: set[int] | None = None) -> Iterator[object]:
    """``value`` and everything reachable from it through attrs fields and containers."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    children: list[Any] = []
    if attrs.has(type(value)):
        children = [getattr(value, f.name) for f in attrs.fields(type(value))]
    elif isinstance(value, Mapping):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | frozenset | set) or (
        hasattr(value, "__getitem__") and hasattr(value, "__len__") and not isinstance(value, str)
    ):
        children = list(value)  # type: ignore[call-overload]
    for child in children:
        yield from _parts(child, seen)


def _leaks(answer: object) -> list[str]:
    found = []
    for part in _parts(answer):
        if isinstance(part, Claim):
            found.append("a whole Claim")
        elif isinstance(part, Event) and part.visibility is Visibility.INTERNAL:
            found.append(f"internal event {part.type}")
        elif isinstance(part, str | bytes):
            text = part if isinstance(part, str) else part.decode("utf-8", "replace")
            found += [f"{secret!r} in {text[:60]!r}" for secret in SECRETS if secret in text]
        elif getattr(part, "visibility", None) is Visibility.INTERNAL:
            found.append(f"internal {type(part).__name__}")
    return found


@pytest.mark.parametrize("call", sorted(CUSTOMER_CALLS))
def test_a_customer_call_answers_nothing_of_the_staffs(desk: ReimbursementDesk, call: str) -> None:
    scene = _scene(desk)
    assert _leaks(desk.get(FINANCE, scene.failed))  # the search finds what staff wrote
    told = desk.adapters.inbox.page(ANA.id).items  # type: ignore[union-attr]
    # staff's message and the failed payment reached her inbox: there is something to leak
    assert {EventType.MESSAGE_POSTED, EventType.PAYMENT_FAILED} <= {i.event for i in told}
    answer = CUSTOMER_CALLS[call](desk, scene)
    assert _leaks(answer) == []


@pytest.mark.parametrize("call", sorted(STAFF_CALLS))
def test_a_customer_is_refused_every_staff_call(desk: ReimbursementDesk, call: str) -> None:
    scene = _scene(desk)
    with pytest.raises(AuthorizationError):
        STAFF_CALLS[call](desk, scene)


def test_a_payee_change_answers_finance_the_whole_claim_and_the_customer_their_part(
    desk: ReimbursementDesk,
) -> None:
    scene = _scene(desk)
    other = _scene(desk)
    by_finance = desk.change_payee_account(Actor.finance("fin-2"), scene.failed, NEW_ACCOUNT)
    assert isinstance(by_finance, Claim)
    assert by_finance.payments[-1].payee_account == NEW_ACCOUNT
    mine = desk.change_payee_account(ANA, other.failed, NEW_ACCOUNT, request_id="r-1")
    assert isinstance(mine, CustomerClaim)
    assert mine.claimant.payee_account == NEW_ACCOUNT
    replayed = desk.change_payee_account(ANA, other.failed, NEW_ACCOUNT, request_id="r-1")
    assert replayed == mine  # a replay is shaped as the first answer was
    assert desk.get(FINANCE, other.failed).version == mine.version


def test_a_replayed_customer_call_is_answered_with_the_customers_part(
    desk: ReimbursementDesk,
) -> None:
    scene = _scene(desk)
    first = desk.withdraw(ANA, scene.in_review, "paid it myself", request_id="w-1")
    again = desk.withdraw(ANA, scene.in_review, "paid it myself", request_id="w-1")
    assert again == first
    assert _leaks(again) == []


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("own", [True, False], ids=["own claim", "another's claim"])
def test_only_who_may_read_a_claim_whole_is_answered_with_it(
    desk: ReimbursementDesk, role: Role, own: bool
) -> None:
    claim = submitted(desk)
    actor = Actor(claim.customer_id if own else "someone-else", role)
    try:
        authorize_staff_read(actor, claim)
        allowed = True
    except ReimbursementError:
        allowed = False
    assert reads_whole(actor, claim) is allowed
    assert allowed is (role is not Role.CUSTOMER and not own)


def test_the_scene_is_what_the_calls_need(desk: ReimbursementDesk) -> None:
    scene = _scene(desk)
    states = {
        name: desk.get(FINANCE, getattr(scene, name)).state.value
        for name in ("draft", "ready", "in_review", "returned", "failed", "paid")
    }
    assert states == {
        "draft": "draft",
        "ready": "draft",
        "in_review": "in_review",
        "returned": "returned",
        "failed": "payment_failed",
        "paid": "paid",
    }
    events = desk.get(FINANCE, scene.in_review).events
    assert any(
        e.type is EventType.MESSAGE_POSTED and e.visibility is Visibility.INTERNAL for e in events
    )
