"""Invariants of the bytes an event is hashed by: the same whatever the module's text caches
held, different for any other string (case and Unicode form included), and the digest an
event log keeps for an event is the digest of the event."""

from __future__ import annotations

import hashlib
import pickle
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Literal
from unittest import mock

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from reimbursement import Claim, from_json, to_json
from reimbursement.audit import canonical_event, digest, verify
from reimbursement.domain import chain
from reimbursement.domain.actors import Role
from reimbursement.domain.chain import chain_of, chained, event_bytes, row_bytes
from reimbursement.domain.event_types import EventType, Visibility
from reimbursement.domain.events import Event, EventLog
from reimbursement.domain.lifecycle import ClaimState
from reimbursement.testing import rich_claim

from .test_chain import _object, _strings, events_fields, instants, text

# the module's text caches (chain._Texts), by name: events_fields repeats a few values, so the
# events drawn share their entries
_CACHES = ("_HEADS", "_DAYS", "_KEYS", "_FROMS", "_NO_REASON", "_ROLES", "_CLAIMS", "_TAILS")
_NFC, _NFD = "Zo\u00eb", "Zoe\u0308"  # "Zoë" composed, and decomposed: equal on screen only


def _day(day: int) -> datetime:
    return datetime(2026, 1, 1, 23, 59, 59, tzinfo=UTC) + timedelta(days=day)


# an event's fields (enums by value), the strings plain
_BASE = (1, "t", "c-1", "a", "r", _day(0), "s", "d", None, (), "v", None)


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@given(
    st.lists(events_fields, max_size=12),
    events_fields,
    st.integers(1, 6),
    st.booleans(),
)
def test_the_bytes_an_event_is_hashed_by_are_canonical_whatever_the_caches_held(
    warm: list[tuple[object, ...]], fields: tuple[object, ...], kept: int, emptied: bool
) -> None:
    """The caches bounded to a few values (each clears when full), emptied or warmed first
    with other events sharing some of the values: the bytes and digest are the same."""
    with mock.patch.object(chain, "_KEPT", kept):
        if emptied:
            for name in _CACHES:
                getattr(chain, name).clear()
        for other in [*warm, fields, *warm]:  # fields' own values cached, then maybe cleared
            row_bytes(other)  # type: ignore[arg-type]
        if emptied:
            assert all(len(getattr(chain, name)) <= kept for name in _CACHES)
        ours = canonical_event(*fields)  # type: ignore[arg-type]
        assert ours == rfc8785.dumps(_object(fields))
        assert row_bytes(fields) == ours  # type: ignore[arg-type]
        assert chained(*fields)[12] == _sha(ours)
    assert row_bytes(fields) == ours  # type: ignore[arg-type]  # with the caches as they are


def test_every_text_the_caches_hold_is_the_text_of_its_key() -> None:
    """Whatever ran before in this process: no entry is stale or another key's."""
    # every cache holds one at least, whatever emptied them before: an event with a reason
    # and data (_ROLES, _KEYS) and one without (_NO_REASON)
    row_bytes((*_BASE[:8], "why", ("k", "v"), *_BASE[10:]))
    row_bytes(_BASE)  # type: ignore[arg-type]
    for name in _CACHES:
        cache = getattr(chain, name)
        assert cache
        assert all(text == cache._make(key) for key, text in cache.items()), name


def test_a_cache_full_to_its_bound_starts_afresh_and_still_gives_the_same_bytes() -> None:
    days = [(*_BASE[:5], _day(d), *_BASE[6:]) for d in range(9)]
    with mock.patch.object(chain, "_KEPT", 4):
        chain._DAYS.clear()
        for fields in days + days[::-1] + days:
            assert row_bytes(fields) == canonical_event(*fields)  # type: ignore[arg-type]
            assert len(chain._DAYS) <= 4


def _variants(value: str) -> list[str]:
    """``value`` in each Unicode normalisation form and each case: other strings, often."""
    forms = [unicodedata.normalize(form, value) for form in _FORMS]
    return [*forms, value.upper(), value.lower(), value.casefold(), value.swapcase()]


_FORMS: tuple[Literal["NFC", "NFD", "NFKC", "NFKD"], ...] = ("NFC", "NFD", "NFKC", "NFKD")
# where a string is set: its index among the fields, or the details' one key or value
_STRING_FIELDS = {"claim_id": 2, "actor": 3, "reason": 8, "key": -1, "value": -1}


