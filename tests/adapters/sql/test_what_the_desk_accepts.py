"""Whatever the desk accepts, SQLite and PostgreSQL store and read back unchanged.

PostgreSQL refuses NUL in text and JSON and lone surrogates anywhere; a long
text in an indexed column breaks its index. The domain refuses such input
at the call, with a typed error naming the field, so that no store is ever
handed what it cannot hold: every call below either raises
``ValidationError`` (and changes nothing) or is stored, and a fresh store
reads the claim back equal to what the desk holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reimbursement import (
    Actor,
    ClaimPatch,
    CustomerProfile,
    LineInput,
    Money,
    ReimbursementDesk,
    in_memory_desk,
    sql_desk,
)
from reimbursement.adapters import sql
from reimbursement.adapters.memory import InMemoryDocumentStore, ManualClock
from reimbursement.errors import ValidationError
from reimbursement.payments import iban_for
from reimbursement.testing import AT

PDF = b"%PDF-1.7\n receipt"
CUSTOMER = Actor.customer("cust-1")
STAFF = Actor.reviewer("rev-1")
IBAN = iban_for("DE", "370400440532013000")  # accounts are checked: a valid one
PROFILE = CustomerProfile("cust-1", "Ana Lima", "POL-1", "EUR", payee_account=IBAN)

hostile = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),  # surrogates and controls too
    st.sampled_from(
        ["\x00", "a\x00b", "\ud800", "x\udfff", "\u202e", "é😀", "\t", "a\nb", "x" * 250, ""]
    ),
)


_DESKS: dict[str, ReimbursementDesk] = {}


def _desk(url: str) -> ReimbursementDesk:
    """One desk per database (the examples of one test share it: each makes a new claim)."""
    if url not in _DESKS:
        sql.upgrade(url)
        _DESKS[url] = sql_desk(
            url,
            documents=InMemoryDocumentStore(),
            customers=[PROFILE],
            reviewers=["rev-1"],
            clock=ManualClock(AT),
        )
    return _DESKS[url]


def _calls(desk: ReimbursementDesk, texts: list[str]) -> tuple[str, list[bool]]:
    """The calls of one example on ``desk``: the claim's id and which calls were accepted."""
    category, provider, description, name, account, body, reason, who = texts
    done: list[bool] = []

    def run(call: Callable[[], object]) -> None:
        try:
            call()
        except ValidationError:  # a refusal names the field; nothing is written
            done.append(False)
        else:
            done.append(True)

    line = LineInput
    try:
        claim = desk.start_draft(
            CUSTOMER,
            [line(category, date(2026, 2, 27), provider, Money("9.5", "EUR"), description)],
        )
        done.append(True)
    except ValidationError:
        claim = desk.start_draft(CUSTOMER, [])
        done.append(False)
    run(lambda: desk.attach(CUSTOMER, claim.id, name, PDF))
    run(lambda: desk.update_draft(CUSTOMER, claim.id, ClaimPatch(payee_account=account)))
    run(lambda: desk.post_message(CUSTOMER, claim.id, body))
    run(lambda: desk.post_message(Actor.reviewer(who), claim.id, body, internal=True))
    run(lambda: desk.withdraw(CUSTOMER, claim.id, reason))
    return claim.id, done


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(hostile, min_size=8, max_size=8))
@example(texts=["taxi", "Cab", "", "r.pdf", IBAN, "hi", "", "rev\x00x"])  # a NUL in an actor id
@example(texts=["taxi", "Cab", "", "r.pdf", IBAN, "hi", "", "rev\ud800"])  # a lone surrogate
def test_every_claim_the_desk_accepts_reads_back_from_the_database(
    database_url: str, texts: list[str]
) -> None:
    memory = in_memory_desk(customers=[PROFILE], reviewers=["rev-1"], clock=ManualClock(AT))
    _, in_memory = _calls(memory, texts)
    claim_id, stored = _calls(_desk(database_url), texts)
    assert stored == in_memory  # the domain refuses, not the store: same answers everywhere
    held = _desk(database_url).get(STAFF, claim_id)
    with sql.create(database_url, cache_size=0) as fresh, fresh.unit_of_work() as uow:
        assert uow.claims.get(claim_id) == held
