"""The customer's wording in Simplified Chinese (zh-CN): stage names, titles and phrases.

Plain tables; :mod:`.texts` makes them the ``zh-CN`` translation of the
default :class:`~reimbursement.service.texts.CustomerTexts`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..domain.events import EventType
from ..domain.lifecycle import ClaimState

S = ClaimState
E = EventType

STAGES: Mapping[ClaimState, tuple[str, str]] = {
    S.DRAFT: ("草稿", "添加您的费用和收据，然后提交。"),
    S.SUBMITTED: ("已提交", "您的申请正在分配给审核人员。"),
    S.IN_REVIEW: ("审核中", "审核人员正在核查您的申请，您无需操作。"),
    S.RETURNED: ("需要您更正", "请阅读审核意见，按要求更正后重新提交。"),
    S.APPROVED: ("已批准", "我们正在准备付款。"),
    S.PARTIALLY_APPROVED: ("部分批准", "您的申请已部分批准，我们正在准备付款。"),
    S.REJECTED: ("未获批准", "您的申请未获批准，原因见下文。"),
    S.PAYMENT_REQUESTED: ("付款审批中", "财务部门正在审批您的付款。"),
    S.PAYMENT_APPROVED: ("付款处理中", "款项正在汇入您的账户。"),
    S.PAID: ("已付款", "款项已支付到您的账户。"),
    S.PAYMENT_FAILED: (
        "付款失败",
        "我们无法向您的账户付款。请核对银行信息，如有需要请提供更正后的账户，我们会重新尝试。",
    ),
    S.WITHDRAWN: ("已撤回", "您已撤回此申请。"),
}

TITLES: Mapping[EventType, str] = {
    E.DRAFT_STARTED: "已创建草稿",
    E.DRAFT_UPDATED: "草稿已更新",
    E.ATTACHMENT_ADDED: "已添加文件",
    E.SUBMITTED: "申请已提交",
    E.ASSIGNED: "开始审核",
    E.RETURNED: "已退回，请您更正",
    E.RESUBMITTED: "已重新提交更正后的申请",
    E.APPROVED: "申请已批准",
    E.PARTIALLY_APPROVED: "申请已部分批准",
    E.REJECTED: "申请未获批准",
    E.WITHDRAWN: "申请已撤回",
    E.PAYMENT_REQUESTED: "已发起付款",
    E.PAYMENT_APPROVED: "付款已批准",
    E.PAYMENT_SENT: "款项已汇出",
    E.PAID: "已付款",
    E.PAYMENT_FAILED: "付款失败",
    E.PAYMENT_RETRIED: "正在重新付款",
    E.PAYMENT_CANCELLED: "付款已停止",
    E.PAYEE_CHANGED: "收款账户已更改",
    E.PAYMENT_DISCREPANCY: "付款核对中",
    E.MESSAGE_POSTED: "新消息",
    E.REASSIGNED: "审核人员已变更",
    E.ESCALATED: "审核已升级处理",
    E.REVIEW_STEP_DECIDED: "审核环节已完成",
    E.SLA_WARNING: "审核用时长于平常",
    E.SLA_BREACHED: "审核已超时",
    E.FEEDBACK_GIVEN: "感谢您的反馈",
    E.FEEDBACK_EDITED: "反馈已更新",
    E.STRAIGHT_THROUGH_DECIDED: "已按自动审批规则核查",
    E.DUPLICATE_CONFIRMED: "已确认重复费用",
    E.PERSONAL_DATA_ERASED: "您的个人信息已删除",
    E.DOCUMENT_DELETED: "保存期满，您的文件已删除",
    E.AUDIT_REVIEWED: "自动审批已审计",
}

PHRASES: Mapping[str, str] = {
    "submitted": "申请编号 {number}，金额 {claimed}",
    "decision": "申请金额 {claimed}，已批准 {approved}",
    "line": "{provider}（{date}）",
    "list": "；",
    "label": "：",
    "stop": "。",
    "space": "",
    "outcome.approved": "已批准",
    "outcome.returned": "已退回",
    "outcome.rejected": "未获批准",
    "stage.review": "审核",
    "stage.finance_approval": "财务审批",
    "stage.payment": "付款",
    "overdue.finance_approval": "付款审批已超时",
    "overdue.payment": "付款已超时",
    "breach": "您的申请{stage}用时超过了我们的承诺。",
    "escalated": "已升级处理。",
    "expected": "我们现在预计于 {when} 前完成。",
    "when": "%Y年%m月%d日 %H:%M %Z",
    "paid_to": "{amount}，已汇入尾号为 {ending} 的账户",
    "payee.customer": "款项将汇入尾号为 {ending} 的账户；我们核实后付款。",
    "payee.staff": (
        "我们已将您的收款账户更改为尾号为 {ending} 的账户。如果这不是您的要求，请联系我们。"
    ),
    "progress": "已完成 {done}/{total} 项审核",
    "more_notes": "另有 {count} 项费用的说明（见您的申请）",
}

STAFF_LABEL = "理赔团队"
CUSTOMER_LABEL = "您"
