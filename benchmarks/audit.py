"""Tamper evidence: verifying hash chains, and the Merkle log's appends and proofs.

- ``verify_s``: ``reimbursement.audit.verify`` over ``--claims`` claims of 10
  events each (SHA-256 of the canonical bytes each event log keeps, made from
  the event's fields when it entered the log, and each link compared);
  ``hash_floor_s``: hashing the same canonical bytes with ``hashlib`` alone
  (the bytes made beforehand). Target: ``verify_s`` at most 2x the floor.
- ``append_per_s``: leaves appended per second to an in-memory
  ``MerkleTree`` (``--leaves`` of them); ``peer_append_per_s``: pymerkle's
  ``InmemoryTree`` appending the same leaves.
- ``proof_ms_10k`` and ``proof_ms_10m``: the mean time of one inclusion
  proof in a log of 10,000 and of ``--big`` leaves (default 10,000,000);
  target: at most 3x apart. The big tree is stored as the log stores it
  (every complete subtree's hash, one ``bytearray`` per level) and built
  level by level with ``hashlib``, which gives the same nodes as appending
  one leaf at a time, only sooner. ``peer_proof_ms_10k``: pymerkle's proof
  at 10,000 leaves.

Times are CPU time of this process, best of ``--repeat`` runs.

Usage: python benchmarks/audit.py [--claims 100000] [--leaves 100000]
       [--big 10000000] [--proofs 2000] [--repeat 3]
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pymerkle import InmemoryTree

from reimbursement import Actor, Claim, ClaimState
from reimbursement.audit import MerkleTree, canonical_event, verify
from reimbursement.audit.merkle import MemoryNodes, leaf_hash
from reimbursement.claims import Claimant, EventType

_STEPS = (
    (EventType.SUBMITTED, ClaimState.SUBMITTED),
    (EventType.ASSIGNED, ClaimState.IN_REVIEW),
    (EventType.MESSAGE_POSTED, None),
    (EventType.APPROVED, ClaimState.APPROVED),
    (EventType.PAYMENT_REQUESTED, ClaimState.PAYMENT_REQUESTED),
    (EventType.PAYMENT_APPROVED, ClaimState.PAYMENT_APPROVED),
    (EventType.PAYMENT_SENT, None),
    (EventType.PAID, ClaimState.PAID),
    (EventType.FEEDBACK_GIVEN, None),
)


def claims(count: int) -> list[Claim]:
    """``count`` claims of 10 events each, built through the domain's event log."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    customer = Actor.customer("C-7", "Zoë Martin")
    made = []
    for i in range(count):
        claim = Claim(
            f"claim-{i:07d}", Claimant("C-7", "Zoë", "P-1", "DE89"), "EUR", ClaimState.DRAFT, start
        )
        events = claim.with_next_event(EventType.DRAFT_STARTED, customer, start)
        state = ClaimState.DRAFT
        for n, (type_, to) in enumerate(_STEPS, 1):
            claim = Claim(claim.id, claim.claimant, "EUR", state, start, events=events)
            at = start + timedelta(minutes=n)
            data = {"amount": f"{i % 997}.50 EUR", "reference": f"PAY-{i}"}
            events = claim.with_next_event(type_, customer, at, to, None, data)
            state = to or state
        made.append(Claim(claim.id, claim.claimant, "EUR", state, start, events=events))
    return made


def cpu(run: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` runs of ``run``."""
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        run()
        best = min(best, time.process_time() - began)
    return best


def chain_figures(count: int, repeat: int) -> dict[str, float]:
    made = claims(count)
    canonical = [
        canonical_event(
            e.seq, e.type, e.claim_id, e.actor, e.role, e.at, e.from_state, e.to_state,
            e.reason, tuple(x for pair in e.data.items() for x in pair), e.visibility,
            e.prev_hash,
        )
        for claim in made
        for e in claim.events
    ]  # fmt: skip
    reports = [verify(claim) for claim in made]
    assert all(r.intact for r in reports)

    def hash_all() -> None:
        sha256 = hashlib.sha256
        for data in canonical:
            sha256(data).hexdigest()

    return {
        "verify_s": cpu(lambda: [verify(claim) for claim in made], repeat),
        "hash_floor_s": cpu(hash_all, repeat),
    }


def big_tree(size: int) -> MerkleTree:
    """A tree of ``size`` leaves, its complete subtrees built a level at a time."""
    hashes = b"".join(leaf_hash(i.to_bytes(8, "big")) for i in range(size))
    return MerkleTree(MemoryNodes.of_leaf_hashes(hashes))


def proof_ms(tree: MerkleTree, proofs: int, repeat: int) -> float:
    rng = random.Random(7)
    indexes = [rng.randrange(tree.size) for _ in range(proofs)]
    seconds = cpu(lambda: [tree.inclusion_proof(i) for i in indexes], repeat)
    return seconds / proofs * 1000


def log_figures(leaves: int, big: int, proofs: int, repeat: int) -> dict[str, float]:
    data = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(leaves)]

    def ours() -> None:
        tree = MerkleTree()
        for leaf in data:
            tree.append(leaf)

    def peer() -> None:
        tree = InmemoryTree(algorithm="sha256")
        for leaf in data:
            tree.append_entry(leaf)

    small = big_tree(10_000)
    reference = MerkleTree()
    for i in range(10_000):
        reference.append(i.to_bytes(8, "big"))
    assert small.root() == reference.root()  # the bulk build gives the appended tree
    peer_small = InmemoryTree(algorithm="sha256")
    for i in range(10_000):
        peer_small.append_entry(i.to_bytes(8, "big"))
    rng = random.Random(7)
    picks = [rng.randrange(10_000) for _ in range(proofs)]
    peer_proof = cpu(lambda: [peer_small.prove_inclusion(i + 1, 10_000) for i in picks], repeat)
    built = time.perf_counter()
    large = big_tree(big)
    print(f"built a tree of {big:,} leaves in {time.perf_counter() - built:,.0f} s (not timed)")
    return {
        "append_per_s": leaves / cpu(ours, repeat),
        "peer_append_per_s": leaves / cpu(peer, repeat),
        "proof_ms_10k": proof_ms(small, proofs, repeat),
        "proof_ms_10m": proof_ms(large, proofs, repeat),
        "peer_proof_ms_10k": peer_proof / proofs * 1000,
        "big_leaves": big,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--leaves", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    figures = chain_figures(args.claims, args.repeat)
    figures |= log_figures(args.leaves, args.big, args.proofs, args.repeat)
    print(f"verify {args.claims:,} claims of 10 events: {figures['verify_s']:.2f} s")
    print(f"  hashing the same bytes alone:        {figures['hash_floor_s']:.2f} s")
    print(f"  ratio {figures['verify_s'] / figures['hash_floor_s']:.1f}x (target: at most 2x)")
    ours, peer = figures["append_per_s"], figures["peer_append_per_s"]
    print(f"appends per second: {ours:,.0f} (pymerkle {peer:,.0f})")
    print(
        f"inclusion proof: {figures['proof_ms_10k']:.3f} ms at 10,000 leaves, "
        f"{figures['proof_ms_10m']:.3f} ms at {args.big:,} "
        f"(ratio {figures['proof_ms_10m'] / figures['proof_ms_10k']:.2f}x, target at most 3x); "
        f"pymerkle {figures['peer_proof_ms_10k']:.3f} ms at 10,000"
    )
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
