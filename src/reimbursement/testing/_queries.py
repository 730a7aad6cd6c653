"""The claim repository's lists and look-ups, part of ``ClaimRepositoryContract``.

Lists are keyset-paginated pages; work queues and reviewer loads are read
from who holds each stored claim in review
(:func:`~reimbursement.domain.routing.holdings.holders`).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import pytest

from ..domain import commands
from ..domain.actors import SYSTEM
from ..domain.claim import Claim
from ..domain.events import Visibility
from ..domain.lifecycle import ClaimState
from ..domain.routing.holdings import holders
from ..errors import ClaimNotFoundError, ValidationError
from ..ports import NO_SCHEDULE, ClaimSchedule, Page, UnitOfWork
from ._builders import AT, after, approved, draft, edited, in_review, submitted
from ._helpers import UnitOfWorkFactory, add, record, save, stored

__all__ = ["ClaimQueriesContract"]


def _at(hours: float) -> ClaimSchedule:
    """Due ``hours`` after the suites' start, checked by the sweeper at the same time."""
    instant = AT + timedelta(hours=hours)
    return ClaimSchedule(instant, instant)


def _customer_page(uow: UnitOfWork, limit: int, after: str | None) -> Page[Claim]:
    return uow.claims.for_customer("cust-1", after=after, limit=limit)


def _ids(items: Iterable[Any]) -> list[str]:
    """The ids of claims, or of the summaries of a work queue."""
    return [item.id for item in items]


def _every_list(uow: UnitOfWork, **paging: Any) -> list[Callable[[], Page[Any]]]:
    """Each of the claim lists, asked for with the same ``after`` or ``limit``."""
    return [
        lambda: uow.claims.for_customer("cust-1", **paging),
        lambda: uow.claims.in_states([ClaimState.IN_REVIEW], **paging),
        lambda: uow.claims.work_queue(["rev-a"], **paging),
    ]


def _all_pages(list_page: Callable[[str | None], Page[Any]]) -> list[list[str]]:
    """The ids of every page of a list, following the cursors to the end."""
    pages, cursor = [], None
    for _ in range(100):
        page = list_page(cursor)
        pages.append([claim.id for claim in page])
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("the list never ended: a cursor leads back to an earlier page")


