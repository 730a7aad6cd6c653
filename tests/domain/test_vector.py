"""The chunked sequence behind a claim's lines, documents, messages and events reads as a tuple."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reimbursement.domain._vector import CHUNK, Vector

# appends, replacements and starts that cross several chunk boundaries
steps = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers()),
        st.tuples(st.just("set"), st.integers(min_value=-5 * CHUNK, max_value=5 * CHUNK)),
    ),
    max_size=4 * CHUNK,
)


@given(st.lists(st.integers(), max_size=3 * CHUNK), steps)
def test_a_vector_holds_what_the_same_steps_on_a_tuple_hold(
    start: list[int], ops: list[tuple[str, int]]
) -> None:
    vector, model = Vector(start), tuple(start)
    versions = [(vector, model)]
    for op, value in ops:
        if op == "append":
            vector, model = vector.append(value), (*model, value)
        elif model and -len(model) <= value < len(model):
            index = value % len(model)
            vector, model = (
                vector.set(value, -value),
                (*model[:index], -value, *model[index + 1 :]),
            )
        versions.append((vector, model))
    for version, expected in versions:  # every older version is unchanged
        assert tuple(version) == expected
        assert len(version) == len(expected)
        assert version == expected
        assert hash(version) == hash(expected)
        assert version == Vector(expected)
        assert tuple(reversed(version)) == expected[::-1]
        for i in range(-len(expected), len(expected)):
            assert version[i] == expected[i]
        for a, b in ((0, len(expected)), (1, -1), (CHUNK - 1, CHUNK + 2), (-3, None)):
            assert version[a:b] == expected[a:b]
        assert version[::2] == expected[::2]
        assert all(item in version for item in expected)
        assert pickle.loads(pickle.dumps(version)) == version


def test_indexes_past_the_end_raise_index_error_as_a_tuple_does() -> None:
    vector = Vector(range(CHUNK + 1))
    for index in (CHUNK + 1, -(CHUNK + 2)):
        try:
            vector[index]
        except IndexError:
            pass
        else:
            raise AssertionError(f"index {index} did not raise")


def test_an_append_shares_every_full_chunk_with_the_version_before() -> None:
    before = Vector(range(3 * CHUNK + 5))
    after = before.append(-1)
    assert all(a is b for a, b in zip(before._chunks, after._chunks, strict=True))
    assert before[-1] == 3 * CHUNK + 4
    assert after[-1] == -1


def test_a_vector_concatenates_with_tuples_into_a_tuple() -> None:
    assert Vector((1, 2)) + (3,) == (1, 2, 3)  # noqa: RUF005 (the operator is what is tested)
    assert (0,) + Vector((1, 2)) == (0, 1, 2)  # noqa: RUF005
    assert Vector(()) == ()
    assert Vector((1,)) != (2,)
    assert Vector((1,)) != [1]


def test_an_empty_slice_reads_no_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """``events[version:]`` after the last event is empty: cut from a copy of every
    item, it made each call's cost grow with the claim (``benchmarks/claim_size.py``)."""
    vector = Vector(range(3 * CHUNK + 5))

    def no_copy(self: Vector[int]) -> None:
        raise AssertionError("an empty slice copied the vector")

    monkeypatch.setattr(Vector, "__iter__", no_copy)
    for a, b in ((len(vector), None), (7, 7), (9, 2), (-1, -1)):
        assert vector[a:b] == ()
