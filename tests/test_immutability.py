"""Nothing the library returns can be changed behind its back: records are deeply immutable.

Every public attrs class (enumerated from the public modules' ``__all__``) is
checked on instances the library builds (a desk's whole morning, its views
and the analytics of its claims) and on instances Hypothesis builds from the
class's own field types: none holds a dict, list, set or any other mutable
container, however deep. A record's value is what its ``eq`` fields hold; a
private memo outside it (``eq=False``, ``BusinessCalendar``'s year cache) may
change as it fills.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import ChainMap
from collections.abc import Iterator, Mapping, MutableMapping, MutableSequence, MutableSet
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import reimbursement
from reimbursement import Actor, ClaimState, CustomerProfile, DeskSettings, Money
from reimbursement import analytics as an
from reimbursement.adapters.notify.webhook import WebhookEndpoint
from reimbursement.analytics.simulate import SimulationSettings, simulate_year
from reimbursement.analytics.timeline import STAGE_OF_STATE
from reimbursement.claims import LIFECYCLE, check_claim
from reimbursement.demo import _play as play_the_morning
from reimbursement.demo import build_desk
from reimbursement.documents import DOCUMENT_KINDS, DocumentRequirements, DocumentRule
from reimbursement.domain.currencies import MINOR_UNITS
from reimbursement.einvoice import EInvoice, EInvoiceFormat, Guess, Sourced, Suggestion, TaxId
from reimbursement.feedback import (
    DEFAULT_PROBLEMS,
    DEFAULT_REASONS,
    Feedback,
    FeedbackPolicy,
    FeedbackStage,
    ProblemCatalogue,
    ReasonCatalogue,
    ReasonText,
)
from reimbursement.payments import RunSchedule, target2_calendar
from reimbursement.payments.iso20022 import PostalAddress
from reimbursement.payments.ledger import LedgerEntry
from reimbursement.ports import PaymentReceipt
from reimbursement.routing import RankBy
from reimbursement.serialization import from_json, to_json
from reimbursement.service import CustomerTexts
from reimbursement.sla import CLOCK_RULES
from reimbursement.straight_through import AutoApprovalRule, StraightThroughRules

MUTABLE = (dict, list, set, bytearray, MutableMapping, MutableSequence, MutableSet)


def _public_classes() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(reimbursement.__path__, "reimbursement."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed
            continue
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if isinstance(value, type) and attrs.has(value):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


PUBLIC = _public_classes()


def mutable_parts(value: object) -> Iterator[str]:
    """The path of every mutable container inside ``value`` (records, tuples, mappings)."""
    stack: list[tuple[str, object]] = [("", value)]
    seen: set[int] = set()
    while stack:
        path, item = stack.pop()
        if id(item) in seen or isinstance(item, str | bytes | int | float | type(None)):
            continue
        seen.add(id(item))
        if isinstance(item, MUTABLE):
            yield f"{path}: {type(item).__name__}"
        elif attrs.has(type(item)):
            for field in attrs.fields(type(item)):
                if field.eq:  # a memo outside the record's value (eq=False) is no part of it
                    stack.append((f"{path}.{field.name}", getattr(item, field.name)))
        elif isinstance(item, Mapping):
            stack.extend((f"{path}[{k!r}]", v) for k, v in item.items())
            stack.extend((f"{path}(key)", k) for k in item)
        elif isinstance(item, tuple | frozenset) or type(item).__name__ == "EventLog":
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(item))  # type: ignore[arg-type]


def records_in(value: object) -> Iterator[object]:
    """Every attrs instance reachable from ``value``."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if attrs.has(type(item)):
            yield item
            stack.extend(getattr(item, f.name) for f in attrs.fields(type(item)))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, tuple | list | frozenset | set) or type(item).__name__ == "EventLog":
            stack.extend(item)  # type: ignore[arg-type]


# --- what the library builds ----------------------------------------------------------------


def _the_library_at_work() -> list[object]:
    desk, clock = build_desk(None)
    claims = play_the_morning(desk, clock, lambda _: None)
    staff = Actor.finance("F-fiona", "Fiona")
    built: list[object] = [*claims, desk.settings, desk.claims_in(staff, ClaimState)]
    for claim in claims:
        customer = Actor.customer(claim.customer_id)
        built += [
            desk.track(customer, claim.id),
            desk.claims_of(customer),
            desk.get(staff, claim.id),
        ]
        built.append(from_json(to_json(claim), type(claim)))
    built.append(desk.work_queue(staff, reviewer="R-rita"))
    clock.advance(timedelta(days=10))
    built.append(desk.sweep())
    built.append(desk.hand_over(Actor.reviewer("R-raj"), "R-raj", leaving=True))
    cases = an.timelines(claims)
    records = an.feedback_records(claims)
    built += [*cases, an.backlog(cases), an.throughput(cases), an.process_kpis(cases), *records]
    built.append(an.feedback_report(an.FeedbackTable.from_records(records), by="channel"))
    built += [
        CustomerTexts(),
        ProblemCatalogue.default(),
        ReasonCatalogue.default(),
        FeedbackPolicy(),
        desk.adapters,
        desk.sla,  # its business calendar too
        simulate_year(7, SimulationSettings(days=5, claims_per_day=4, customers=20)),
        RankBy("newest", lambda reviewer, load: -load),  # its key is the caller's function
    ]
    return built


