"""Business calendar and SLA clocks: when is a review due, and when will the customer be paid?

Run: ``python examples/sla_calendar.py``. Builds a Bavarian office calendar
(with public holidays from the ``holidays`` package), shows the review due
time of claims submitted at awkward moments, then follows one claim that is
returned for correction twice, printing its SLA status as a sweeper would
see it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reimbursement import Actor, Claim, ClaimPatch, LineInput, Money
from reimbursement.claims import Claimant
from reimbursement.domain.commands import (
    approve,
    assign,
    resubmit,
    return_for_correction,
    start_draft,
    submit,
)
from reimbursement.sla import BusinessCalendar, SlaPolicy, SlaStage, record_crossings, weekly

BERLIN = ZoneInfo("Europe/Berlin")
CUSTOMER = Actor.customer("C-1", "Ana")
REVIEWER = Actor.reviewer("R-1", "Rui")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=BERLIN)


def same(money: Money, currency: str, day: date) -> tuple[Money, None]:
    return money, None


def show(policy: SlaPolicy, claim: Claim, now: datetime, what: str) -> Claim:
    sla = policy.evaluate(claim, now)
    review = sla.current(SlaStage.REVIEW)
    assert review is not None
    due = f"{review.due:%a %d %b %H:%M}" if review.due else "paused (with the customer)"
    expected = sla.expected_completion
    paid_by = f"{expected:%a %d %b %H:%M}" if expected else "unknown"
    print(
        f"{now:%a %d %b %H:%M}  {what:<18} review {review.status.value:<8} "
        f"used {review.elapsed}  due {due}  paid by {paid_by}"
    )
    crossings = policy.crossings(claim, now)
    for crossing in crossings:
        print(f"{'':19}-> record {crossing.event_type.value} (crossed {crossing.at:%a %H:%M})")
    return record_crossings(claim, crossings, now) if crossings else claim


def main() -> None:
    office = weekly("09:00-12:00", "13:30-18:00")
    bavaria = BusinessCalendar.with_country_holidays("Europe/Berlin", office, "DE", subdiv="BY")
    policy = SlaPolicy.standard(bavaria)  # review: 16 business hours; payment: 24 hours

    print("Review due (16 business hours) for claims submitted at awkward moments:")
    for start in (at(6, 6, 17, 55), at(10, 2, 17, 0), at(12, 23, 16, 0), at(3, 28, 17, 30)):
        due = bavaria.add(start, timedelta(hours=16))
        print(f"  submitted {start:%a %d %b %H:%M %Z} -> due {due:%a %d %b %H:%M %Z}")

    print("\nOne claim, returned twice:")
    claimant = Claimant("C-1", "Ana", "POL-1", "DE89 3704 0044 0532 0130 00")
    line = LineInput("pharmacy", date(2025, 5, 30), "Apotheke", Money("42.00", "EUR"))
    claim = start_draft("CL-1", claimant, "EUR", CUSTOMER, at(6, 2, 9), [line], same)
    claim = submit(claim, CUSTOMER, at(6, 2, 9), "2025-0001", require_receipts=False)
    claim = assign(claim, REVIEWER, at(6, 2, 9), "R-1", "round_robin", "next in turn")
    claim = show(policy, claim, at(6, 2, 9), "submitted")
    claim = return_for_correction(claim, REVIEWER, at(6, 2, 11), ["receipt unreadable"])
    claim = show(policy, claim, at(6, 2, 11), "returned")
    claim = resubmit(claim, CUSTOMER, at(6, 3, 10), ClaimPatch(), same, require_receipts=False)
    claim = assign(claim, REVIEWER, at(6, 3, 10), "R-1", "round_robin", "same reviewer")
    claim = show(policy, claim, at(6, 3, 10), "resubmitted")
    claim = return_for_correction(claim, REVIEWER, at(6, 3, 14, 30), ["date missing"])
    claim = show(policy, claim, at(6, 3, 14, 30), "returned again")
    claim = resubmit(claim, CUSTOMER, at(6, 5, 9), ClaimPatch(), same, require_receipts=False)
    claim = assign(claim, REVIEWER, at(6, 5, 9), "R-1", "round_robin", "same reviewer")
    claim = show(policy, claim, at(6, 5, 9), "resubmitted again")
    claim = show(policy, claim, at(6, 6, 10), "sweep")
    claim = show(policy, claim, at(6, 6, 15), "sweep")
    claim = approve(claim, REVIEWER, at(6, 6, 16))
    sla = policy.evaluate(claim, at(6, 6, 16))
    review, payment = sla.current(SlaStage.REVIEW), sla.current(SlaStage.PAYMENT)
    assert review is not None
    assert payment is not None
    assert payment.due is not None
    print(f"approved Fri 16:00: review {review.status.value}; payment due {payment.due:%a %H:%M}")


if __name__ == "__main__":
    main()
