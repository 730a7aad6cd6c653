"""The customer's receipt of their submission: from the desk, kept as JSON, checked."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from reimbursement import ReimbursementDesk, assemble
from reimbursement.adapters import memory
from reimbursement.adapters.memory import InMemoryClaimStore, ManualClock
from reimbursement.adapters.signing import Ed25519Signer
from reimbursement.audit import MemoryLogStore, MerkleLog, NoteSigner, digest, verify_receipt_data
from reimbursement.claims import EventType
from reimbursement.errors import (
    AuthorizationError,
    NotFoundError,
    NotSealedError,
    ProofError,
    ValidationError,
)
from support import ANA, BEN, PROFILES, READER, REVIEWER, START, ready_draft, submitted

ORIGIN = "claims.example.org/log"
SEAL = Ed25519Signer.generate("seal-2026")
KEYS = {"claims.example.org": SEAL.public_bytes}


def _desk(store: InMemoryClaimStore, log: MerkleLog | None) -> ReimbursementDesk:
    adapters = memory.create(store=store, customers=PROFILES, clock=ManualClock(START))
    return assemble(attrs.evolve(adapters, log=log), reviewers=["rev-1"])


def _log(store: MemoryLogStore) -> MerkleLog:
    return MerkleLog(store, ORIGIN, NoteSigner("claims.example.org", SEAL, SEAL.public_bytes))


@pytest.fixture
def store() -> InMemoryClaimStore:
    return InMemoryClaimStore()


@pytest.fixture
def desk(store: InMemoryClaimStore) -> ReimbursementDesk:
    return _desk(store, _log(store.log))


def test_the_customer_keeps_a_receipt_of_their_submission_that_checks_as_json(
    desk: ReimbursementDesk,
) -> None:
    claim = submitted(desk)
    kept = json.loads(json.dumps(desk.submission_receipt(ANA, claim.id)))
    checkpoint = verify_receipt_data(kept, KEYS, ORIGIN)
    event = claim.events[claim.events.last_index_of({EventType.SUBMITTED}) or 0]
    assert kept["event_id"] == event.id
    assert kept["digest"] == digest(event)
    assert kept["event"]["type"] == "submitted"
    assert kept["claim_id"] == claim.id
    assert checkpoint.size == claim.version  # the log holds every event of the desk's claim
    assert desk.submission_receipt(REVIEWER, claim.id)["digest"] == kept["digest"]  # staff too


def test_another_customer_gets_no_receipt_and_a_draft_has_none(desk: ReimbursementDesk) -> None:
    claim = submitted(desk)
    with pytest.raises(AuthorizationError):
        desk.submission_receipt(BEN, claim.id)
    draft = ready_draft(desk)
    with pytest.raises(ValidationError, match="not submitted yet"):
        desk.submission_receipt(ANA, draft.id)


def test_an_event_the_log_does_not_hold_yet_is_a_typed_not_sealed_error(
    store: InMemoryClaimStore,
) -> None:
    unsealed = _desk(store, _log(MemoryLogStore()))  # a log that holds nothing of the store yet
    claim = submitted(unsealed)
    with pytest.raises(NotSealedError, match="ask for its receipt again") as caught:
        unsealed.submission_receipt(ANA, claim.id)
    assert isinstance(caught.value, NotFoundError)


def test_a_desk_without_a_log_says_so(store: InMemoryClaimStore) -> None:
    plain = _desk(store, None)
    claim = submitted(plain)
    with pytest.raises(ProofError, match="keeps no Merkle log"):
        plain.submission_receipt(ANA, claim.id)


def test_a_submission_changed_in_the_store_after_it_was_logged_gets_no_receipt(
    desk: ReimbursementDesk, store: InMemoryClaimStore
) -> None:
    claim = submitted(desk)
    events = list(claim.events)
    seq = claim.events.last_index_of({EventType.SUBMITTED})
    assert seq is not None
    events[seq] = attrs.evolve(events[seq], data={**events[seq].data, "claimed": "9999.00 EUR"})
    store.claims[claim.id] = attrs.evolve(claim, events=events)  # written past the desk
    with pytest.raises(ProofError, match="changed after it was logged"):
        desk.submission_receipt(READER, claim.id)


def _edited(receipt: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(receipt)), **changes}


def test_a_receipt_edited_truncated_or_checked_with_another_key_is_refused(
    desk: ReimbursementDesk,
) -> None:
    receipt = desk.submission_receipt(ANA, submitted(desk).id)
    other = Ed25519Signer.generate("other")
    event = {**receipt["event"], "data": [["claimed", "1.00 EUR"]]}
    bad: list[tuple[object, dict[str, bytes], str]] = [
        (_edited(receipt, event=event), KEYS, "does not hash to its digest"),
        (_edited(receipt, proof=receipt["proof"][:-1]), KEYS, "does not verify"),
        (_edited(receipt, leaf_index=receipt["leaf_index"] + 1), KEYS, "does not verify"),
        (_edited(receipt, format="x"), KEYS, "not a receipt"),
        (_edited(receipt, proof=["zz"]), KEYS, "hex"),
        ({**receipt, "extra": 1}, KEYS, "exactly the members"),
        ([receipt], KEYS, "not a receipt"),
        (receipt, {"claims.example.org": other.public_bytes}, "key"),
    ]
    for data, keys, message in bad:
        with pytest.raises(ProofError, match=message):
            verify_receipt_data(data, keys, ORIGIN)


def test_a_desk_on_sqlite_gives_a_receipt_that_checks_after_a_restart(tmp_path: Any) -> None:
    """``sql_desk(log_signer=...)``: the receipt holds across processes, as the log does."""
    from reimbursement import sql_desk
    from reimbursement.adapters import sql

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    sql.upgrade(url)
    signer = NoteSigner("claims.example.org", SEAL, SEAL.public_bytes)
    options: dict[str, Any] = {"customers": PROFILES, "clock": ManualClock(START)}
    with sql_desk(url, log_signer=signer, log_origin=ORIGIN, **options) as desk:
        claim = submitted(desk)
    with sql_desk(url, log_signer=signer, log_origin=ORIGIN, **options) as desk:
        kept = json.loads(json.dumps(desk.submission_receipt(ANA, claim.id)))
    assert verify_receipt_data(kept, KEYS, ORIGIN).size >= len(claim.events)
    assert kept["claim_id"] == claim.id
    with sql_desk(url, **options) as desk, pytest.raises(ProofError, match="keeps no Merkle log"):
        desk.submission_receipt(ANA, claim.id)
