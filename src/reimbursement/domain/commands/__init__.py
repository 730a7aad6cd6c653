"""Commands on a claim: pure functions from a claim to its next version.

Each command checks everything first and raises a typed error before it
builds anything, so a refused command leaves no trace. Each returns a new
:class:`~reimbursement.domain.claim.Claim` with at least one event appended
(so its ``version``, the number of events, grows); the application service
saves it. Authorization (who may do what) is checked separately, in
:mod:`reimbursement.domain.authorization`.

One module per part of the lifecycle: ``drafts`` (lines, patches,
documents, submission), ``review``, ``payments`` and ``messages``.
"""

from ._common import Convert
from .drafts import (
    PREFILLED_FIELDS,
    add_attachment,
    check_attachable,
    check_ready,
    prefill,
    resubmit,
    start_draft,
    submit,
    update_draft,
)
from .messages import MAX_MESSAGE_LENGTH, post_message
from .payments import (
    approve_payment,
    cancel_payment,
    change_payee,
    confirm_payment,
    fail_payment,
    payment_to_send,
    report_discrepancy,
    request_payment,
    retry_payment,
    send_payment,
)
from .review import approve, assign, reject, return_for_correction, withdraw

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "PREFILLED_FIELDS",
    "Convert",
    "add_attachment",
    "approve",
    "approve_payment",
    "assign",
    "cancel_payment",
    "change_payee",
    "check_attachable",
    "check_ready",
    "confirm_payment",
    "fail_payment",
    "payment_to_send",
    "post_message",
    "prefill",
    "reject",
    "report_discrepancy",
    "request_payment",
    "resubmit",
    "retry_payment",
    "return_for_correction",
    "send_payment",
    "start_draft",
    "submit",
    "update_draft",
    "withdraw",
]
