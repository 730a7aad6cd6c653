"""A claim's stored JSON text, joined from fragments kept per unchanged piece.

A claim's row (``rb_claims.body``) holds the claim without its events and,
since record format 3, with only the number of its lines, documents and
messages: each item is a row of ``rb_claim_items`` (``_items``), whose text
comes from here too. A request's answer (``rb_requests.answer``) holds the
whole claim without its events. On a claim of 3,000 items, converting it
all (``to_data``, the write checks, ``json``) cost several times the rest
of a call (``benchmarks/claim_size.py``). Most of it never changes between
versions: a claim keeps its lines, documents and messages in vectors
(``domain._vector``) whose full chunks of 32 items are the same objects in
every version that did not change them, and so are the items of the short
tail after them, and a review decision, once made. So the JSON text of each
full chunk and of each item is kept here, by the identity of the object it
was made from, and a write converts only what is new (the item a call
added, the claim's own fields, dumped in one call with a hole for each list)
and joins the kept texts into the holes.

The text is byte for byte what ``json.dumps(to_data(body), ensure_ascii=False,
separators=(",", ":"))`` gives (``tests/adapters/sql/test_body_text.py``),
and every fragment went through ``to_data``'s write checks, at the depth it
has in the body.

Kept: at most :data:`KEPT_PIECES` pieces, the least recently used leaving
first; each entry holds the object it was made from, so an identity is never
reused while its entry is kept. Pieces are immutable, so the texts are
shared safely by every thread and every store of the process.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Final

import attrs

from ...domain._vector import pieces
from ...domain.claim import Claim
from ...errors import FieldProblem, ValidationError
from ...serialization import to_data
from ._schema import JsonText

__all__ = ["KEPT_PIECES", "VECTORS", "body_text", "item_text"]

KEPT_PIECES: Final = 16_384
"""How many encoded pieces (chunks of 32 items, single items) are kept."""

VECTORS: Final = ("lines", "attachments", "messages")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class _Kept:
    """The JSON text of pieces, by identity, each entry holding its piece (LRU)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._texts: OrderedDict[int, tuple[object, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, piece: object) -> str | None:
        with self._lock:
            entry = self._texts.get(id(piece))
            if entry is None or entry[0] is not piece:
                return None
            self._texts.move_to_end(id(piece))
            return entry[1]

    def put(self, piece: object, text: str) -> None:
        with self._lock:
            self._texts[id(piece)] = (piece, text)
            self._texts.move_to_end(id(piece))
            while len(self._texts) > self.size:
                self._texts.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()


KEPT: Final = _Kept(KEPT_PIECES)


def _encoded(field: str, index: int, item: Any) -> str:
    """The JSON of ``item``, at ``index`` in the body's ``field`` (kept by its identity)."""
    text = KEPT.get(item)
    if text is not None:
        return text
    try:
        # two levels down, as in the body ({"field": [item]}): the depth checked is its own
        data = to_data([[item]])[0][0]
    except ValidationError as error:
        problems = [
            FieldProblem(f"{field}[{index}]{p.path.removeprefix('[0][0]')}", p.message)
            for p in error.problems
        ]
        raise ValidationError("invalid input", problems) from None
    text = _dumps(data)
    KEPT.put(item, text)
    return text


def item_text(field: str, index: int, item: Any) -> JsonText:
    """The JSON text of one line, document or message, as ``rb_claim_items`` holds it."""
    return JsonText(_encoded(field, index, item))


def _vector_parts(field: str, items: Sequence[Any], out: list[str]) -> None:
    """``items`` as the inside of a JSON list, in ``out``: each full chunk's text, and
    each item's of the rest, as kept (only what is new is converted)."""
    chunks, rest = pieces(items)
    start = 0
    for chunk in chunks:  # the same object in every version that did not change it
        text = KEPT.get(chunk)
        if text is None:
            text = ",".join(_encoded(field, i, x) for i, x in enumerate(chunk, start))
            KEPT.put(chunk, text)
        out.append(text)
        out.append(",")
        start += len(chunk)
    for i, item in enumerate(rest, start):
        out.append(_encoded(field, i, item))
        out.append(",")
    if chunks or rest:
        out.pop()  # the last comma


def _decision_parts(decisions: Sequence[Any], out: list[str]) -> None:
    for i, decision in enumerate(decisions):  # a decision, once made, is never replaced
        if i:
            out.append(",")
        out.append(_encoded("decisions", i, decision))


def body_text(claim: Claim, *, counted: bool = False) -> JsonText:
    """The JSON text of ``claim`` without its events (a request's answer).

    With ``counted`` (``rb_claims.body``, record format 3), each of its lines,
    documents and messages is the number of its items, which are rows of
    their own (``_items``). Raises :class:`~reimbursement.errors.ValidationError`,
    naming the field, for what ``to_data`` refuses to write.
    """
    # the claim's own fields, small: its growing parts are joined in below
    own = to_data(
        attrs.evolve(claim, lines=(), attachments=(), messages=(), decisions=(), events=())
    )
    del own["events"]
    joined: list[tuple[str, list[str]]] = []  # (the hole's text, what fills it)
    for key in VECTORS:
        if counted:
            own[key] = len(getattr(claim, key))
        else:
            parts: list[str] = ["["]
            _vector_parts(key, getattr(claim, key), parts)
            parts.append("]")
            own[key] = _HOLES[key]
            joined.append((_HOLE_TEXTS[key], parts))
    if claim.decisions:
        parts = ["["]
        _decision_parts(claim.decisions, parts)
        parts.append("]")
        own["decisions"] = _HOLES["decisions"]
        joined.append((_HOLE_TEXTS["decisions"], parts))
    rest = _dumps(own)  # one call for the small fields, in their order
    out: list[str] = []  # joined once: the body is copied once, whatever its size
    for hole, parts in joined:  # in the order of the fields; each hole is met once
        at = rest.index(hole)
        out.append(rest[:at])
        out.extend(parts)
        rest = rest[at + len(hole) :]
    out.append(rest)
    return JsonText("".join(out))


# A list's place in the text of the claim's own fields: a string that no written string
# can equal (``to_data`` refuses a NUL), whose JSON text no other value can contain
# (a NUL is written only as this escape; a backslash of a string is written doubled).
_HOLES: Final = {key: f"\x00{key}" for key in (*VECTORS, "decisions")}
_HOLE_TEXTS: Final = {key: _dumps(hole) for key, hole in _HOLES.items()}
