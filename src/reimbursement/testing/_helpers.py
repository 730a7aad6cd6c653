"""Steps the store suites share: add, save and read claims each in its own unit of work."""

from __future__ import annotations

from collections.abc import Callable

from ..domain.claim import Claim
from ..errors import ClaimNotFoundError
from ..ports import NO_SCHEDULE, ClaimSchedule, Notification, RequestRecord, UnitOfWork

__all__ = [
    "UnitOfWorkFactory",
    "absent",
    "add",
    "add_and_commit",
    "queue",
    "record",
    "save",
    "save_and_commit",
    "stored",
]

UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Makes a new unit of work; every one it makes works on the same store."""


def add(
    unit_of_work: UnitOfWorkFactory, *claims: Claim, schedule: ClaimSchedule = NO_SCHEDULE
) -> None:
    """Add each claim in its own committed unit of work, in order."""
    for claim in claims:
        with unit_of_work() as uow:
            uow.claims.add(claim, schedule)
            uow.commit()


def save(
    unit_of_work: UnitOfWorkFactory, claim: Claim, schedule: ClaimSchedule = NO_SCHEDULE
) -> None:
    """Save ``claim`` over the version stored now, and commit."""
    with unit_of_work() as uow:
        uow.claims.save(claim, uow.claims.get(claim.id).version, schedule)
        uow.commit()


# A store may refuse a write at once or only on commit: these run both, so
# that ``pytest.raises`` around one call accepts either design.


def add_and_commit(uow: UnitOfWork, claim: Claim) -> None:
    uow.claims.add(claim)
    uow.commit()


def save_and_commit(uow: UnitOfWork, claim: Claim, expected_version: int) -> None:
    uow.claims.save(claim, expected_version)
    uow.commit()


def stored(unit_of_work: UnitOfWorkFactory, claim_id: str) -> Claim:
    with unit_of_work() as uow:
        return uow.claims.get(claim_id)


def absent(unit_of_work: UnitOfWorkFactory, claim_id: str) -> bool:
    with unit_of_work() as uow:
        try:
            uow.claims.get(claim_id)
        except ClaimNotFoundError:
            return True
        return False


def record(
    key: str, claim_id: str, fingerprint: str = "fp-1", version: int | None = None
) -> RequestRecord:
    """The request record of ``key``, which produced ``claim_id`` (at ``version``)."""
    return RequestRecord(key, fingerprint, claim_id, version)


def queue(unit_of_work: UnitOfWorkFactory, *notifications: Notification) -> None:
    """Queue ``notifications`` in one committed unit of work."""
    with unit_of_work() as uow:
        for item in notifications:
            uow.outbox.add(item)
        uow.commit()