def _with(fields: tuple[object, ...], where: str, value: str) -> tuple[object, ...]:
    """``fields`` with the string at ``where`` set to ``value`` (the details: one pair)."""
    if where == "key":
        return (*fields[:9], (value, "x"), *fields[10:])
    if where == "value":
        return (*fields[:9], ("k", value), *fields[10:])
    i = _STRING_FIELDS[where]
    return (*fields[:i], value, *fields[i + 1 :])


@given(text, st.data(), st.sampled_from(sorted(_STRING_FIELDS)), events_fields)
@example(_NFC, None, "actor", _BASE)
@example(_NFD, None, "reason", _BASE)
@example("ZO\u00cb", None, "key", _BASE)
@example("zo\u00eb", None, "value", _BASE)
@example("Stra\u00dfe", None, "claim_id", _BASE)  # "STRASSE" upper-cased, "strasse" folded
def test_strings_that_differ_only_in_case_or_unicode_form_give_other_bytes_and_digests(
    value: str, data: st.DataObject | None, where: str, fields: tuple[object, ...]
) -> None:
    """Nothing is normalised or case-folded: "Zoë" composed and decomposed, "ZOË", "zoë"
    are four actors, four reasons, four details, each hashed as it is written."""
    others = [v for v in _variants(value) if v != value]
    if value == _NFC:
        others.append(_NFD)
    if data is None:  # an explicit example: every variant
        chosen = others
    elif others:
        chosen = [data.draw(st.sampled_from(others))]
    else:
        chosen = []
    one = _with(fields, where, value)
    for other in chosen:
        two = _with(fields, where, other)
        assert canonical_event(*one) != canonical_event(*two)  # type: ignore[arg-type]
        assert row_bytes(one) != row_bytes(two)  # type: ignore[arg-type]
        assert chained(*one)[12] != chained(*two)[12]
        # and each is what RFC 8785 makes of the string as it is (no form chosen for it)
        assert row_bytes(two) == rfc8785.dumps(_object(two))  # type: ignore[arg-type]


_hex = st.text("0123456789abcdef", min_size=64, max_size=64)
events = st.builds(
    Event,
    seq=st.integers(1, 10**6),
    type=st.sampled_from(EventType),
    claim_id=text,
    actor=text | st.sampled_from([_NFC, _NFD, "ZO\u00cb"]),
    role=st.sampled_from(Role),
    at=instants,
    from_state=st.sampled_from(ClaimState),
    to_state=st.sampled_from(ClaimState),
    reason=st.none() | text,
    data=st.dictionaries(text, text, max_size=3),
    visibility=st.sampled_from(Visibility),
    # a digest's hex (kept as 32 bytes), its upper case and any other text (kept as given)
    prev_hash=st.none() | _hex | _hex.map(str.upper) | text,
)


@given(st.lists(events, max_size=6))
def test_the_digest_an_event_log_keeps_for_an_event_is_the_digest_of_the_event(
    given_events: list[Event],
) -> None:
    log = EventLog(given_events)
    digests = [digest(event) for event in given_events]
    assert digests == [_sha(event_bytes(e)).hex() for e in given_events]
    for event, row, back in zip(given_events, log._rows, log, strict=True):
        assert back == event  # the row reads as the event it was made from
        assert row[12] == _sha(row_bytes(row[:12])) == _sha(canonical_event(*row[:12]))
        assert row[12].hex() == digest(back)
    assert log.digests_since(0) == digests
    assert chain_of(log._rows)[0] == digests == log.chain()[0]
    assert pickle.loads(pickle.dumps(log)).digests_since(0) == digests


def test_a_claims_digests_read_from_its_json_are_those_of_its_events() -> None:
    claim = rich_claim("c-7")
    back = from_json(to_json(claim), Claim)
    assert back.events.digests_since(0) == [digest(e) for e in claim.events]
    assert verify(back) == verify(claim)


@pytest.mark.parametrize("where", sorted(_STRING_FIELDS))
def test_a_lone_surrogate_in_any_string_is_refused_by_both_forms(where: str) -> None:
    """What the strategies leave out, and why: RFC 8785 (UTF-8) has no lone surrogate."""
    fields = _with(_BASE, where, "a\ud800")
    assert any("\ud800" in s for s in _strings(fields))
    with pytest.raises(UnicodeEncodeError):
        canonical_event(*fields)  # type: ignore[arg-type]
    with pytest.raises(UnicodeEncodeError):
        row_bytes(fields)  # type: ignore[arg-type]
