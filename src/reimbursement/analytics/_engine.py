"""Counting kernels over integer columns: numpy when installed, pure Python otherwise.

The feedback report reduces to histograms of small integer codes per
group. Both engines compute exactly the same integers; numpy (present
with the ``[analytics]`` extra) does it in C over buffers shared with the
``array.array`` columns, the pure engine with ``collections.Counter`` over
``zip``. numpy is imported here, lazily, never by ``import reimbursement``.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from typing import Any, Literal

from .._extras import require
from ..errors import ValidationError

__all__ = ["Engine", "EngineName", "engine"]

EngineName = Literal["auto", "numpy", "python"]

_DTYPES = {"b": "int8", "h": "int16", "i": "int32", "l": "int64", "q": "int64"}


class Engine:
    """Pure-Python kernels; :class:`_NumpyEngine` overrides them all."""

    name = "python"

    def column(self, values: array[int]) -> Any:
        """The engine's view of an integer column."""
        return values

    def zeros(self, n: int) -> Any:
        """A column of ``n`` zeros."""
        return bytes(n)

    def histogram(self, groups: Any, n_groups: int, values: Any, n_values: int) -> list[list[int]]:
        """``h[g][v]``: how many rows have group ``g`` and value ``v``."""
        table = [[0] * n_values for _ in range(n_groups)]
        for (g, v), count in Counter(zip(groups, values, strict=True)).items():
            table[g][v] = count
        return table

    def counts(self, groups: Any, n_groups: int) -> list[int]:
        """``c[g]``: how many rows have group ``g``."""
        result = [0] * n_groups
        for g, count in Counter(groups).items():
            result[g] = count
        return result

    def take(self, values: Any, rows: Any) -> Any:
        """``values[rows]``."""
        return list(map(values.__getitem__, rows))

    def combine(self, major: Any, minor: Any, n_minor: int) -> Any:
        """``major * n_minor + minor``, the code of the pair."""
        return list(map(operator.add, map(operator.mul, major, repeat(n_minor)), minor))

    def bucket(self, values: Any, bounds: Sequence[int]) -> Any:
        """For each value, the index ``i`` with ``bounds[i] <= value < bounds[i + 1]``."""
        return [bisect_right(bounds, v) - 1 for v in values]

    def extent(self, values: Any) -> tuple[int, int]:
        """``(min, max)`` of a non-empty column."""
        return min(values), max(values)

    def rows_between(self, values: Any, low: int, high: int) -> list[int]:
        """Indices of the rows whose value is in ``low..high`` (inclusive)."""
        return [i for i, v in enumerate(values) if low <= v <= high]


class _NumpyEngine(Engine):
    name = "numpy"

    def __init__(self) -> None:
        self.np = require("numpy", "analytics", "the numpy engine")

    def column(self, values: array[int]) -> Any:
        # Zero-copy: numpy reads the array's buffer.
        return self.np.frombuffer(values, dtype=_DTYPES[values.typecode])

    def zeros(self, n: int) -> Any:
        return self.np.zeros(n, dtype=self.np.int64)

    def histogram(self, groups: Any, n_groups: int, values: Any, n_values: int) -> list[list[int]]:
        np = self.np
        codes = groups.astype(np.int64) * n_values + values
        flat = np.bincount(codes, minlength=n_groups * n_values)
        result: list[list[int]] = flat.reshape(n_groups, n_values).tolist()
        return result

    def counts(self, groups: Any, n_groups: int) -> list[int]:
        result: list[int] = self.np.bincount(groups, minlength=n_groups).tolist()
        return result

    def take(self, values: Any, rows: Any) -> Any:
        return values[rows]

    def combine(self, major: Any, minor: Any, n_minor: int) -> Any:
        return major.astype(self.np.int64) * n_minor + minor

    def bucket(self, values: Any, bounds: Sequence[int]) -> Any:
        edges = self.np.asarray(bounds, dtype=self.np.int64)
        return self.np.searchsorted(edges, values, side="right") - 1

    def extent(self, values: Any) -> tuple[int, int]:
        return int(values.min()), int(values.max())

    def rows_between(self, values: Any, low: int, high: int) -> list[int]:
        result: list[int] = self.np.flatnonzero((values >= low) & (values <= high)).tolist()
        return result


def engine(name: EngineName = "auto") -> Engine:
    """The counting engine: ``"numpy"``, ``"python"``, or ``"auto"`` (numpy when installed).

    Raises :class:`~reimbursement.errors.ValidationError` for an unknown name, or
    for ``"numpy"`` when numpy is not installed.
    """
    if name == "python":
        return Engine()
    if name not in ("auto", "numpy"):
        raise ValidationError.at("engine", f"{name!r} is not auto, numpy or python")
    try:
        return _NumpyEngine()
    except ImportError:
        if name == "numpy":
            raise ValidationError.at(
                "engine", "numpy is not installed: install reimbursement[analytics]"
            ) from None
        return Engine()
