"""Reviewer loads are counts (``rb_loads``) written with the holdings, not sums read over them.

Routing reads every reviewer's load at each submission: the read must not
grow with the work in review, and the counts must stay the holdings summed
through every kind of change (new holders, moves, parallel steps, approval,
a save over a version the unit of work did not read, an upgrade).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from reimbursement.adapters import sql
from reimbursement.domain.actors import SYSTEM
from reimbursement.domain.claim import Claim
from reimbursement.domain.routing import holders
from reimbursement.domain.routing.delegation import Reassignment
from reimbursement.domain.routing.recording import record_reassignment
from reimbursement.testing import AT, approved, in_review

LATER = AT + timedelta(minutes=5)


def as_version_15(url: str) -> None:
    """Take a database at the library's schema back to 15: no ``rb_loads``."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE rb_loads")
        connection.exec_driver_sql("DELETE FROM rb_schema_version WHERE version >= 16")
    engine.dispose()


def _moved(
    claim: Claim, source: str, target: str, minutes: int = 0, step: str | None = None
) -> Claim:
    move = Reassignment(claim.id, source, target, "hand_over", "holiday", step)
    return record_reassignment(claim, SYSTEM, LATER + timedelta(minutes=minutes), move)


def _summed(store: sql.SqlClaimStore) -> dict[str, int]:
    """The holdings summed per reviewer, as the store kept them (what the counts must say)."""
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT reviewer_id, SUM(steps) FROM rb_holdings GROUP BY reviewer_id"
        ).all()
    return {name: int(steps) for name, steps in rows}


def _held(store: sql.SqlClaimStore, *claim_ids: str) -> dict[str, int]:
    """What the stored claims' holders say."""
    counted: Counter[str] = Counter()
    with store.unit_of_work() as uow:
        for claim_id in claim_ids:
            counted.update(holders(uow.claims.get(claim_id)))
    return dict(+counted)


def _save(store: sql.SqlClaimStore, claim: Claim) -> None:
    with store.unit_of_work() as uow:
        uow.claims.save(claim, uow.claims.get(claim.id).version)
        uow.commit()


def _open_work(store: sql.SqlClaimStore) -> dict[str, int]:
    with store.unit_of_work() as uow:
        return dict(uow.claims.open_work())


def test_the_counts_follow_every_change_of_holders(store: sql.SqlClaimStore) -> None:
    claims = {
        "one": in_review("one", "rev-a"),
        "two": in_review("two", "rev-a"),
        "steps": in_review("steps", "rev-a", "rev-b", "rev-b"),  # three parallel steps
    }
    with store.unit_of_work() as uow:
        for claim in claims.values():
            uow.claims.add(claim)
        uow.commit()
    assert _open_work(store) == _summed(store) == {"rev-a": 3, "rev-b": 2}
    changes = [
        ("one", lambda c: _moved(c, "rev-a", "rev-c")),
        ("steps", lambda c: _moved(c, "rev-b", "rev-a", 1, "step-3")),  # one of rev-b's two
        ("two", approved),  # held by nobody now
        ("one", lambda c: _moved(c, "rev-c", "rev-b", 2)),
    ]
    for claim_id, change in changes:
        claims[claim_id] = change(claims[claim_id])
        _save(store, claims[claim_id])
        assert _open_work(store) == _summed(store) == _held(store, *claims)
    assert _open_work(store) == {"rev-a": 2, "rev-b": 2}


def test_a_save_over_a_version_not_read_here_counts_what_was_stored(
    store: sql.SqlClaimStore,
) -> None:
    claim = in_review("one", "rev-a")
    with store.unit_of_work() as uow:
        uow.claims.add(claim)
        uow.commit()
    away = _moved(claim, "rev-a", "rev-b")
    with store.unit_of_work() as uow:
        assert uow.claims.get("one") == claim  # this unit of work saw rev-a holding it
        _save(store, away)  # another one: rev-b holds it now
        uow.claims.save(_moved(away, "rev-b", "rev-c", 1), away.version)
        uow.commit()
    assert _open_work(store) == _summed(store) == {"rev-c": 1}


def test_a_reviewers_count_is_spread_over_rows_and_read_whole(store: sql.SqlClaimStore) -> None:
    with store.unit_of_work() as uow:
        for n in range(24):
            uow.claims.add(in_review(f"claim-{n}", "rev-a"))
        uow.commit()
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT COUNT(*) FROM rb_loads").scalar_one()
    assert 1 < rows <= 8  # a row per shard the claims fell in, never more than eight
    assert _open_work(store) == {"rev-a": 24}
    with store.unit_of_work() as uow:
        assert dict(uow.claims.open_work(["rev-a", "rev-z"])) == {"rev-a": 24}


def test_reading_the_loads_does_not_read_the_holdings(store: sql.SqlClaimStore) -> None:
    with store.unit_of_work() as uow:
        uow.claims.add(in_review("one", "rev-a"))
        uow.commit()
    seen: list[str] = []

    def statement(_c: object, _cursor: object, text: str, *_args: object) -> None:
        seen.append(text)

    sa.event.listen(store.engine, "before_cursor_execute", statement)
    try:
        with store.unit_of_work() as uow:
            assert dict(uow.claims.open_work()) == {"rev-a": 1}
            assert dict(uow.claims.open_work(["rev-a"])) == {"rev-a": 1}
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", statement)
    reads = [text for text in seen if "rb_loads" in text]
    assert len(reads) == 2
    assert not [text for text in seen if "rb_holdings" in text]


def test_an_upgrade_from_15_counts_the_work_already_held(database_url: str) -> None:
    sql.upgrade(database_url)
    with sql.create(database_url) as store, store.unit_of_work() as uow:
        uow.claims.add(in_review("one", "rev-a"))
        uow.claims.add(in_review("steps", "rev-a", "rev-b", "rev-b"))
        uow.claims.add(approved(in_review("done", "rev-c")))
        uow.commit()
    as_version_15(database_url)
    assert sql.upgrade(database_url) == sql.SCHEMA_VERSION
    with sql.create(database_url) as store:
        assert _open_work(store) == {"rev-a": 2, "rev-b": 2}
        _save(store, _moved(in_review("one", "rev-a"), "rev-a", "rev-b"))  # and go on
        assert _open_work(store) == _summed(store) == {"rev-a": 1, "rev-b": 3}