class ClaimQueriesContract:
    """Look-ups, pages, work queues, loads and schedules (run as part of the claims suite)."""

    # -- look-ups ------------------------------------------------------------------------

    def test_by_number_finds_the_claim_its_number_names(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        one, two = submitted(draft("claim-1"), "CLM-1"), submitted(draft("claim-2"), "CLM-2")
        add(unit_of_work, one, two, draft("claim-3"))
        with unit_of_work() as uow:
            assert uow.claims.by_number("CLM-2") == two
            assert uow.claims.by_number("CLM-1") == one
            with pytest.raises(ClaimNotFoundError):
                uow.claims.by_number("CLM-404")

    def test_by_number_sees_a_number_given_in_this_unit_of_work(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim)
        with unit_of_work() as uow:
            numbered = submitted(uow.claims.get("claim-1"), "CLM-7")
            uow.claims.save(numbered, claim.version)
            assert uow.claims.by_number("CLM-7") == numbered
            uow.rollback()
        with unit_of_work() as uow, pytest.raises(ClaimNotFoundError):
            uow.claims.by_number("CLM-7")

    def test_for_customer_lists_their_claims_oldest_first_and_nobody_elses(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        a1, b1 = draft("a-1", "cust-a"), draft("b-1", "cust-b", at=after(minutes=1))
        a2, a3 = (
            draft("a-2", "cust-a", at=after(minutes=2)),
            draft("a-3", "cust-a", at=after(minutes=3)),
        )
        add(unit_of_work, a1, b1, a2, a3)
        a2 = edited(a2, "latest version")
        save(unit_of_work, a2)
        with unit_of_work() as uow:
            page = uow.claims.for_customer("cust-a")
            assert isinstance(page, Page)
            assert list(page) == [a1, a2, a3]
            assert page.next_cursor is None
            assert list(uow.claims.for_customer("cust-b")) == [b1]
            assert list(uow.claims.for_customer("cust-nobody")) == []

    def test_latest_for_customer_is_their_most_recently_added_claim(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        a1, b1 = draft("a-1", "cust-a"), draft("b-1", "cust-b", at=after(minutes=1))
        a2 = draft("a-2", "cust-a", at=after(minutes=2))
        add(unit_of_work, a1, b1, a2)
        a1 = edited(a1, "a newer version of an older claim")
        save(unit_of_work, a1)
        with unit_of_work() as uow:
            assert uow.claims.latest_for_customer("cust-a") == a2
            assert uow.claims.latest_for_customer("cust-b") == b1
            assert uow.claims.latest_for_customer("cust-nobody") is None
        a2 = edited(a2, "latest version")
        save(unit_of_work, a2)
        with unit_of_work() as uow:
            assert uow.claims.latest_for_customer("cust-a") == a2

    def test_in_states_lists_the_claims_in_any_of_the_states_in_the_order_added(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        kept, one, two = draft("claim-d"), draft("claim-s1"), draft("claim-s2", "cust-2")
        add(unit_of_work, one, kept, two)
        one, two = submitted(one, "CLM-1"), submitted(two, "CLM-2")
        save(unit_of_work, two)
        save(unit_of_work, one)
        with unit_of_work() as uow:
            assert list(uow.claims.in_states([ClaimState.SUBMITTED])) == [one, two]
            assert list(uow.claims.in_states({ClaimState.DRAFT})) == [kept]
            states = iter([ClaimState.DRAFT, ClaimState.SUBMITTED])  # any iterable, once
            assert list(uow.claims.in_states(states)) == [one, kept, two]
            assert list(uow.claims.in_states([ClaimState.PAID])) == []
            assert list(uow.claims.in_states([])) == []

    def test_every_read_sees_the_unit_of_works_own_writes(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        older = draft("a-1", "cust-a")
        add(unit_of_work, older)
        newer = draft("a-2", "cust-a", at=after(minutes=1))
        held = in_review("a-3", "rev-a", customer_id="cust-a", at=after(minutes=2))
        with unit_of_work() as uow:
            uow.claims.add(newer)
            uow.claims.add(held, _at(1))
            changed = submitted(uow.claims.get("a-1"), "CLM-1")
            uow.claims.save(changed, older.version)
            uow.claims.remember_request(record("request-1", "a-2"))
            assert uow.claims.get("a-1") == changed
            assert uow.claims.get("a-2") == newer
            assert uow.claims.by_number("CLM-1") == changed
            assert list(uow.claims.for_customer("cust-a")) == [changed, newer, held]
            assert uow.claims.latest_for_customer("cust-a") == held
            assert list(uow.claims.in_states([ClaimState.SUBMITTED])) == [changed]
            assert list(uow.claims.in_states([ClaimState.DRAFT])) == [newer]
            assert _ids(uow.claims.work_queue(["rev-a"])) == _ids([held])
            assert dict(uow.claims.open_work()) == {"rev-a": 1}
            assert list(uow.claims.due_for_check(AT + timedelta(hours=1))) == [held]
            assert uow.claims.request("request-1") == record("request-1", "a-2")
            uow.rollback()
        assert stored(unit_of_work, "a-1") == older
        with unit_of_work() as uow:
            assert list(uow.claims.for_customer("cust-a")) == [older]
            assert dict(uow.claims.open_work()) == {}

    # -- pages ---------------------------------------------------------------------------

    def test_pages_of_a_customers_claims_cover_each_once_in_order(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        ids = [f"claim-{i}" for i in range(1, 8)]
        add(unit_of_work, *(draft(i, at=after(minutes=n)) for n, i in enumerate(ids)))
        add(unit_of_work, draft("other", "cust-2"))
        for limit in (1, 2, 3, 7, 50):
            with unit_of_work() as uow:
                pages = _all_pages(functools.partial(_customer_page, uow, limit))
            assert [i for page in pages for i in page] == ids, f"limit {limit}"
            assert all(len(page) == limit for page in pages[:-1])
            assert 1 <= len(pages[-1]) <= limit

    def test_pages_of_claims_in_states_cover_each_once_in_order(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claims = [draft(f"claim-{i}", f"cust-{i % 3}", at=after(minutes=i)) for i in range(1, 7)]
        add(unit_of_work, *claims)
        for claim in claims[::2]:
            save(unit_of_work, submitted(claim, f"CLM-{claim.id}"))
        with unit_of_work() as uow:
            pages = _all_pages(
                lambda after: uow.claims.in_states([ClaimState.SUBMITTED], after=after, limit=2)
            )
        assert pages == [["claim-1", "claim-3"], ["claim-5"]]

    def test_a_cursor_stays_right_while_claims_are_added_and_saved(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first = [draft(f"claim-{i}", at=after(minutes=i)) for i in range(1, 4)]
        add(unit_of_work, *first)
        with unit_of_work() as uow:
            page = uow.claims.for_customer("cust-1", limit=2)
        assert [c.id for c in page] == ["claim-1", "claim-2"]
        assert page.next_cursor is not None
        add(
            unit_of_work,
            draft("claim-4", at=after(minutes=4)),
            draft("claim-5", at=after(minutes=5)),
        )
        save(unit_of_work, edited(first[0], "changed after it was listed"))
        with unit_of_work() as uow:
            rest = _all_pages(
                lambda after: uow.claims.for_customer(
                    "cust-1", after=after or page.next_cursor, limit=2
                )
            )
        assert [i for p in rest for i in p] == ["claim-3", "claim-4", "claim-5"]

    @pytest.mark.parametrize(
        "cursor", ["not a cursor", "", "!!!", "eyJ4IjoxfQ", "W10", "WyJ4Il0", "WzEsMiwzLDRd"]
    )
    def test_a_cursor_the_store_did_not_make_raises_validation_error_at_after(
        self, unit_of_work: UnitOfWorkFactory, cursor: str
    ) -> None:
        add(unit_of_work, in_review("claim-1", "rev-a"))
        with unit_of_work() as uow:
            for list_page in _every_list(uow, after=cursor):
                with pytest.raises(ValidationError) as raised:
                    list_page()
                assert [p.path for p in raised.value.problems] == ["after"]

    @pytest.mark.parametrize("limit", [0, -1, 1001])
    def test_a_page_size_outside_1_to_1000_raises_validation_error(
        self, unit_of_work: UnitOfWorkFactory, limit: int
    ) -> None:
        with unit_of_work() as uow:
            for list_page in _every_list(uow, limit=limit):
                with pytest.raises(ValidationError):
                    list_page()

    # -- work queues and loads -----------------------------------------------------------

    def test_a_work_queue_lists_the_claims_held_soonest_due_first_undated_last(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        late = in_review("late", "rev-a", at=after(minutes=1))
        soon = in_review("soon", "rev-b", at=after(minutes=2))
        undated = in_review("undated", "rev-a", at=after(minutes=3))
        also_soon = in_review("also-soon", "rev-a", "rev-b", at=after(minutes=4))  # held by both
        add(unit_of_work, late, schedule=_at(3))
        add(unit_of_work, soon, schedule=_at(1))
        add(unit_of_work, undated)
        add(unit_of_work, also_soon, schedule=_at(1))
        add(unit_of_work, draft("draft", at=after(minutes=5)), schedule=_at(0))
        add(unit_of_work, in_review("elsewhere", "rev-c", at=after(minutes=6)), schedule=_at(0))
        with unit_of_work() as uow:
            both = _ids(uow.claims.work_queue(["rev-a", "rev-b"]))
            assert both == _ids([soon, also_soon, late, undated])
            assert _ids(uow.claims.work_queue(iter(["rev-a"]))) == _ids([also_soon, late, undated])
            assert _ids(uow.claims.work_queue(["rev-b"])) == _ids([soon, also_soon])
            assert _ids(uow.claims.work_queue(["rev-nobody"])) == _ids([])
            assert _ids(uow.claims.work_queue([])) == _ids([])
            pages = _all_pages(
                lambda after: uow.claims.work_queue(["rev-a", "rev-b"], after=after, limit=1)
            )
        assert pages == [["soon"], ["also-soon"], ["late"], ["undated"]]

    def test_a_save_moves_a_claim_in_the_work_queue_to_its_new_due_time(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        first, second = (
            in_review("first", "rev-a"),
            in_review("second", "rev-a", at=after(minutes=1)),
        )
        add(unit_of_work, first, schedule=_at(3))
        warned_at = AT + timedelta(minutes=30)  # a warning still to come: checked before due
        add(unit_of_work, second, schedule=ClaimSchedule(_at(1).due_at, warned_at))
        noted = commands.post_message(
            first, SYSTEM, AT + timedelta(minutes=5), "escalated", Visibility.INTERNAL
        )
        with unit_of_work() as uow:
            uow.claims.save(noted, first.version, _at(0))  # now due first
            uow.commit()
        with unit_of_work() as uow:
            queue = list(uow.claims.work_queue(["rev-a"]))
        assert [(c.id, c.due_at, c.next_check_at) for c in queue] == [
            ("first", _at(0).due_at, _at(0).next_check_at),
            ("second", _at(1).due_at, warned_at),  # the line carries the warning instant
        ]

    def test_a_claim_leaves_the_work_queue_when_its_review_ends(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        one, two = (
            in_review("claim-1", "rev-a"),
            in_review("claim-2", "rev-a", at=after(minutes=1)),
        )
        add(unit_of_work, one, two, schedule=_at(1))
        save(unit_of_work, approved(one))
        with unit_of_work() as uow:
            assert _ids(uow.claims.work_queue(["rev-a"])) == _ids([two])
            assert dict(uow.claims.open_work()) == {"rev-a": 1}

    def test_open_work_counts_what_holders_says_of_every_stored_claim(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claims = [
            in_review("claim-1", "rev-a"),
            in_review("claim-2", "rev-a", "rev-b"),
            in_review("claim-3", "rev-b", "rev-b", "rev-c"),
            draft("claim-4"),
            submitted(draft("claim-5"), "CLM-5"),
        ]
        add(unit_of_work, *claims)
        expected = Counter(name for claim in claims for name in holders(claim))
        assert expected == {"rev-a": 2, "rev-b": 3, "rev-c": 1}
        with unit_of_work() as uow:
            assert dict(uow.claims.open_work()) == expected
            assert dict(uow.claims.open_work(["rev-b", "rev-z"])) == {"rev-b": 3}
            assert dict(uow.claims.open_work(iter(["rev-a"]))) == {"rev-a": 2}
            assert dict(uow.claims.open_work([])) == {}
        save(unit_of_work, approved(claims[0]))
        with unit_of_work() as uow:
            assert dict(uow.claims.open_work()) == {"rev-a": 1, "rev-b": 3, "rev-c": 1}

    # -- schedules and the SLA sweep -----------------------------------------------------

    def test_due_for_check_lists_claims_checked_at_or_before_soonest_first(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        add(unit_of_work, draft("two-hours"), schedule=_at(2))
        add(unit_of_work, draft("one-hour", at=after(minutes=1)), schedule=_at(1))
        add(unit_of_work, draft("never", at=after(minutes=2)))
        add(unit_of_work, draft("one-hour-too", at=after(minutes=3)), schedule=_at(1))
        add(unit_of_work, draft("five-hours", at=after(minutes=4)), schedule=_at(5))
        with unit_of_work() as uow:
            due = uow.claims.due_for_check(AT + timedelta(hours=2))
            assert [c.id for c in due] == ["one-hour", "one-hour-too", "two-hours"]
            assert [c.id for c in uow.claims.due_for_check(AT + timedelta(hours=2), limit=2)] == [
                "one-hour",
                "one-hour-too",
            ]
            assert list(uow.claims.due_for_check(AT + timedelta(minutes=59))) == []
            locked = uow.claims.due_for_check(AT + timedelta(hours=1), skip_locked=True)
            assert [c.id for c in locked] == ["one-hour", "one-hour-too"]

    def test_reschedule_replaces_the_schedule_alone(self, unit_of_work: UnitOfWorkFactory) -> None:
        claim = in_review("claim-1", "rev-a")
        add(unit_of_work, claim, schedule=_at(5))
        add(unit_of_work, in_review("claim-2", "rev-a", at=after(minutes=1)), schedule=_at(2))
        with unit_of_work() as uow:
            uow.claims.reschedule("claim-1", _at(1))
            uow.commit()
        assert stored(unit_of_work, "claim-1") == claim
        with unit_of_work() as uow:
            assert [c.id for c in uow.claims.work_queue(["rev-a"])] == ["claim-1", "claim-2"]
            due = uow.claims.due_for_check(AT + timedelta(hours=1))
            assert [c.id for c in due] == ["claim-1"]
            uow.claims.reschedule("claim-1", NO_SCHEDULE)
            assert list(uow.claims.due_for_check(AT + timedelta(hours=9))) == [
                stored(unit_of_work, "claim-2")
            ]
            with pytest.raises(ClaimNotFoundError):
                uow.claims.reschedule("claim-404", _at(1))

    def test_a_save_replaces_the_schedule_with_the_one_it_is_given(
        self, unit_of_work: UnitOfWorkFactory
    ) -> None:
        claim = draft("claim-1")
        add(unit_of_work, claim, schedule=_at(1))
        save(unit_of_work, edited(claim, "no longer due"))
        with unit_of_work() as uow:
            assert list(uow.claims.due_for_check(AT + timedelta(hours=9))) == []
        save(unit_of_work, edited(stored(unit_of_work, "claim-1"), "due again"), _at(3))
        with unit_of_work() as uow:
            due = uow.claims.due_for_check(AT + timedelta(hours=3))
            assert [c.id for c in due] == ["claim-1"]