BUILT = _the_library_at_work()
BUILT_CLASSES = {type(r) for r in records_in(BUILT)}


def test_nothing_the_library_builds_holds_a_mutable_container() -> None:
    found = [f"{type(r).__name__}{p}" for r in BUILT for p in mutable_parts(r)]
    assert found == []
    assert len(BUILT_CLASSES & set(PUBLIC)) >= 40  # the morning reaches half the public records


# --- what Hypothesis builds from the field types ----------------------------------------------

st.register_type_strategy(
    Money,
    st.builds(
        Money,
        st.decimals(min_value=-(10**6), max_value=10**6, places=2),
        st.sampled_from(["EUR", "USD", "JPY", "CNY"]),
    ),
)
st.register_type_strategy(
    Actor, st.builds(Actor.customer, st.text(min_size=1, max_size=8).filter(str.strip))
)


_words = st.text("abcdefghij", min_size=1, max_size=6)
_reason_texts = st.builds(ReasonText, _words, _words, st.lists(_words, min_size=1).map(tuple))
# records whose validators refuse nearly everything from_type makes: built from valid parts,
# handed over in mutable containers (dict, ChainMap, list) all the same
_rules = st.builds(
    DocumentRule, _words, st.lists(st.sampled_from(DOCUMENT_KINDS), min_size=1).map(tuple)
)
STRATEGIES: dict[type, st.SearchStrategy[Any]] = {
    DocumentRule: _rules,
    DocumentRequirements: st.builds(DocumentRequirements, st.lists(_rules).map(tuple)),
    ReasonCatalogue: st.builds(
        ReasonCatalogue,
        st.dictionaries(
            _words,
            st.dictionaries(st.sampled_from(["zh-CN", "de"]), _reason_texts).flatmap(
                lambda texts: _reason_texts.map(lambda en: ChainMap({"en": en}, texts))
            ),
            min_size=1,
        ),
    ),
    ProblemCatalogue: st.builds(
        ProblemCatalogue, st.dictionaries(_words, _words, min_size=1).map(ChainMap)
    ),
    # a profile's texts refuse control characters and its currency must be ISO 4217
    CustomerProfile: st.builds(
        CustomerProfile, _words, _words, _words, st.sampled_from(["EUR", "CNY", "JPY"])
    ),
    # a webhook endpoint takes only an HTTP(S) URL and a signing secret of 24 bytes or more
    WebhookEndpoint: st.builds(
        WebhookEndpoint,
        _words,
        st.just("https://broker.example/hooks"),
        st.binary(min_size=24, max_size=64),
    ),
    # generic fields (Sourced[str], Guess[Money]): from_type cannot tell what they hold
    EInvoice: st.builds(
        EInvoice,
        st.sampled_from(EInvoiceFormat),
        st.builds(Sourced, _words, _words),
        st.builds(Sourced, _words, _words),
        st.builds(Sourced, st.dates(), _words),
        st.builds(Sourced, st.from_type(Money), _words),
        st.none() | st.builds(Sourced, st.from_type(Money), _words),
        st.none() | st.from_type(TaxId),
    ),
    Suggestion: st.builds(
        Suggestion,
        st.none() | st.builds(Guess, st.from_type(Money), st.decimals(0, 1, places=2), _words),
        st.none() | st.builds(Guess, st.dates(), st.decimals(0, 1, places=2), _words),
        st.none() | st.builds(Guess, _words, st.decimals(0, 1, places=2), _words),
    ),
    # a payment-run schedule holds a validated calendar: built around the default one
    RunSchedule: st.builds(
        RunSchedule, st.just(target2_calendar()), st.lists(st.times(), min_size=1), st.booleans()
    ),
    SimulationSettings: st.builds(SimulationSettings, days=st.integers(1, 400)),
}
# rules and the desk's settings: from_type spends minutes finding the few ids and amounts
# their validators take; their containers (categories, rules, catalogues) come as lists
_approval_rules = st.builds(
    AutoApprovalRule,
    _words,
    st.builds(Money, st.decimals(0, 10**4, places=2), st.just("EUR")),
    st.lists(_words),
)
STRATEGIES |= {
    # a ledger entry's instruction needs a valid IBAN: the instruction has its own test
    LedgerEntry: st.builds(
        LedgerEntry,
        st.none(),
        st.from_type(PaymentReceipt),
        st.none() | _words,
        st.none() | _words,
        st.none() | st.from_type(PostalAddress),
    ),
    AutoApprovalRule: _approval_rules,
    StraightThroughRules: st.builds(StraightThroughRules, _words, st.lists(_approval_rules)),
    DeskSettings: st.builds(
        DeskSettings,
        problems=STRATEGIES[ProblemCatalogue],
        reasons=STRATEGIES[ReasonCatalogue],
        requirements=STRATEGIES[DocumentRequirements],
    ),
}

