"""Personal data: erasing it from a closed claim, and deleting documents kept past retention.

Erasure keeps what the insurer must keep and what proves the record: every
id, amount, total, date, state, category, document hash and size, and the
timeline. It replaces every free text and contact field with
:data:`ERASED` (see ``docs/privacy.md`` for the exact list). Events whose
data or reason held such text are redacted in place, and the erasure event
records each one's digest from before and after (``data["redacted"]``,
``"<seq>:<sha256 before>:<sha256 after>"`` joined by commas), so that the
hash chain and the Merkle log still verify: what was erased can no longer be
checked, everything left of a redacted event still is (changed after the
erasure, it no longer hashes to its digest after, and the chain breaks).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ...errors import FieldProblem, ValidationError
from .._replace import replace
from ..actors import Actor, Role
from ..chain import digest_of
from ..claim import Claim
from ..events import Event, EventLog, EventType
from ..lifecycle import ClaimState
from ..limits import MAX_STORED_TEXT

__all__ = [
    "ERASED",
    "FINAL_STATES",
    "KEPT_EVENT_DATA",
    "KEPT_EVENT_DATA_PREFIXES",
    "PERSONAL_EVENT_DATA",
    "delete_documents",
    "erase",
    "refuse_personal_input",
]

ERASED = "[erased]"
"""What an erased text field reads."""

FINAL_STATES = frozenset({ClaimState.PAID, ClaimState.REJECTED, ClaimState.WITHDRAWN})
"""The states in which a claim's personal data may be erased (nothing is left to do)."""

PERSONAL_EVENT_DATA = frozenset(
    {"file_name", "note", "text", "reasons", "problems", "account_ending"}
)
"""The keys of event data that may hold free text about a person (or a part of their
bank account): erasure replaces their values with :data:`ERASED`."""

KEPT_EVENT_DATA = frozenset(
    {
        *("amount", "approved", "attempt", "claimed", "number", "reference", "redacted"),
        *("attachment_id", "attachment_ids", "line_id", "message_id", "other_claim_id", "kind"),
        *("lines_added", "lines_changed", "lines_removed", "payee_account_changed"),
        *("reviewer", "from", "policy", "trigger", "passed_over", "step", "outcome"),
        *("plan_outcome", "rule", "rules_version", "sampled"),
        *("stage", "cycle", "crossed_at", "due", "ces", "nps", "channel", "has_text"),
        *("signature.algorithm", "signature.key_id", "signature.value", "signature.version"),
        *("signature.sha256", "signature.declarations", "signature.authenticator_data"),
        "signature.client_data_json",
    }
)
"""The keys of event data erasure keeps: ids, amounts, codes, counts, instants, staff ids,
the signature record. With the prefixes in :data:`KEPT_EVENT_DATA_PREFIXES`, every key
an event carries is in this set or in :data:`PERSONAL_EVENT_DATA` (a test holds it)."""

KEPT_EVENT_DATA_PREFIXES = ("csat_",)
"""Prefixes of kept keys made per value (``csat_<stage>``: a rating of one stage)."""


def _redacted(event: Event) -> Event | None:
    data = dict(event.data)
    personal = PERSONAL_EVENT_DATA & data.keys()
    if not personal and event.reason is None:
        return None
    for key in personal:
        data[key] = ERASED
    reason = None if event.reason is None else ERASED
    return attrs.evolve(event, data=data, reason=reason)


def erase(claim: Claim, actor: Actor, at: datetime) -> Claim:
    """The closed ``claim`` without its personal data, and a ``personal_data_erased`` event.

    Raises :class:`~reimbursement.errors.ValidationError` for a claim not in
    a final state (it still needs its data) and one erased already.
    """
    if claim.state not in FINAL_STATES:
        raise ValidationError.at(
            "claim_id", f"claim {claim.id} is {claim.state}: erase it once it is closed"
        )
    if any(e.type is EventType.PERSONAL_DATA_ERASED for e in claim.events):
        raise ValidationError.at("claim_id", f"claim {claim.id} was erased already")
    events, redacted = [], []
    for event in claim.events:
        clean = _redacted(event)
        if clean is not None:
            redacted.append(f"{event.seq}:{digest_of(event)}:{digest_of(clean)}")
        events.append(event if clean is None else clean)
    # the erasure event links to the last event as it was, as the log holds it
    erasure = claim.with_next_event(
        EventType.PERSONAL_DATA_ERASED, actor, at, data={"redacted": ",".join(redacted)}
    )[-1]
    return replace(
        claim,
        claimant=attrs.evolve(
            claim.claimant, name=ERASED, policy_number=ERASED, payee_account=ERASED, email=""
        ),
        lines=[attrs.evolve(line, provider=ERASED, description="") for line in claim.lines],
        attachments=[attrs.evolve(a, file_name=ERASED) for a in claim.attachments],
        messages=[attrs.evolve(m, body=ERASED) for m in claim.messages],
        payments=tuple(attrs.evolve(p, payee_account=ERASED) for p in claim.payments),
        feedback=None if claim.feedback is None else attrs.evolve(claim.feedback, text=""),
        events=EventLog([*events, erasure]),
    )


