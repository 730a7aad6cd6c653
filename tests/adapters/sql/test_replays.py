"""A replayed call answers what the first call answered, on SQLite and PostgreSQL.

``post_message`` answers with the message it posted; replayed after other
messages, it must not answer the latest one. A request key kept before the
store held the claim version (schema version 8 and older: a NULL
``rb_requests.version``) still replays to the message with the same text.
"""

from __future__ import annotations

import sqlalchemy as sa

from reimbursement import ReimbursementDesk, sql_desk
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryDocumentStore, ManualClock
from support import ANA, PROFILES, REVIEWER, START, submitted, whole


def _desk(url: str) -> ReimbursementDesk:
    sql.upgrade(url)
    return sql_desk(
        url,
        documents=InMemoryDocumentStore(),
        customers=PROFILES,
        reviewers=[REVIEWER.id],
        clock=ManualClock(START),
    )


def test_a_replayed_message_is_the_one_its_request_posted(database_url: str) -> None:
    desk = _desk(database_url)
    claim = submitted(desk)
    first = desk.post_message(ANA, claim.id, "Where is my money?", request_id="m-1")
    note = desk.post_message(REVIEWER, claim.id, "asked", internal=True, request_id="n-1")
    desk.post_message(ANA, claim.id, "Any news?")
    desk.post_message(REVIEWER, claim.id, "still asking", internal=True)
    thread = whole(desk, claim.id).messages
    assert desk.post_message(ANA, claim.id, "Where is my money?", request_id="m-1") == first
    assert desk.post_message(REVIEWER, claim.id, "asked", internal=True, request_id="n-1") == note
    assert whole(desk, claim.id).messages == thread  # replays posted nothing


def test_a_request_kept_before_the_version_column_replays_to_the_message_with_its_text(
    database_url: str,
) -> None:
    desk = _desk(database_url)
    claim = submitted(desk)
    first = desk.post_message(ANA, claim.id, "  Where is my money?\n", request_id="m-1")
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:  # what a key written by schema version 8 holds
        connection.execute(sa.text("UPDATE rb_requests SET version = NULL"))
    engine.dispose()
    desk.post_message(ANA, claim.id, "Any news?")
    thread = whole(desk, claim.id).messages
    assert desk.post_message(ANA, claim.id, "  Where is my money?\n", request_id="m-1") == first
    assert whole(desk, claim.id).messages == thread