# what Hypothesis cannot build from field types alone (ports, a caller's function, the
# compact, position-keyed fields of a timeline,
# simulator's output, a calendar's validated week): the library's morning builds them
BY_THE_LIBRARY_ONLY = {"Adapters", "BusinessCalendar", "CaseTimeline", "RankBy", "SyntheticYear"}


@pytest.mark.parametrize(
    "cls",
    [c for c in PUBLIC if c.__qualname__ not in BY_THE_LIBRARY_ONLY],
    ids=lambda c: c.__qualname__,
)
# from_type warns that a type with no fields (WorkingTime) has one value: true, and fine
@pytest.mark.filterwarnings("ignore::hypothesis.errors.SmallSearchSpaceWarning")
@settings(max_examples=15, suppress_health_check=list(HealthCheck), deadline=None)
@given(data=st.data())
def test_no_record_hypothesis_builds_holds_a_mutable_container(
    cls: type, data: st.DataObject
) -> None:
    # from_type hands mapping fields dicts and ChainMaps, sequence fields lists: each
    # record must keep an immutable copy of what it was given
    try:
        record = data.draw(STRATEGIES[cls] if cls in STRATEGIES else st.from_type(cls))
    except Exception:  # a combination the record refuses (its validators): not a record
        reject()
    assert list(mutable_parts(record)) == []


def test_the_records_hypothesis_cannot_build_are_built_by_the_library() -> None:
    names = {c.__qualname__ for c in PUBLIC}
    assert names >= BY_THE_LIBRARY_ONLY  # still public records
    assert {c.__qualname__ for c in BUILT_CLASSES} >= BY_THE_LIBRARY_ONLY


# --- the bugs, one by one -------------------------------------------------------------------


def test_feedback_ratings_on_a_returned_claim_cannot_change_the_store() -> None:
    claim = next(c for c in BUILT if getattr(c, "feedback", None) is not None)
    ratings = claim.feedback.ratings  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        ratings[FeedbackStage.REVIEW] = 1  # type: ignore[index]
    assert not hasattr(ratings, "clear")
    check_claim(claim)  # type: ignore[arg-type]


def test_a_feedback_keeps_a_copy_of_the_ratings_it_was_given() -> None:
    given_ratings = {FeedbackStage.REVIEW: 4}
    feedback = Feedback(BUILT[0].created_at, given_ratings)  # type: ignore[attr-defined]
    given_ratings[FeedbackStage.REVIEW] = 1
    assert feedback.ratings == {FeedbackStage.REVIEW: 4}
    assert hash(feedback) == hash(Feedback(feedback.given_at, {FeedbackStage.REVIEW: 4}))


def test_a_claims_events_and_their_data_cannot_change() -> None:
    claim = BUILT[0]
    events = claim.events  # type: ignore[attr-defined]
    version = claim.version  # type: ignore[attr-defined]
    for change in (
        lambda: setattr(events, "length", 0),
        lambda: setattr(events, "_rows", ()),
        lambda: delattr(events, "length"),
        lambda: setattr(events[0].data, "_flat", ("a", "b")),
    ):
        with pytest.raises(AttributeError):
            change()
    assert claim.version == version  # type: ignore[attr-defined]


def test_a_catalogue_cannot_be_changed_after_its_checks() -> None:
    catalogue = ProblemCatalogue.default()
    with pytest.raises(TypeError):
        catalogue.labels["Not A Code"] = ""  # type: ignore[index]
    reasons = ReasonCatalogue.default()
    with pytest.raises(TypeError):
        reasons.entries["missing_receipt"]["en"] = None  # type: ignore[index]


def test_customer_texts_do_not_share_a_changeable_default() -> None:
    texts = CustomerTexts()
    with pytest.raises(TypeError):
        texts.stages[ClaimState.PAID] = ("hacked", "")  # type: ignore[index]
    assert CustomerTexts().stage(ClaimState.PAID) == texts.stage(ClaimState.PAID)


@pytest.mark.parametrize(
    "table",
    [MINOR_UNITS, DEFAULT_PROBLEMS, DEFAULT_REASONS, CLOCK_RULES, STAGE_OF_STATE],
    ids=["MINOR_UNITS", "DEFAULT_PROBLEMS", "DEFAULT_REASONS", "CLOCK_RULES", "STAGE_OF_STATE"],
)
def test_the_library_tables_are_read_only(table: Mapping[Any, Any]) -> None:
    assert isinstance(table, MappingProxyType)
    assert list(mutable_parts(tuple(table.values()))) == []
    with pytest.raises(TypeError):
        table["XXX"] = 2  # type: ignore[index]


def test_the_lifecycle_table_is_private() -> None:
    assert all(name.startswith("_") or name == "machine" for name in vars(LIFECYCLE))
