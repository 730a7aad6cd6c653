"""The contract of the claim store's duplicate look-ups (part of the repository contract)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ..domain import commands
from ..domain.actors import Actor
from ..domain.claim import Attachment, Claim
from ..domain.duplicates import expense_key
from ..errors import ValidationError
from ..ports import DuplicateMatch
from ._builders import after, assigned, draft, returned, submitted, withdrawn
from ._helpers import UnitOfWorkFactory, add, save

__all__ = ["DuplicateLookupsContract", "with_document"]

_SHA = "5e" * 32
_HASH = 0x8F3A_55C1_0F0F_A5A5


def with_document(claim: Claim, doc: str, sha256: str = _SHA, phash: int | None = None) -> Claim:
    """``claim`` (a draft) with one more document ``doc`` on its first line."""
    attachment = Attachment(
        doc,
        f"{doc}.jpg",
        "image/jpeg",
        1_000,
        sha256,
        phash=None if phash is None else f"{phash:016x}",
    )
    customer = Actor.customer(claim.customer_id)
    at = max(after(hours=1), claim.events[-1].at)  # a timeline never goes back
    return commands.add_attachment(claim, customer, at, attachment, claim.lines[0].id)


def _claims(found: object) -> set[str]:
    assert isinstance(found, list | tuple)
    return {m.claim_id for m in found if isinstance(m, DuplicateMatch)}


class DuplicateLookupsContract:
    """What ``same_file``, ``same_expense(s)`` and ``similar_images`` of every store must do.

    Uses the repository contract's ``unit_of_work`` fixture.
    """

    def test_the_same_file_is_found_on_another_customers_claim_with_its_line(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        add(unit_of_work, submitted(with_document(draft("claim-a", "cust-1"), "doc-a")))
        add(unit_of_work, submitted(with_document(draft("claim-b", "cust-2"), "doc-b")))
        add(unit_of_work, submitted(with_document(draft("claim-c"), "doc-c", "00" * 32)))
        with unit_of_work() as uow:
            found = uow.claims.same_file(_SHA)
        assert sorted(found, key=lambda m: m.claim_id) == [
            DuplicateMatch("claim-a", "CLM-claim-a", "L1", "doc-a"),
            DuplicateMatch("claim-b", "CLM-claim-b", "L1", "doc-b"),
        ]

    def test_drafts_and_withdrawn_claims_are_nobodys_duplicates(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        kept = submitted(with_document(draft("claim-a"), "doc-a"))
        add(unit_of_work, kept, with_document(draft("claim-b"), "doc-b"))
        with unit_of_work() as uow:
            assert _claims(uow.claims.same_file(_SHA)) == {"claim-a"}
            assert len(uow.claims.same_expense(expense_key(kept.lines[0]))) == 1
        save(unit_of_work, withdrawn(kept))
        with unit_of_work() as uow:
            assert uow.claims.same_file(_SHA) == []
            assert uow.claims.same_expense(expense_key(kept.lines[0])) == []

    def test_a_unit_of_work_sees_its_own_writes_and_others_see_them_on_commit(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = submitted(with_document(draft("claim-a"), "doc-a", phash=_HASH))
        with unit_of_work() as uow:
            uow.claims.add(claim)
            assert _claims(uow.claims.same_file(_SHA)) == {"claim-a"}
            assert _claims(uow.claims.similar_images(_HASH, max_distance=0)) == {"claim-a"}
            with unit_of_work() as other:
                assert other.claims.same_file(_SHA) == []
            uow.commit()
        with unit_of_work() as uow:
            assert _claims(uow.claims.same_file(_SHA)) == {"claim-a"}

    def test_the_same_expense_is_found_within_the_tolerance_and_days(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        base = draft("claim-a", lines=(("pharmacy", "42.50"),))
        add(unit_of_work, submitted(base))
        key = expense_key(base.lines[0])
        near = type(key)(key.provider, key.currency, key.incurred_on, key.amount + 4_000)
        with unit_of_work() as uow:
            assert _claims(uow.claims.same_expense(key)) == {"claim-a"}
            assert uow.claims.same_expense(near) == []  # 0.40 EUR more
            assert len(uow.claims.same_expense(near, tolerance=Decimal("0.50"))) == 1
            moved = type(key)(key.provider, key.currency, date(2026, 1, 1), key.amount)
            assert uow.claims.same_expense(moved, days=10) == []
            other = type(key)(key.provider, "USD", key.incurred_on, key.amount)
            assert uow.claims.same_expense(other) == []
            [match] = uow.claims.same_expense(key)
        assert (match.line_id, match.attachment_id, match.claim_number) == (
            "L1",
            None,
            "CLM-claim-a",
        )

    @pytest.mark.parametrize("days", [0, 1, 7, 8, 30])
    def test_an_expense_is_found_up_to_days_either_side_and_not_a_day_beyond(
        self, unit_of_work: UnitOfWorkFactory, days: int
    ) -> None:
        claim = submitted(draft("claim-a"))
        add(unit_of_work, claim)
        key = expense_key(claim.lines[0])
        with unit_of_work() as uow:
            for offset in (-days - 1, -days, 0, days, days + 1):
                day = key.incurred_on + timedelta(days=offset)
                probe = type(key)(key.provider, key.currency, day, key.amount)
                found = uow.claims.same_expense(probe, days=days)
                assert len(found) == (1 if abs(offset) <= days else 0), (days, offset)
                [listed] = uow.claims.same_expenses([probe], days=days)
                assert list(listed) == list(found)

    def test_same_expenses_answers_each_key_as_same_expense_does_in_its_order(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = draft("claim-a", lines=(("pharmacy", "42.50"), ("taxi", "18.00")))
        add(unit_of_work, submitted(first))
        add(unit_of_work, submitted(draft("claim-b", "cust-2", lines=(("taxi", "18.00"),))))
        pharmacy, taxi = (expense_key(line) for line in first.lines)
        unknown = type(taxi)(taxi.provider, "USD", taxi.incurred_on, taxi.amount)
        keys = [taxi, unknown, pharmacy, taxi] + [pharmacy] * 40  # more than one statement
        with unit_of_work() as uow:
            found = uow.claims.same_expenses(keys, limit=1)
            assert [list(m) for m in found] == [
                list(uow.claims.same_expense(key, limit=1)) for key in keys
            ]
            assert [len(m) for m in found[:4]] == [1, 0, 1, 1]  # each key its own limit
            taxis = uow.claims.same_expenses([taxi], tolerance=Decimal("0.10"), days=2)
            assert [_claims(m) for m in taxis] == [{"claim-a", "claim-b"}]
            assert uow.claims.same_expenses([]) == []
            with pytest.raises(ValidationError):
                uow.claims.same_expenses([taxi], limit=0)

    @pytest.mark.parametrize("flipped", [0, 1, 5, 8])
    def test_similar_images_are_found_with_their_distance_up_to_the_maximum(
        self, unit_of_work: UnitOfWorkFactory, flipped: int
    ) -> None:
        # spread the flipped bits over the bands, as a real second photo would
        changed = _HASH ^ sum(1 << (i * 7) for i in range(flipped))
        add(unit_of_work, submitted(with_document(draft("claim-a"), "doc-a", phash=changed)))
        with unit_of_work() as uow:
            found = uow.claims.similar_images(_HASH, max_distance=8)
            assert [(m.claim_id, m.attachment_id, m.distance) for m in found] == [
                ("claim-a", "doc-a", flipped)
            ]
            assert uow.claims.similar_images(_HASH, max_distance=max(flipped - 1, 0)) == (
                [] if flipped else found
            )

    def test_a_document_added_on_return_is_found_once_the_claim_is_saved(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = assigned(submitted(with_document(draft("claim-a"), "doc-a")))
        add(unit_of_work, claim)
        fixed = with_document(returned(claim, "add the invoice"), "doc-b", "77" * 32)
        save(unit_of_work, fixed)
        with unit_of_work() as uow:
            assert [m.attachment_id for m in uow.claims.same_file("77" * 32)] == ["doc-b"]
            assert [m.attachment_id for m in uow.claims.same_file(_SHA)] == ["doc-a"]

    def test_limits_are_checked(self, unit_of_work: UnitOfWorkFactory) -> None:
        with unit_of_work() as uow, pytest.raises(ValidationError):
            uow.claims.same_file(_SHA, limit=0)
