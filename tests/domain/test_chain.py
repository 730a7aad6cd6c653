"""The hash chain over a claim's events: RFC 8785 bytes, and any change breaks a link."""

from __future__ import annotations

import hashlib
import json
import pickle
from datetime import UTC, datetime, timedelta, timezone

import attrs
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from reimbursement import Claim, from_json, to_json
from reimbursement.audit import canonical_event, digest, verify
from reimbursement.domain.chain import ChainBreak, chain_of, row_bytes
from reimbursement.domain.events import Event
from reimbursement.testing import approved, assigned, draft, paid, rich_claim, submitted

text = st.text(max_size=20)  # any code point but a surrogate, controls and astral ones included
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=8))]),
)


def _claim() -> Claim:
    return paid(approved(assigned(submitted(draft("c-1")))))


def _object(fields: tuple[object, ...]) -> dict[str, object]:
    """The event object the docs describe, built independently of the library."""
    seq, type_, claim_id, actor, role, at, source, dest, reason, data, visibility, prev = fields
    assert isinstance(at, datetime)
    assert isinstance(data, tuple)
    return {
        "seq": seq,
        "type": type_,
        "claim_id": claim_id,
        "actor": actor,
        "role": role,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"),
        "from_state": source,
        "to_state": dest,
        "reason": reason,
        "data": [list(pair) for pair in zip(data[::2], data[1::2], strict=True)],
        "visibility": visibility,
        "prev": prev,
    }


def _strings(fields: tuple[object, ...]) -> list[str]:
    """Every string of ``fields``, the details' keys and values (a flat tuple) included."""
    return [s for f in fields for s in (f if isinstance(f, tuple) else (f,)) if isinstance(s, str)]


def _no_surrogates(fields: tuple[object, ...]) -> bool:
    """No lone surrogate in any string: the canonical bytes refuse one (UnicodeEncodeError)."""
    return all(c < "\ud800" or c > "\udfff" for s in _strings(fields) for c in s)


# a few values a claim repeats (what chain_of escapes once per call), and any text
_repeated = st.sampled_from(['a"b', "submitted", "c-1", 'r-"7"', "ca\\t", "x\ny", "Zoë", ""])
_digests = st.text("0123456789abcdef", min_size=64, max_size=64) | _repeated
events_fields = st.tuples(
    st.integers(1, 10**6),
    _repeated | text,
    _repeated | text,
    _repeated | text,
    _repeated,
    instants,
    _repeated,
    _repeated | text,
    st.none() | text,
    st.lists(st.tuples(_repeated | text, text), max_size=4).map(
        lambda ps: tuple(x for p in ps for x in p)
    ),
    _repeated,
    st.none() | _digests,
).filter(_no_surrogates)


def _hash(row: tuple[object, ...]) -> str:
    return hashlib.sha256(canonical_event(*row)).hexdigest()  # type: ignore[arg-type]


# what an erasure recorded of an event: its digest after redaction (none recorded, the
# event's own, or another), and its digest before
_recorded = st.tuples(st.sampled_from([None, "own"]) | _digests, _digests)


@given(st.lists(st.tuples(events_fields, st.booleans()), max_size=8), st.data())
def test_the_chain_of_many_events_hashes_the_bytes_of_each_and_finds_the_first_break(
    pairs: list[tuple[tuple[object, ...], bool]], data: st.DataObject
) -> None:
    seqs = list(range(1, len(pairs) + 1)) or [1]
    drawn = data.draw(st.dictionaries(st.sampled_from(seqs), _recorded, max_size=2))
    recorded = dict(drawn)  # "own" is replaced below by the event's digest as drawn
    rows, expected = [], []
    found: object = None
    broken = None
    for seq, (row, linked) in enumerate(pairs, 1):  # linked: the link made, else as drawn
        row = (seq, *row[1:11], found if linked else row[11])
        prev = row[11]
        if broken is None and prev != found:
            broken = ChainBreak(seq, found, prev)  # type: ignore[arg-type]
        found = _hash(row)
        if seq in drawn:
            after, before = drawn[seq]
            if after == "own":
                after = found
                recorded[seq] = (found, before)
            if after is None or after == found:  # as recorded: linked by its digest before
                found = before
        rows.append((*row, hashlib.sha256(row_bytes(row)).digest()))  # type: ignore[arg-type]
        expected.append(found)
    assert chain_of(rows, recorded or None) == (expected, broken)  # type: ignore[arg-type]


