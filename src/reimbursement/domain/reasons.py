"""Return and rejection reasons as a catalogue the customer can read.

When a reviewer returns or rejects a claim with a code, the customer sees
what the code means and the steps to take, in their language: the
library's answer to "FAQ and guidance". Texts are localised by BCP 47 tag
(``en``, ``zh-CN``…); a missing translation falls back to the base
language (``zh-TW`` → ``zh``), then to ``en``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType

import attrs

from ..errors import FieldProblem, NotFoundError, ValidationError
from .claim import Claim, Outcome
from .frozen import FrozenMap

__all__ = [
    "DEFAULT_REASONS",
    "FALLBACK_LANGUAGE",
    "Guidance",
    "ReasonCatalogue",
    "ReasonText",
    "explain_decision",
    "language_chain",
    "normalise_language",
]

FALLBACK_LANGUAGE = "en"


@attrs.frozen
class ReasonText:
    """One reason in one language: a short title, what it means, and what to do."""

    title: str
    explanation: str
    steps: tuple[str, ...]


@attrs.frozen
class Guidance:
    """What the customer reads for one reason code.

    ``language`` is the language actually used, which differs from the one
    asked for when the text fell back (compare it to show a notice).
    """

    code: str
    language: str
    title: str
    explanation: str
    steps: tuple[str, ...]


def normalise_language(language: str) -> str:
    """``zh_cn`` / ``ZH-cn`` → ``zh-CN``: language lower-case, region upper-case."""
    parts = language.strip().replace("_", "-").split("-")
    head = parts[0].lower()
    tail = [p.upper() if len(p) == 2 else p.title() for p in parts[1:] if p]
    return "-".join([head, *tail])


@functools.lru_cache(maxsize=1024)  # asked for every notification; a pure function of a tag
def language_chain(language: str) -> tuple[str, ...]:
    """The tags to try for ``language``, most specific first, then :data:`FALLBACK_LANGUAGE`.

    ``"zh-Hant-TW"`` → ``("zh-Hant-TW", "zh-Hant", "zh", "en")``; an empty tag is ``("en",)``.
    """
    tag = normalise_language(language) if language.strip() else FALLBACK_LANGUAGE
    parts = tag.split("-")
    chain = ["-".join(parts[:end]) for end in range(len(parts), 0, -1)]
    return (*chain, FALLBACK_LANGUAGE) if chain[-1] != FALLBACK_LANGUAGE else tuple(chain)


def _texts(
    entries: Mapping[str, Mapping[str, ReasonText]],
) -> FrozenMap[str, FrozenMap[str, ReasonText]]:
    return FrozenMap(
        (code, FrozenMap((normalise_language(lang), t) for lang, t in texts.items()))
        for code, texts in entries.items()
    )


@attrs.frozen
class ReasonCatalogue:
    """Reason codes with their localised texts: ``code -> language -> ReasonText``.

    Every code needs a text in :data:`FALLBACK_LANGUAGE` (``en``), so that
    :meth:`explain` always has an answer for a known code. Raises
    :class:`~reimbursement.errors.ValidationError` listing every entry that breaks
    this or has an empty title, explanation or step.
    """

    entries: Mapping[str, Mapping[str, ReasonText]] = attrs.field(converter=_texts)

    def __attrs_post_init__(self) -> None:
        problems = []
        for code, texts in self.entries.items():
            if not code.strip() or code != code.strip():
                problems.append(FieldProblem(f"entries[{code!r}]", "the code is empty or padded"))
            if FALLBACK_LANGUAGE not in texts:
                problems.append(
                    FieldProblem(f"entries[{code}]", f"has no {FALLBACK_LANGUAGE!r} text")
                )
            for lang, text in texts.items():
                path = f"entries[{code}][{lang}]"
                if not text.title.strip() or not text.explanation.strip():
                    problems.append(FieldProblem(path, "the title or explanation is empty"))
                if not text.steps or any(not step.strip() for step in text.steps):
                    problems.append(FieldProblem(f"{path}.steps", "give at least one step"))
        if problems:
            raise ValidationError("invalid reason catalogue", problems)

    @classmethod
    def default(cls) -> ReasonCatalogue:
        """The library's default reasons (:data:`DEFAULT_REASONS`), in English and Chinese."""
        return cls(DEFAULT_REASONS)

    def __contains__(self, code: object) -> bool:
        return code in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def languages(self, code: str) -> tuple[str, ...]:
        """The languages ``code`` has a text in."""
        return tuple(self._texts_of(code))

    def _texts_of(self, code: str) -> Mapping[str, ReasonText]:
        try:
            return self.entries[code]
        except KeyError:
            raise NotFoundError(
                f"unknown reason code {code!r}; known codes: {', '.join(self.entries)}"
            ) from None

    def explain(self, code: str, language: str = FALLBACK_LANGUAGE) -> Guidance:
        """The customer-facing guidance for ``code`` in ``language`` (or its fallback).

        Raises :class:`~reimbursement.errors.NotFoundError` for a code the
        catalogue does not have.
        """
        texts = self._texts_of(code)
        for tag in language_chain(language):
            text = texts.get(tag)
            if text is not None:
                return Guidance(code, tag, text.title, text.explanation, text.steps)
        raise AssertionError("unreachable: every code has a fallback text")  # pragma: no cover

    def explain_all(
        self, codes: Iterable[str], language: str = FALLBACK_LANGUAGE
    ) -> list[Guidance]:
        """:meth:`explain` for each code, in order; raises on the first unknown code."""
        return [self.explain(code, language) for code in codes]

    def check(self, codes: Sequence[str], path: str = "reasons") -> None:
        """Raise :class:`ValidationError` naming every code not in the catalogue.

        For the service to refuse a return or rejection whose code the
        customer could not read.
        """
        problems = [
            FieldProblem(f"{path}[{i}]", f"unknown reason code {code!r}")
            for i, code in enumerate(codes)
            if code not in self.entries
        ]
        if problems:
            raise ValidationError("the reason codes are not in the catalogue", problems)


