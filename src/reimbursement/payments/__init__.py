"""Paying claims out: payee accounts, payment runs, bank files, reconciliation, the 24 hours.

The core of this namespace needs no extra: account checks
(:func:`check_account`, :func:`iban_for`), payment runs at cut-off times
(:class:`RunSchedule`, :class:`PaymentRuns`), the sandbox gateway
(:class:`SandboxGateway`) and the 24-hour promise (:func:`payment_timing`,
:func:`claims_at_risk`). The ISO 20022 bank files need the ``payments``
extra (lxml, and pypinyin for Chinese names): writing ``pain.001`` is in
:mod:`reimbursement.payments.iso20022`, reading ``camt.054``/``camt.053``
in :mod:`reimbursement.payments.camt`. See ``docs/payment-runs.md``.
"""

from ..domain.accounts import account_problem, check_account, compact_account, iban_for
from .promise import (
    PROMISE,
    AtRisk,
    PaymentTiming,
    PromiseSummary,
    claims_at_risk,
    payment_timing,
    promise_summary,
)
from .runs import PaymentRun, PaymentRuns, RunOutcome, RunSchedule, target2_calendar
from .sandbox import CallbackReport, SandboxGateway, apply_callbacks

__all__ = [
    "PROMISE",
    "AtRisk",
    "CallbackReport",
    "PaymentRun",
    "PaymentRuns",
    "PaymentTiming",
    "PromiseSummary",
    "RunOutcome",
    "RunSchedule",
    "SandboxGateway",
    "account_problem",
    "apply_callbacks",
    "check_account",
    "claims_at_risk",
    "compact_account",
    "iban_for",
    "payment_timing",
    "promise_summary",
    "target2_calendar",
]