def delete_documents(claim: Claim, actor: Actor, at: datetime, reason: str) -> Claim:
    """The claim with ``document_deleted`` events for its documents (their metadata stays).

    The bytes are deleted from the document store by the caller; the
    attachments keep their hash and size, which is what the signed
    submission and the audit trail refer to. The ids are listed in as many
    events as it takes to keep each list within what a stored text holds
    (:data:`~reimbursement.domain.limits.MAX_STORED_TEXT`): one, unless the
    claim has hundreds of documents with long ids.
    """
    for ids in _id_lists([a.id for a in claim.attachments], MAX_STORED_TEXT):
        claim = replace(
            claim,
            events=claim.with_next_event(
                EventType.DOCUMENT_DELETED, actor, at, reason=reason, data={"attachment_ids": ids}
            ),
        )
    return claim


def _id_lists(ids: Sequence[str], most: int) -> list[str]:
    """``ids`` joined by commas into texts of at most ``most`` characters (at least one)."""
    lists, current = [], ""
    for id_ in ids:
        if current and len(current) + 1 + len(id_) > most:
            lists.append(current)
            current = ""
        current = f"{current},{id_}" if current else id_
    return [*lists, current]


_ERASURE = frozenset({EventType.PERSONAL_DATA_ERASED})
_BLANK = frozenset({ERASED, ""})


def _new_text(path: str, before: Sequence[str], after: Sequence[str]) -> list[str]:
    """``path`` once for each value of ``after`` neither blank nor among ``before``'s."""
    kept = set(before)
    return [path for value in after if value not in _BLANK and value not in kept]


def refuse_personal_input(before: Claim, after: Claim) -> None:
    """Refuse a command that would record personal data on a claim erased already.

    Erasure is final: what a command adds to an erased claim (a message,
    feedback text, a payee account, a reason, a contact, a file name, an
    event's personal details) would be held in clear after the customer's
    data was erased, so the command is refused before anything is written.
    Amounts, codes, ratings and the insurer's own processes (``system``
    actors, such as document retention) are no personal input and pass.
    Raises :class:`~reimbursement.errors.ValidationError` naming each field.
    """
    # only a closed claim is erased, and a closed claim stays closed: the rest never scan
    if before.state not in FINAL_STATES or before.events.last_index_of(_ERASURE) is None:
        return
    old, new = before.claimant, after.claimant
    found = [
        *_new_text("claimant", [old.name, old.policy_number, old.payee_account, old.email],
                   [new.name, new.policy_number, new.payee_account, new.email]),
        *_new_text("message", [m.body for m in before.messages], [m.body for m in after.messages]),
        *_new_text("payee_account", [p.payee_account for p in before.payments],
                   [p.payee_account for p in after.payments]),
        *_new_text("line", [t for ln in before.lines for t in (ln.provider, ln.description)],
                   [t for ln in after.lines for t in (ln.provider, ln.description)]),
        *_new_text("file_name", [a.file_name for a in before.attachments],
                   [a.file_name for a in after.attachments]),
    ]  # fmt: skip
    if after.feedback is not None and after.feedback.text:
        found += _new_text("feedback.text", [], [after.feedback.text])
    for event in after.events.since(before.version):
        if event.role is Role.SYSTEM:
            continue
        values = [v for k, v in event.data.items() if k in PERSONAL_EVENT_DATA]
        found += _new_text("reason", [], [event.reason or ""])
        found += _new_text(f"event data of {event.type}", [], values)
    if found:
        fields = sorted(set(found))
        raise ValidationError(
            f"the personal data of claim {after.id} was erased: it takes no personal data "
            f"any more ({', '.join(fields)}); send what is left without it, or open a new claim",
            [FieldProblem(field, "personal data on an erased claim") for field in fields],
        )