@given(
    st.tuples(
        st.integers(1, 10**6),
        text,
        text,
        text,
        text,
        instants,
        text,
        text,
        st.none() | text,
        st.lists(st.tuples(text, text), max_size=4).map(
            lambda ps: tuple(x for p in ps for x in p)
        ),
        text,
        st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
    ).filter(_no_surrogates)
)
def test_the_canonical_bytes_are_rfc_8785_of_the_documented_object(
    fields: tuple[object, ...],
) -> None:
    ours = canonical_event(*fields)  # type: ignore[arg-type]
    assert ours == rfc8785.dumps(_object(fields))
    assert row_bytes(fields) == ours  # type: ignore[arg-type]  # what an event log keeps
    assert ours == rfc8785.dumps(json.loads(ours))  # parse and canonicalize again: unchanged


def test_an_intact_claim_verifies_and_its_head_is_its_last_events_digest() -> None:
    claim = _claim()
    report = verify(claim)
    assert report.intact
    assert report.events == claim.version == 8
    assert report.head == digest(claim.events[-1])
    assert [e.prev_hash for e in claim.events][1:] == [digest(e) for e in claim.events][:-1]
    assert claim.events[0].prev_hash is None


_CHANGES = {
    "actor": "mallory",
    "at": datetime(2026, 3, 2, 9, 0, 0, 1, tzinfo=UTC),
    "reason": "edited",
    "data": {"amount": "9999.00 EUR"},
    "prev_hash": "0" * 64,
}


@given(st.integers(0, 6), st.sampled_from(sorted(_CHANGES)))
def test_any_change_to_an_event_breaks_the_link_after_it(index: int, field: str) -> None:
    claim = _claim()
    events = list(claim.events)
    old = events[index]
    changed = attrs.evolve(old, **{"data": old.data, field: _CHANGES[field]})
    events[index] = changed
    report = verify(attrs.evolve(claim, events=events))
    assert report.broken is not None
    # a changed link is caught at the event itself; any other change at the next one
    assert report.broken.seq == (old.seq if field == "prev_hash" else old.seq + 1)
    assert f"event {report.broken.seq}" in str(report)


def test_a_removed_or_swapped_event_breaks_the_chain() -> None:
    claim = _claim()
    events = list(claim.events)
    assert verify(attrs.evolve(claim, events=events[:3] + events[4:])).broken is not None
    swapped = [*events[:2], events[3], events[2], *events[4:]]
    assert verify(attrs.evolve(claim, events=swapped)).broken is not None


def test_a_changed_last_event_is_not_caught_by_the_chain_alone_but_moves_the_head() -> None:
    # what the Merkle log is for: the head is what it holds
    claim = _claim()
    events = list(claim.events)
    events[-1] = attrs.evolve(events[-1], data=events[-1].data, actor="mallory")
    changed = verify(attrs.evolve(claim, events=events))
    assert changed.intact
    assert changed.head != verify(claim).head


def test_the_chain_survives_the_wire_format() -> None:
    claim = rich_claim("c-2")
    back = from_json(to_json(claim), Claim)
    assert verify(back) == verify(claim)
    assert verify(back).intact


def test_an_event_built_by_hand_without_a_link_is_reported() -> None:
    claim = _claim()
    events = [
        *claim.events[:2],
        attrs.evolve(claim.events[2], data=claim.events[2].data, prev_hash=None),
    ]
    report = verify(attrs.evolve(claim, events=events))
    assert report.broken is not None
    assert report.broken.seq == 3
    assert "carries no link" in str(report)
    assert isinstance(claim.events[0], Event)


def test_an_event_log_keeps_no_digest_apart_from_its_fields_even_through_pickle() -> None:
    """The digests verify checks are made from the fields a claim is read from, on every way
    in: a pickle carries the fields alone, and the digests are made again when it is loaded."""
    claim = _claim()
    rows = claim.events._rows  # the form pickle writes
    assert all(row[12] == hashlib.sha256(canonical_event(*row[:12])).digest() for row in rows)
    pickled = pickle.dumps(claim.events)
    assert claim.events.__reduce__()[1] == (tuple(row[:12] for row in rows),)  # fields only
    assert rows[-1][12] not in pickled  # the last digest is no event's link: not carried
    loaded = pickle.loads(pickled)
    assert loaded == claim.events
    assert verify(attrs.evolve(claim, events=loaded)).head == verify(claim).head
