"""Feedback as analysable data: one flat record per claim, and a columnar table of them.

:func:`feedback_records` flattens claims' feedback with the dimensions an
analyst slices by (channel, region, expense category, reviewer team).
:class:`FeedbackTable` stores many records as compact integer columns
(``array.array``), built once, so that a report over a million records
counts integer codes instead of walking a million objects.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from datetime import UTC, datetime

import attrs

from ..domain.claim import Claim, Outcome, main_category
from ..domain.feedback import FeedbackStage
from ..domain.frozen import FrozenMap, frozen_map
from ..errors import FieldProblem, ValidationError

__all__ = ["DIMENSIONS", "FeedbackRecord", "FeedbackTable", "feedback_records"]

DIMENSIONS = ("channel", "region", "category", "team")
"""The record's dimensions a report can group by (besides ``period``)."""


@attrs.frozen
class FeedbackRecord:
    """One claim's feedback with the claim's dimensions, ready to aggregate."""

    claim_id: str
    given_at: datetime
    channel: str
    region: str
    category: str
    team: str
    ratings: Mapping[FeedbackStage, int] = attrs.field(factory=FrozenMap, converter=frozen_map)
    ces: int | None = None
    nps: int | None = None
    problems: tuple[str, ...] = ()
    text: str = ""


def _decider(claim: Claim) -> str:
    for decision in reversed(claim.decisions):
        if decision.outcome is not Outcome.RETURNED:
            return decision.reviewer
    return claim.assignee or ""


def feedback_records(
    claims: Iterable[Claim],
    *,
    region_of: Callable[[Claim], str] = lambda claim: "unknown",
    team_of: Callable[[str], str] = lambda reviewer: "unknown",
) -> list[FeedbackRecord]:
    """A record for each claim that has feedback, in the order given.

    ``region_of`` gives a claim's region (the library does not store one);
    ``team_of`` maps the id of the reviewer who decided the claim to their
    team. The category is
    :func:`~reimbursement.domain.claim.main_category`, ``""`` for a claim without lines.
    """
    records = []
    for claim in claims:
        fb = claim.feedback
        if fb is None:
            continue
        records.append(
            FeedbackRecord(
                claim.id,
                fb.given_at,
                fb.channel,
                region_of(claim),
                main_category(claim) or "",  # a claim without lines: no category
                team_of(_decider(claim)),
                dict(fb.ratings),
                fb.ces,
                fb.nps,
                tuple(fb.problems),
                fb.text,
            )
        )
    return records


class _Coder:
    """Gives each distinct label a small integer, in order of first appearance."""

    def __init__(self, labels: Iterable[str] = ()) -> None:
        self.codes: dict[str, int] = {}
        for label in labels:
            self(label)

    def __call__(self, label: str) -> int:
        code = self.codes.get(label)
        if code is None:
            code = self.codes[label] = len(self.codes)
        return code

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.codes)


def _epoch(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError.at("given_at", f"{at.isoformat()} has no time zone")
    return int(at.timestamp())


class FeedbackTable:
    """Feedback records as columns: the input of :func:`~reimbursement.analytics.feedback_report`.

    Scores are stored shifted so that 0 means "not given": ``csat[stage]``
    and ``ces`` hold the score itself (1–5, 1–7), ``nps`` holds NPS + 1
    (1–11). Dimensions and problem codes are integer codes into their
    label tuples. ``problem_rows[k]`` is the row that ticked
    ``problem_codes[k]``. Treat a table as read-only.
    """

    __slots__ = (
        "ces",
        "claim_ids",
        "csat",
        "dimensions",
        "given_at",
        "nps",
        "problem_codes",
        "problem_labels",
        "problem_rows",
        "texts",
    )

    def __init__(
        self,
        claim_ids: list[str],
        given_at: array[int],
        dimensions: Mapping[str, tuple[array[int], tuple[str, ...]]],
        csat: Mapping[FeedbackStage, array[int]],
        ces: array[int],
        nps: array[int],
        problem_rows: array[int],
        problem_codes: array[int],
        problem_labels: tuple[str, ...],
        texts: list[str],
    ) -> None:
        n = len(claim_ids)
        columns: dict[str, Sized] = {"given_at": given_at, "ces": ces, "nps": nps, "texts": texts}
        columns.update({f"csat[{s.value}]": csat[s] for s in FeedbackStage})
        columns.update({f"dimensions[{k}]": v[0] for k, v in dimensions.items()})
        problems = [
            FieldProblem(name, f"has {len(col)} rows, expected {n}")
            for name, col in columns.items()
            if len(col) != n
        ]
        if len(problem_rows) != len(problem_codes):
            problems.append(FieldProblem("problem_rows", "not as long as problem_codes"))
        scales = {"ces": (ces, 7), "nps": (nps, 11)}
        scales.update({f"csat[{s.value}]": (csat[s], 5) for s in FeedbackStage})
        for name, (col, top) in scales.items():
            if len(col) and (min(col) < 0 or max(col) > top):
                problems.append(FieldProblem(name, f"holds codes outside 0..{top}"))
        for name, (codes, labels) in dimensions.items():
            if len(codes) and (min(codes) < 0 or max(codes) >= len(labels)):
                problems.append(FieldProblem(f"dimensions[{name}]", "holds unknown codes"))
        if len(problem_codes) and (
            min(problem_codes) < 0 or max(problem_codes) >= len(problem_labels)
        ):
            problems.append(FieldProblem("problem_codes", "holds unknown codes"))
        if len(problem_rows) and (min(problem_rows) < 0 or max(problem_rows) >= n):
            problems.append(FieldProblem("problem_rows", "points outside the table"))
        if problems:
            raise ValidationError("the feedback columns do not line up", problems)
        self.claim_ids = claim_ids
        self.given_at = given_at
        self.dimensions = dict(dimensions)
        self.csat = dict(csat)
        self.ces = ces
        self.nps = nps
        self.problem_rows = problem_rows
        self.problem_codes = problem_codes
        self.problem_labels = problem_labels
        self.texts = texts

    def __len__(self) -> int:
        return len(self.claim_ids)

    @classmethod
    def from_records(
        cls, records: Iterable[FeedbackRecord], problem_labels: Sequence[str] = ()
    ) -> FeedbackTable:
        """The table of ``records``; ``problem_labels`` fixes the order of known codes."""
        coders = {name: _Coder() for name in DIMENSIONS}
        dims = {name: array("i") for name in DIMENSIONS}
        problems = _Coder(problem_labels)
        ids: list[str] = []
        texts: list[str] = []
        given, ces, nps = array("q"), array("b"), array("b")
        csat = {s: array("b") for s in FeedbackStage}
        rows, codes = array("i"), array("i")
        for i, r in enumerate(records):
            ids.append(r.claim_id)
            given.append(_epoch(r.given_at))
            for name in DIMENSIONS:
                dims[name].append(coders[name](getattr(r, name)))
            for stage in FeedbackStage:
                csat[stage].append(r.ratings.get(stage, 0))
            ces.append(0 if r.ces is None else r.ces)
            nps.append(0 if r.nps is None else r.nps + 1)
            for code in r.problems:
                rows.append(i)
                codes.append(problems(code))
            texts.append(r.text)
        dimensions = {name: (dims[name], coders[name].labels) for name in DIMENSIONS}
        return cls(ids, given, dimensions, csat, ces, nps, rows, codes, problems.labels, texts)

    def timestamp(self, row: int) -> datetime:
        """When the feedback of ``row`` was given, in UTC."""
        return datetime.fromtimestamp(self.given_at[row], UTC)
