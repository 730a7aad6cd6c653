"""Customer-facing wording: notices rendered from stored rows match the public methods."""

from __future__ import annotations

from collections.abc import Callable

from reimbursement import Claim, LineDecision, Money, ReimbursementDesk
from reimbursement.adapters.memory import InMemoryNotifier
from reimbursement.claims import Event, EventType
from reimbursement.service import CustomerTexts
from support import ANA, FINANCE, REVIEWER, ready_draft, submitted, whole


def _every_kind_of_event(desk: ReimbursementDesk) -> list[Claim]:
    """Claims whose timelines hold returns, partial approvals, rejections, payments, messages."""
    returned = desk.return_for_correction(REVIEWER, submitted(desk).id, ["receipt unreadable"])
    partial = submitted(desk, ANA, "40.00", "60.00")
    line = partial.lines[0].id
    lowered = LineDecision(line, Money("10.00", "EUR"), "cap")
    partial = desk.approve(REVIEWER, partial.id, [lowered])
    partial = desk.approve_payment(FINANCE, partial.id)
    partial = desk.pay(FINANCE, partial.id)
    rejected = desk.reject(REVIEWER, submitted(desk).id, "NOT_COVERED", "Not in your policy.")
    talked = submitted(desk)
    desk.post_message(REVIEWER, talked.id, "We are on it.")
    withdrawn = whole(desk, desk.withdraw(ANA, ready_draft(desk).id).id)
    talked = whole(desk, talked.id)
    return [returned, partial, rejected, talked, withdrawn]


def test_a_notice_is_the_title_and_the_next_step_with_the_detail(
    desk: ReimbursementDesk,
) -> None:
    texts = CustomerTexts()
    for claim in _every_kind_of_event(desk):
        for event in claim.events:
            title, body = texts.notice(event)
            assert title == texts.title(event)
            assert body == f"{texts.next_step(event.to_state)} {texts.detail(event)}".strip()


def test_notifications_carry_the_default_wording(desk: ReimbursementDesk) -> None:
    claim = desk.approve(REVIEWER, submitted(desk, ANA, "40.00", "60.00").id)
    notifier = desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    approved = [n for n in notifier.sent if n.event is EventType.APPROVED]
    assert [(n.key, n.subject, n.body) for n in approved] == [
        (
            claim.events[-2].id,  # the approval, before the payment request
            f"Claim approved ({claim.number})",
            "We are preparing your payment. 100.00 EUR of 100.00 EUR approved",
        )
    ]


class Friendly(CustomerTexts):
    """An insurer's own wording: overrides how a title is written."""

    def title(self, event: Event) -> str:
        return f"Good news: {event.type.value.replace('_', ' ')}"


def test_a_subclass_that_rewords_titles_is_used_for_notifications(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    desk = make_desk(texts=Friendly())
    claim = submitted(desk)
    notifier = desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    assert [n.subject for n in notifier.sent] == [f"Good news: submitted ({claim.number})"]
    assert desk.track(ANA, claim.id).timeline[0].title == "Good news: draft started"


def test_custom_mappings_are_used_without_a_subclass(
    make_desk: Callable[..., ReimbursementDesk],
) -> None:
    texts = CustomerTexts(titles={EventType.SUBMITTED: "Wir haben Ihren Antrag"})
    desk = make_desk(texts=texts)
    claim = submitted(desk)
    notifier = desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    assert notifier.sent[0].subject == f"Wir haben Ihren Antrag ({claim.number})"
    assert notifier.sent[0].body.startswith("Your claim is being passed to a reviewer.")


def test_texts_given_to_a_running_desk_word_its_next_notices(
    desk: ReimbursementDesk,
) -> None:
    submitted(desk)  # the desk has worded a notice in English: it keeps that wording
    desk.texts = CustomerTexts(titles={EventType.SUBMITTED: "Wir haben Ihren Antrag"})
    claim = submitted(desk)
    notifier = desk.adapters.notifier
    assert isinstance(notifier, InMemoryNotifier)
    assert notifier.sent[-1].subject == f"Wir haben Ihren Antrag ({claim.number})"
