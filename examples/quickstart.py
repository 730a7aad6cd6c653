"""Quickstart: one claim from draft to payment, as a customer, a reviewer and finance see it.

Run: python examples/quickstart.py
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from reimbursement import (
    Actor,
    ClaimPatch,
    CustomerProfile,
    DeskSettings,
    LineDecision,
    LineInput,
    Money,
    in_memory_desk,
)
from reimbursement.adapters.memory import ManualClock

clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
desk = in_memory_desk(
    reviewers=["rev-rita"],
    customers=[
        CustomerProfile(
            "C-1",
            "Mei Chen",
            "POL-42",
            "EUR",
            "mei@example.org",
            "en",
            "DE89 3704 0044 0532 0130 00",
        )
    ],
    clock=clock,
    settings=DeskSettings(finance_approval_threshold=Money("200.00", "EUR")),
)
mei = Actor.customer("C-1", "Mei")
rita = Actor.reviewer("rev-rita", "Rita")

# 1. Mei starts a draft: her name, policy and bank account are already there.
draft = desk.start_draft(
    mei,
    [
        LineInput("pharmacy", date(2026, 11, 20), "Stadt-Apotheke", Money("38.90", "EUR")),
        LineInput("physiotherapy", date(2026, 11, 21), "Physio am Park", Money("85.00", "EUR")),
    ],
)
print(
    f"draft for {draft.claimant.name}, policy {draft.claimant.policy_number}, "
    f"paid to {draft.claimant.payee_account}"
)

# 2. She photographs the receipts; each is linked to its line.
draft = desk.attach(mei, draft.id, "pharmacy.pdf", b"%PDF-1.7 receipt", line_id="L1")
draft = desk.attach(mei, draft.id, "physio.jpg", b"\xff\xd8\xff\xe0 photo", line_id="L2")

# 3. Submit: a number, a reviewer, a notification.
claim = desk.submit(mei, draft.id, request_id="mei-submit-1")
print(f"submitted as {claim.number}, now {desk.track(mei, claim.id).stage}")

# 4. Rita needs the physiotherapist's prescription: she returns the claim.
clock.advance(timedelta(hours=3))
desk.return_for_correction(rita, claim.id, ["Please add the doctor's prescription."])
view = desk.track(mei, claim.id)
print(f"{view.stage}: {view.return_reasons[0]} -> you can {', '.join(view.customer_actions)}")

# 5. Mei adds it: only what changed, nothing typed again.
fixed = desk.attach(mei, claim.id, "prescription.png", b"\x89PNG\r\n\x1a\n scan", line_id="L2")
desk.resubmit(mei, claim.id, ClaimPatch())

# 6. Rita approves the pharmacy line in part; the payment is requested and,
#    below 200 EUR, approved for payment at once.
clock.advance(timedelta(hours=1))
claim = desk.approve(
    rita, claim.id, [LineDecision("L1", Money("30.00", "EUR"), "Cosmetics are not covered.")]
)
print(f"{claim.state}: {claim.approved_total} of {claim.claimed_total}")

# 7. Finance pays; the gateway settles at once.
claim = desk.pay(Actor.finance("fin-fiona"), claim.id)

view = desk.track(mei, claim.id)
print(f"\n{view.number}: {view.stage}, paid {view.paid}")
for entry in view.timeline:
    print(f"  {entry.at:%H:%M} {entry.title}" + (f" - {entry.detail}" if entry.detail else ""))
sent = desk.adapters.notifier.sent  # type: ignore[attr-defined]
print(f"\nMei received {len(sent)} notifications: {', '.join(n.subject for n in sent)}")
assert view.paid == Money("115.00", "EUR")
