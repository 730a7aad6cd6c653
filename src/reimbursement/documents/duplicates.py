"""Duplicates of a claim's files, expenses and photos on other claims, as flags.

:func:`find_duplicates` asks the claim store's indexed look-ups
(:class:`~reimbursement.ports.DuplicateLookups`) about each document and
line of a claim being submitted, and returns one :class:`DuplicateFlag`
per match on another claim: a warning shown to the reviewer, never a
block. :func:`confirm_duplicate` records a reviewer's confirmation; a
confirmed line can then only be approved at zero (see
:func:`reimbursement.domain.duplicates.confirmed_lines`), so the same
expense is never paid twice.
"""

from __future__ import annotations

from datetime import datetime

from ..domain._replace import replace
from ..domain.actors import Actor
from ..domain.claim import Claim
from ..domain.document_records import DuplicateFlag, DuplicateKind
from ..domain.duplicates import DuplicatePolicy, expense_key
from ..domain.events import EventType, Visibility
from ..errors import ValidationError
from ..ports import DuplicateLookups, DuplicateMatch

__all__ = ["confirm_duplicate", "find_duplicates"]


def _flag(
    kind: DuplicateKind,
    line_id: str | None,
    attachment_id: str | None,
    match: DuplicateMatch,
) -> DuplicateFlag:
    return DuplicateFlag(
        kind,
        line_id,
        match.claim_id,
        match.claim_number,
        match.line_id,
        attachment_id,
        match.attachment_id,
        match.distance,
    )


def _unconfirmed(flag: DuplicateFlag) -> DuplicateFlag:
    return replace(flag, confirmed_by=None)


def find_duplicates(
    claim: Claim, lookups: DuplicateLookups, policy: DuplicatePolicy
) -> tuple[DuplicateFlag, ...]:
    """The flags of ``claim``: its documents and lines found on other claims.

    A flag a reviewer confirmed before stays confirmed when it is found again.
    Each look-up keeps at most ``policy.limit`` matches and the claim at most
    ``policy.max_flags`` flags (the confirmed ones always).
    """
    line_of = {doc: line.id for line in claim.lines for doc in line.attachment_ids}
    flags: list[DuplicateFlag] = []
    limit = policy.limit
    for attachment in claim.attachments:
        line_id = line_of.get(attachment.id)
        for match in lookups.same_file(attachment.sha256, limit=limit):
            if match.claim_id != claim.id:
                flags.append(_flag(DuplicateKind.SAME_FILE, line_id, attachment.id, match))
        if attachment.phash is not None:
            same = {f.other_attachment_id for f in flags if f.attachment_id == attachment.id}
            for match in lookups.similar_images(
                int(attachment.phash, 16), max_distance=policy.max_image_distance, limit=limit
            ):
                if match.claim_id != claim.id and match.attachment_id not in same:
                    flags.append(_flag(DuplicateKind.SIMILAR_IMAGE, line_id, attachment.id, match))
    matches = lookups.same_expenses(
        [expense_key(line) for line in claim.lines],
        tolerance=policy.amount_tolerance,
        days=policy.days,
        limit=limit,
    )
    for line, found in zip(claim.lines, matches, strict=True):
        for match in found:
            if match.claim_id != claim.id:
                flags.append(_flag(DuplicateKind.SAME_EXPENSE, line.id, None, match))
    confirmed = {_unconfirmed(f): f for f in claim.duplicate_flags if f.confirmed_by}
    return _bounded([confirmed.get(flag, flag) for flag in flags], policy.max_flags)


def _bounded(flags: list[DuplicateFlag], most: int) -> tuple[DuplicateFlag, ...]:
    """At most ``most`` of ``flags`` in their order: every confirmed one, then the first others.

    A confirmation is never dropped: the line it stops from being paid stays stopped.
    """
    if len(flags) <= most:
        return tuple(flags)
    room = most - sum(1 for f in flags if f.confirmed_by is not None)
    kept = []
    for flag in flags:
        if flag.confirmed_by is not None:
            kept.append(flag)
        elif room > 0:
            kept.append(flag)
            room -= 1
    return tuple(kept)


def confirm_duplicate(claim: Claim, actor: Actor, at: datetime, index: int) -> Claim:
    """The claim with its flag ``index`` confirmed by ``actor``: that line is a duplicate.

    Raises :class:`~reimbursement.errors.ValidationError` for an index the
    claim has no flag at, or a flag on no line (a document alone is paid
    through its line: confirm the line's own flag).
    """
    flags = claim.duplicate_flags
    if type(index) is not int or not 0 <= index < len(flags):
        raise ValidationError.at("index", f"claim {claim.id} has no duplicate flag {index!r}")
    flag = flags[index]
    if flag.line_id is None:
        raise ValidationError.at("index", "the flag is on a document linked to no line")
    confirmed = replace(flag, confirmed_by=actor.id)
    data = {
        "line_id": flag.line_id,
        "kind": str(flag.kind),
        "other_claim_id": flag.other_claim_id,
    }
    return replace(
        claim,
        duplicate_flags=(*flags[:index], confirmed, *flags[index + 1 :]),
        events=claim.with_next_event(
            EventType.DUPLICATE_CONFIRMED, actor, at, data=data, visibility=Visibility.INTERNAL
        ),
    )
