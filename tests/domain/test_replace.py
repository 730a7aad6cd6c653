"""The fast copy used on the lifecycle's hot path behaves exactly as ``attrs.evolve``."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Actor, Claim, ClaimState, Money
from reimbursement.claims import EventType
from reimbursement.domain._replace import _slot_setters, replace, trusted_builder
from reimbursement.domain.claim import Claimant, PaymentRecord, PaymentStatus
from reimbursement.domain.events import EventLog
from reimbursement.testing import after, draft, rich_claim

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
ANA = Actor.customer("cust-ana")


def _claim() -> Claim:
    claimant = Claimant("cust-ana", "Ana Lima", "POL-100", "DE89")
    return Claim("c-1", claimant, "EUR", ClaimState.DRAFT, AT)


def test_a_claim_copy_equals_evolve_and_stays_frozen() -> None:
    claim = _claim()
    events = claim.with_next_event(EventType.DRAFT_STARTED, ANA, AT)
    copy = replace(claim, state=ClaimState.SUBMITTED, events=events, number="CLM-1")
    assert copy == attrs.evolve(claim, state=ClaimState.SUBMITTED, events=events, number="CLM-1")
    assert type(copy) is Claim
    assert claim.state is ClaimState.DRAFT  # the original is untouched
    assert claim.version == 0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        copy.state = ClaimState.PAID  # type: ignore[misc]


def test_a_changed_field_goes_through_its_converter() -> None:
    claim = _claim()
    row_claim = replace(claim, events=claim.with_next_event(EventType.DRAFT_STARTED, ANA, AT))
    as_events = replace(claim, events=list(row_claim.events))  # Event objects, in a list
    assert as_events.events == row_claim.events
    assert type(as_events.events) is EventLog


def test_the_hot_records_are_copied_through_their_slots() -> None:
    for cls in (Claim, PaymentRecord):
        assert _slot_setters(cls, attrs.fields(cls)) is not None


@attrs.frozen
class _Checked:
    amount: int = attrs.field(validator=attrs.validators.ge(0))


@attrs.frozen
class _Derived:
    amount: int
    double: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "double", self.amount * 2)


@attrs.frozen(slots=False)
class _Dict:
    amount: int


@attrs.frozen(cache_hash=True)
class _CachedHash:
    amount: int


@attrs.frozen
class _KeywordOnly:
    amount: int
    note: str = attrs.field(default="", kw_only=True)


def test_classes_that_need_their_init_still_get_it() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        replace(_Checked(1), amount=-1)
    assert replace(_Derived(2), amount=5).double == 10
    assert replace(_Dict(1), amount=2) == _Dict(2)
    assert replace(_KeywordOnly(1, note="n"), amount=2) == _KeywordOnly(2, note="n")
    assert hash(replace(_CachedHash(1), amount=2)) == hash(_CachedHash(2))
    for cls in (_Checked, _Derived, _Dict, _CachedHash):
        assert _slot_setters(cls, attrs.fields(cls)) is None


def test_a_trusted_build_equals_the_record_init_makes() -> None:
    build = trusted_builder(PaymentRecord)
    made = PaymentRecord(1, "c-1:payment:1", Money("10", "EUR"), "DE89", PaymentStatus.SENT, AT)
    built = build(*(getattr(made, a.name) for a in attrs.fields(PaymentRecord)))
    assert built == made
    assert type(built) is PaymentRecord
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.status = PaymentStatus.PAID  # type: ignore[misc]
    for cls in (_Checked, _Derived, _Dict, _CachedHash):
        with pytest.raises(TypeError, match="make it with __init__"):
            trusted_builder(cls)


def test_an_unknown_field_is_refused() -> None:
    record = PaymentRecord(1, "c-1:payment:1", Money("10", "EUR"), "DE89", PaymentStatus.SENT, AT)
    with pytest.raises(TypeError, match="PaymentRecord has no field colour"):
        replace(record, colour="blue")
    assert replace(record, status=PaymentStatus.PAID).status is PaymentStatus.PAID


def _aliases(cls: type) -> list[str]:
    return [a.alias for a in attrs.fields(cls)]


@given(changed=st.sets(st.sampled_from(_aliases(Claim))))
def test_any_set_of_changed_claim_fields_copies_as_evolve_does(changed: set[str]) -> None:
    source, donor = rich_claim("c-1"), draft("c-2", "cust-2", at=after(minutes=5))
    changes = {name: _value(donor, name) for name in sorted(changed)}
    copy = replace(source, **changes)
    assert copy == attrs.evolve(source, **changes)
    for a in attrs.fields(Claim):
        expected = donor if a.alias in changed else source
        assert getattr(copy, a.name) == getattr(expected, a.name)


@given(changed=st.sets(st.sampled_from(_aliases(PaymentRecord))))
def test_any_set_of_changed_payment_fields_copies_as_evolve_does(changed: set[str]) -> None:
    source = PaymentRecord(1, "c-1:payment:1", Money("10", "EUR"), "DE89", PaymentStatus.SENT, AT)
    donor = PaymentRecord(
        2, "c-1:payment:2", Money("12", "EUR"), "DE00", PaymentStatus.PAID, AT, "fin-1", "PAY-1"
    )
    changes = {name: _value(donor, name) for name in sorted(changed)}
    assert replace(source, **changes) == attrs.evolve(source, **changes)


def _value(record: object, alias: str) -> object:
    name = next(a.name for a in attrs.fields(type(record)) if a.alias == alias)
    return getattr(record, name)
