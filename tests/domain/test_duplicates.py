"""The duplicate keys: the band probes find every hash within the distance, providers fold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.documents import DuplicatePolicy
from reimbursement.domain.duplicates import (
    MAX_IMAGE_DISTANCE,
    band_probes,
    bands,
    hamming,
    provider_key,
)
from reimbursement.errors import ValidationError

hashes = st.integers(min_value=0, max_value=2**64 - 1)


@given(
    phash=hashes, flips=st.sets(st.integers(0, 63), max_size=MAX_IMAGE_DISTANCE), data=st.data()
)
def test_every_hash_within_the_distance_shares_a_probed_band(
    phash: int, flips: set[int], data: st.DataObject
) -> None:
    other = phash ^ sum(1 << bit for bit in flips)
    distance = data.draw(st.integers(hamming(phash, other), MAX_IMAGE_DISTANCE))
    probes = band_probes(phash, distance)
    assert any(band in probe for band, probe in zip(bands(other), probes, strict=True))


@given(phash=hashes)
def test_the_probes_are_exact_at_distance_below_four(phash: int) -> None:
    assert band_probes(phash, 3) == tuple((band,) for band in bands(phash))


@given(text=st.text(max_size=30))
def test_a_provider_key_ignores_case_spacing_and_punctuation(text: str) -> None:
    key = provider_key(text)
    assert provider_key(key) == key
    assert provider_key(f"  {text.upper()} .") == provider_key(text.lower()) or not text.isascii()


def test_the_policy_refuses_what_it_cannot_serve() -> None:
    with pytest.raises(ValidationError, match="max_image_distance"):
        DuplicatePolicy(max_image_distance=12)
    with pytest.raises(ValidationError, match="amount_tolerance"):
        DuplicatePolicy(amount_tolerance=Decimal("-1"))
    with pytest.raises(ValidationError, match="days"):
        DuplicatePolicy(days=-1)
