"""What the customer reads is in their words and their language: no codes, no line ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import attrs
import pytest

from reimbursement import (
    Actor,
    ClaimState,
    CustomerProfile,
    LineDecision,
    LineInput,
    Money,
    ReimbursementDesk,
)
from reimbursement.claims import Event, EventType
from reimbursement.domain.actors import Role
from reimbursement.domain.reasons import DEFAULT_REASONS, language_chain
from reimbursement.errors import ValidationError
from reimbursement.service import DEFAULT_TEXTS, ZH_CN_TEXTS, CustomerTexts
from support import FINANCE, PDF, PROFILES, REVIEWER, notifier

LI = Actor.customer("cust-li")
LI_PROFILE = CustomerProfile(
    "cust-li", "Li Wei", "POL-300", "EUR", "li@example.cn", "zh-CN", "DE89 3704 0044 0532 0130 00"
)
ANA = Actor.customer("cust-ana")
CODES = list(DEFAULT_REASONS)


@pytest.fixture
def desk(make_desk: Callable[..., ReimbursementDesk]) -> ReimbursementDesk:
    return make_desk(customers=[*PROFILES, LI_PROFILE])


def _filed(desk: ReimbursementDesk, customer: Actor, description: str = "") -> str:
    lines = [
        LineInput("pharmacy", date(2026, 2, 27), "City Pharmacy", Money("40.00", "EUR")),
        LineInput(
            "dental", date(2026, 2, 26), "Dr. Roth", Money("60.00", "EUR"), description=description
        ),
    ]
    claim = desk.start_draft(customer, lines)
    for line in claim.lines:
        desk.attach(customer, claim.id, "receipt.pdf", PDF, line_id=line.id)
    return desk.submit(customer, claim.id).id


def _everything_read(desk: ReimbursementDesk, customer: Actor, claim_id: str) -> list[str]:
    view = desk.track(customer, claim_id)
    texts = [f"{e.title} {e.detail}" for e in view.timeline]
    texts += [*view.return_reasons, view.stage, view.next_step]
    texts += [f"{n.subject} {n.body}" for n in notifier(desk).to(customer.id)]
    return texts


@pytest.mark.parametrize(
    ("customer", "words", "comma", "stop"),
    [
        (ANA, ["The amount does not match the receipt", "A receipt is missing"], "; ", ". "),
        (LI, ["金额与收据不符", "缺少收据"], "；", "。"),
    ],
)
def test_a_return_reads_as_the_catalogue_s_words_in_the_customer_s_language(
    desk: ReimbursementDesk, customer: Actor, words: list[str], comma: str, stop: str
) -> None:
    claim_id = _filed(desk, customer)
    reasons = ["amount_mismatch", "missing_receipt", "Add the date of the visit"]
    desk.return_for_correction(REVIEWER, claim_id, reasons, "Thank you!")
    view = desk.track(customer, claim_id)
    returned = view.timeline[-1]
    assert returned.event is EventType.RETURNED
    assert (
        returned.detail == comma.join([*words, "Add the date of the visit"]) + stop + "Thank you!"
    )
    assert view.return_reasons == (*words, "Add the date of the visit")
    (notice,) = [n for n in notifier(desk).to(customer.id) if n.event is EventType.RETURNED]
    assert returned.detail in notice.body
    for text in _everything_read(desk, customer, claim_id):
        assert not any(code in text for code in CODES), text


@pytest.mark.parametrize("customer", [ANA, LI])
def test_a_lowered_line_is_named_by_its_description_never_its_id(
    desk: ReimbursementDesk, customer: Actor
) -> None:
    claim_id = _filed(desk, customer, description="Root canal, upper left")
    lowered = [
        LineDecision("L1", Money("30.00", "EUR"), "above the tariff"),
        LineDecision("L2", Money("50.00", "EUR"), "expense_not_covered"),
    ]
    desk.approve(REVIEWER, claim_id, lowered)
    decided = next(
        e
        for e in desk.track(customer, claim_id).timeline
        if e.event is EventType.PARTIALLY_APPROVED
    )
    zh = customer.id == LI.id
    pharmacy = "City Pharmacy（2026-02-27）" if zh else "City Pharmacy (2026-02-27)"
    colon = "：" if zh else ": "
    not_covered = "该费用不在保障范围内" if zh else "The expense is not covered by your policy"
    assert f"{pharmacy}{colon}above the tariff" in decided.detail
    assert f"Root canal, upper left{colon}{not_covered}" in decided.detail
    for text in _everything_read(desk, customer, claim_id):
        assert "L1" not in text
        assert "L2" not in text
        assert not any(code in text for code in CODES), text


def test_a_rejection_reads_as_its_title_and_the_note(desk: ReimbursementDesk) -> None:
    claim_id = _filed(desk, ANA)
    desk.reject(REVIEWER, claim_id, "duplicate_expense", "Paid on CLM-2025-000042.")
    detail = desk.track(ANA, claim_id).timeline[-1].detail
    assert detail == "The expense was already claimed. Paid on CLM-2025-000042."


def test_a_zh_cn_customer_reads_the_whole_view_and_every_notice_in_chinese(
    desk: ReimbursementDesk,
) -> None:
    claim_id = _filed(desk, LI)
    desk.post_message(REVIEWER, claim_id, "请补充收据。")
    desk.approve(REVIEWER, claim_id)
    desk.approve_payment(FINANCE, claim_id)
    desk.pay(FINANCE, claim_id)
    view = desk.track(LI, claim_id)
    assert (view.stage, view.next_step) == ZH_CN_TEXTS.stages[ClaimState.PAID]
    assert [m.author for m in view.messages] == ["理赔团队"]
    submitted = next(e for e in view.timeline if e.event is EventType.SUBMITTED)
    assert submitted.detail == "申请编号 CLM-2026-000001，金额 100.00 EUR"
    for entry in view.timeline:
        assert entry.title == ZH_CN_TEXTS.titles[entry.event]
    sent = notifier(desk).to(LI.id)
    assert sent
    for notice in sent:
        assert notice.language == "zh-CN"
        assert notice.subject.startswith(ZH_CN_TEXTS.titles[notice.event])
        assert not any("a" <= ch <= "z" for ch in notice.body), notice.body


def test_every_state_and_event_has_chinese_wording() -> None:
    for state in ClaimState:
        assert ZH_CN_TEXTS.stage(state) != DEFAULT_TEXTS.stage(state)
        assert ZH_CN_TEXTS.next_step(state) != DEFAULT_TEXTS.next_step(state)
    for kind in EventType:
        assert kind in ZH_CN_TEXTS.titles
        assert ZH_CN_TEXTS.titles[kind] != DEFAULT_TEXTS.titles[kind]
    assert set(ZH_CN_TEXTS.phrases) == set(DEFAULT_TEXTS.phrases)
    assert ZH_CN_TEXTS.staff_label != DEFAULT_TEXTS.staff_label


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh-CN", "zh-CN"),
        ("zh_cn", "zh-CN"),
        ("ZH-cn", "zh-CN"),
        ("zh-TW", "en"),  # Traditional Chinese is not Simplified: English, as for reasons
        ("en-GB", "en"),
        ("de", "en"),
        ("", "en"),
    ],
)
def test_the_texts_for_a_tag_fall_back_to_the_base_language_then_english(
    tag: str, language: str
) -> None:
    assert DEFAULT_TEXTS.for_language(tag).language == language
    assert language_chain(tag)[-1] == "en"


def test_an_insurer_s_own_texts_keep_their_class_and_their_translations() -> None:
    class Friendly(CustomerTexts):
        def title(self, event: Event) -> str:
            return "Good news"

    german = CustomerTexts(language="de", staff_label="Ihr Team", translations={})
    texts = Friendly(translations={"de": german})
    picked = texts.for_language("de-AT")
    assert isinstance(picked, Friendly)
    assert picked.staff_label == "Ihr Team"
    for tag in ("zh-CN", "en"):  # no Chinese given: the texts themselves, for that reader
        picked = texts.for_language(tag)
        assert attrs.evolve(picked, reader=None) == texts
        assert picked.reader == tag


def _event(type_: EventType, role: Role, reason: str | None, **data: str) -> Event:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    state = ClaimState.IN_REVIEW
    return Event(1, type_, "c-1", "someone", role, at, state, state, reason, data)


def test_routing_reasons_and_staff_words_give_no_detail() -> None:
    texts = DEFAULT_TEXTS
    assert texts.detail(_event(EventType.ASSIGNED, Role.SYSTEM, "fewest open claims (3)")) == ""
    assert texts.detail(_event(EventType.REASSIGNED, Role.REVIEWER, "rev-1 away; team a")) == ""
    assert texts.detail(_event(EventType.ESCALATED, Role.SYSTEM, "lead of team claims")) == ""
    threshold = _event(
        EventType.PAYMENT_APPROVED, Role.SYSTEM, "below the threshold", amount="9 EUR"
    )
    assert texts.detail(threshold) == "9 EUR"
    # a withdrawal's words are shown only when the customer wrote them
    assert texts.detail(_event(EventType.WITHDRAWN, Role.CUSTOMER, "paid it myself")) == (
        "paid it myself"
    )
    assert texts.detail(_event(EventType.WITHDRAWN, Role.SYSTEM, "fraud suspected")) == ""


def test_a_breach_notice_names_the_late_stage_in_the_customer_s_language() -> None:
    expected = datetime(2026, 3, 5, 12, tzinfo=UTC)
    payment = _event(EventType.SLA_BREACHED, Role.SYSTEM, None, stage="payment")
    subject, body = DEFAULT_TEXTS.breach_notice(payment, expected, escalated=False)
    assert subject == "Payment overdue"
    assert body == (
        "Your claim's payment is taking longer than we promised. "
        "We now expect to finish by 05 Mar 2026 12:00 UTC."
    )
    review = _event(EventType.SLA_BREACHED, Role.SYSTEM, None, stage="review")
    subject, body = ZH_CN_TEXTS.breach_notice(review, None, escalated=True)
    assert subject == "审核已超时"
    assert body == "您的申请审核用时超过了我们的承诺。已升级处理。"


def test_texts_without_a_phrase_read_it_in_english() -> None:
    texts = attrs.evolve(DEFAULT_TEXTS, phrases={"list": " / "})
    event = _event(EventType.RETURNED, Role.REVIEWER, "missing_receipt; Sign it")
    assert texts.detail(event) == "missing_receipt / Sign it"  # no catalogue: as written
    assert texts.phrase("decision") == "{approved} of {claimed} approved"


@pytest.mark.parametrize(
    ("customer", "language", "texts", "words"),
    [
        (LI, "en", DEFAULT_TEXTS, "The amount does not match the receipt"),
        (ANA, "zh-CN", ZH_CN_TEXTS, "金额与收据不符"),
    ],
)
def test_a_view_asked_in_another_language_reads_wholly_in_it(
    desk: ReimbursementDesk, customer: Actor, language: str, texts: CustomerTexts, words: str
) -> None:
    claim_id = _filed(desk, customer)
    desk.return_for_correction(REVIEWER, claim_id, ["amount_mismatch"], "")
    own = desk.track(customer, claim_id)
    view = desk.track(customer, claim_id, language=language)
    assert (view.stage, view.next_step) == texts.stages[ClaimState.RETURNED]
    assert [e.title for e in view.timeline] == [texts.titles[e.event] for e in view.timeline]
    assert view.return_reasons == (words,)
    assert [g.title for g in view.guidance] == [words]
    assert view.timeline[-1].detail.startswith(words)
    assert own.stage != view.stage  # the claimant's own language is still the default
    (listed,) = desk.claims_of(customer, language=language).items
    assert listed.stage == view.stage


def test_a_view_in_a_language_without_texts_reads_in_english(desk: ReimbursementDesk) -> None:
    claim_id = _filed(desk, LI)
    view = desk.track(LI, claim_id, language="fr")
    assert view.stage == DEFAULT_TEXTS.stage(ClaimState.IN_REVIEW)
    with pytest.raises(ValidationError):
        desk.track(LI, claim_id, language="")