def explain_decision(
    claim: Claim, catalogue: ReasonCatalogue, language: str | None = None
) -> tuple[Guidance, ...]:
    """The guidance for the claim's latest return or rejection, in the customer's language.

    Reads the latest review decision: a return's reasons, a rejection's
    reason code. Reasons that are not catalogue codes (free text a reviewer
    typed) have no guidance and are left out: show them as written. Empty
    when the latest decision is an approval or there is none. ``language``
    defaults to the claimant's.
    """
    decision = claim.decision
    if decision is None:
        return ()
    if decision.outcome is Outcome.RETURNED:
        codes: tuple[str, ...] = decision.reasons
    elif decision.outcome is Outcome.REJECTED and decision.reason_code is not None:
        codes = (decision.reason_code,)
    else:
        return ()
    tag = language if language is not None else claim.claimant.language
    return tuple(catalogue.explain(code, tag) for code in codes if code in catalogue)


def _r(title: str, explanation: str, *steps: str) -> ReasonText:
    return ReasonText(title, explanation, steps)


DEFAULT_REASONS: Mapping[str, Mapping[str, ReasonText]] = {
    "missing_receipt": {
        "en": _r(
            "A receipt is missing",
            "At least one expense on your claim has no receipt or invoice attached, "
            "so we cannot check what was paid.",
            "Open your claim and find the expense marked as missing a receipt.",
            "Attach a photo or PDF of the receipt or invoice (JPEG, PNG, HEIC or PDF).",
            "Send the claim again: everything else you entered is kept.",
        ),
        "zh-CN": _r(
            "缺少收据",
            "您的申请中至少有一笔费用没有附上收据或发票，我们无法核实支付金额。",
            "打开您的申请，找到标记为缺少收据的费用。",
            "上传收据或发票的照片或 PDF（支持 JPEG、PNG、HEIC 或 PDF）。",
            "重新提交申请：您已填写的其他内容都会保留。",
        ),
    },
    "missing_document": {
        "en": _r(
            "One more document is needed",
            "To decide your claim we need a document you have not attached yet; the "
            "reviewer's note says which.",
            "Open your claim: its checklist shows the document still missing.",
            "Attach it to the expense it belongs to and send the claim again.",
        ),
        "zh-CN": _r(
            "还需要一份文件",
            "为了审核您的申请，我们还需要一份您尚未上传的文件；审核员的备注说明了是哪一份。",
            "打开您的申请：文件清单会显示仍缺少的文件。",
            "将其附在对应的费用上，然后重新提交申请。",
        ),
    },
    "unreadable_document": {
        "en": _r(
            "A document cannot be read",
            "A document you attached is blurred, cut off or too dark to read.",
            "Take a new photo in good light with the whole page in the picture, or attach the "
            "original PDF.",
            "Replace the unreadable document on your claim and send it again.",
        ),
        "zh-CN": _r(
            "文件无法辨认",
            "您上传的文件模糊、不完整或太暗，无法辨认。",
            "请在光线充足处重新拍摄完整页面，或上传原始 PDF 文件。",
            "替换申请中无法辨认的文件后重新提交。",
        ),
    },
    "amount_mismatch": {
        "en": _r(
            "The amount does not match the receipt",
            "The amount you entered for an expense differs from the amount on its receipt.",
            "Check the amount and currency on the receipt.",
            "Correct the amount of that expense (only that field) and send the claim again.",
        ),
        "zh-CN": _r(
            "金额与收据不符",
            "您填写的费用金额与收据上的金额不一致。",
            "请核对收据上的金额和币种。",
            "只需修改该笔费用的金额，然后重新提交申请。",
        ),
    },
    "expense_not_covered": {
        "en": _r(
            "The expense is not covered by your policy",
            "Your policy does not reimburse this kind of expense.",
            "See your policy's list of covered expenses, or ask us in a message on the claim.",
            "Remove the expense from your claim, or explain in a message why it is covered.",
        ),
        "zh-CN": _r(
            "该费用不在保障范围内",
            "您的保单不报销此类费用。",
            "请查看保单中的保障费用清单，或在申请中给我们留言咨询。",
            "从申请中删除该费用，或在留言中说明该费用属于保障范围的理由。",
        ),
    },
    "missing_bank_details": {
        "en": _r(
            "Bank details are missing or wrong",
            "We cannot pay you because the account to pay into is missing or not valid.",
            "Enter the IBAN or account number of an account in your name.",
            "Send the claim again; we pay within 24 hours of approval.",
        ),
        "zh-CN": _r(
            "银行账户信息缺失或有误",
            "收款账户缺失或无效，我们无法向您付款。",
            "请填写您本人名下账户的 IBAN 或账号。",
            "重新提交申请；批准后我们将在 24 小时内付款。",
        ),
    },
    "duplicate_expense": {
        "en": _r(
            "The expense was already claimed",
            "This expense appears on another claim of yours, so it cannot be paid twice.",
            "Check your other claims for the same receipt.",
            "Remove the duplicate expense and send the claim again.",
        ),
        "zh-CN": _r(
            "该费用已报销过",
            "这笔费用已出现在您的另一份申请中，不能重复报销。",
            "请检查您的其他申请中是否有同一张收据。",
            "删除重复的费用后重新提交申请。",
        ),
    },
    "missing_medical_report": {
        "en": _r(
            "A medical report is needed",
            "For this kind of treatment we need the doctor's report or prescription.",
            "Ask your doctor for the report or prescription.",
            "Attach it to the expense and send the claim again.",
        ),
        "zh-CN": _r(
            "需要医疗证明",
            "此类治疗需要提供医生的诊断报告或处方。",
            "请向您的医生索取诊断报告或处方。",
            "将其附在对应费用上，然后重新提交申请。",
        ),
    },
    "incurred_outside_cover": {
        "en": _r(
            "The expense date is outside your cover",
            "The expense was incurred before your policy started or after it ended.",
            "Check the date on the receipt against the dates of your policy.",
            "Correct the date if it was entered wrongly, or remove the expense.",
        ),
        "zh-CN": _r(
            "费用日期不在保障期内",
            "该费用发生在保单生效之前或终止之后。",
            "请核对收据日期与保单的保障期限。",
            "如日期填写有误请更正，否则请删除该费用。",
        ),
    },
}
"""The default reasons: the returns and rejections insurers make most often."""
# read-only: a caller changing it would change the library's behaviour for everyone
DEFAULT_REASONS = MappingProxyType(
    {code: MappingProxyType(dict(texts)) for code, texts in DEFAULT_REASONS.items()}
)
