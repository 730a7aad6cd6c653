"""RFC 9162 trees, proofs and signed checkpoints, cross-checked against pymerkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree
from pymerkle import verify_consistency as peer_consistency

from reimbursement.adapters.signing import Ed25519Signer
from reimbursement.audit import (
    Checkpoint,
    MerkleTree,
    NoteSigner,
    open_checkpoint,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from reimbursement.audit.merkle import EMPTY_ROOT, MemoryNodes, leaf_hash, root_of
from reimbursement.errors import ProofError


def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"event %d" % i).digest() for i in range(n)]


def _trees(n: int) -> tuple[MerkleTree, InmemoryTree]:
    ours, peer = MerkleTree(), InmemoryTree(algorithm="sha256")
    for leaf in _leaves(n):
        ours.append(leaf)
        peer.append_entry(leaf)
    return ours, peer


@given(st.integers(1, 70), st.data())
def test_roots_and_inclusion_paths_match_pymerkle(n: int, data: st.DataObject) -> None:
    ours, peer = _trees(n)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    assert ours.root(size) == peer.get_root(size)
    assert ours.root(size) == root_of([leaf_hash(x) for x in _leaves(size)])
    proof = ours.inclusion_proof(index, size)
    peer_path = [
        bytes.fromhex(h) for h in peer.prove_inclusion(index + 1, size).serialize()["path"]
    ]
    assert peer_path == [leaf_hash(_leaves(n)[index]), *proof]  # pymerkle leads with the leaf
    verify_inclusion(_leaves(n)[index], index, size, proof, ours.root(size))


@given(st.integers(1, 70), st.data())
def test_consistency_proofs_verify_and_pymerkle_agrees_on_both_roots(
    n: int, data: st.DataObject
) -> None:
    ours, peer = _trees(n)
    old = data.draw(st.integers(1, n))
    proof = ours.consistency_proof(old, n)
    verify_consistency(old, n, ours.root(old), ours.root(n), proof)
    peer_proof = peer.prove_consistency(old, n)
    peer_consistency(ours.root(old), ours.root(n), peer_proof)  # pymerkle, on our roots


def test_the_empty_tree_has_the_rfc_root() -> None:
    assert MerkleTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


@given(st.integers(2, 40), st.data())
def test_a_truncated_or_altered_inclusion_proof_fails(n: int, data: st.DataObject) -> None:
    ours, _ = _trees(n)
    index = data.draw(st.integers(0, n - 1))
    leaf, proof, root = _leaves(n)[index], ours.inclusion_proof(index, n), ours.root()
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, n, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, n, [*proof, proof[-1]], root)  # one too many
    with pytest.raises(ProofError):
        verify_inclusion(b"another event", index, n, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, (index + 1) % n, n, proof, root)


@given(st.integers(2, 40), st.data())
def test_a_forked_log_fails_the_consistency_proof(n: int, data: st.DataObject) -> None:
    honest, _ = _trees(n)
    old = data.draw(st.integers(1, n - 1))
    changed = data.draw(st.integers(0, old - 1))
    forked = MerkleTree()  # the same log with one old event rewritten
    for i, leaf in enumerate(_leaves(n)):
        forked.append(b"rewritten" if i == changed else leaf)
    with pytest.raises(ProofError):
        verify_consistency(old, n, honest.root(old), forked.root(n), forked.consistency_proof(old))
    proof = honest.consistency_proof(old)
    with pytest.raises(ProofError):
        verify_consistency(old, n, honest.root(old), honest.root(n), proof[:-1])
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(n, n, honest.root(), forked.root(), [])


SEAL = Ed25519Signer.generate("claims.example.org+seal")


def _note_signer(signer: Ed25519Signer, name: str = "claims.example.org") -> NoteSigner:
    return NoteSigner(name, signer, signer.public_bytes)


def test_a_checkpoint_is_a_c2sp_signed_note_that_opens_with_its_key() -> None:
    tree, _ = _trees(5)
    checkpoint = Checkpoint("claims.example.org/log", 5, tree.root())
    note = sign_checkpoint(checkpoint, _note_signer(SEAL))
    body, _, signature = note.partition("\n\n")
    assert body.split("\n") == ["claims.example.org/log", "5", checkpoint.body().split("\n")[2]]
    assert signature.startswith("\u2014 claims.example.org ")
    assert open_checkpoint(note, {"claims.example.org": SEAL.public_bytes}) == checkpoint


def test_a_checkpoint_signed_by_another_key_or_edited_is_refused() -> None:
    tree, _ = _trees(5)
    checkpoint = Checkpoint("claims.example.org/log", 5, tree.root())
    other = Ed25519Signer.generate("x")
    by_other = sign_checkpoint(checkpoint, _note_signer(other))
    keys = {"claims.example.org": SEAL.public_bytes}
    with pytest.raises(ProofError, match="not signed by a key you trust"):
        open_checkpoint(by_other, keys)
    note = sign_checkpoint(checkpoint, _note_signer(SEAL))
    with pytest.raises(ProofError):
        open_checkpoint(note.replace("\n5\n", "\n6\n"), keys)
    forged = note.replace(note.split("\n")[2], "A" * 43 + "=")
    with pytest.raises(ProofError, match="does not verify"):
        open_checkpoint(forged, keys)
    for broken in (
        "",
        "no signatures\n",
        note[: note.index("\u2014")],
        note.replace("\u2014", "-"),
    ):
        with pytest.raises(ProofError):
            open_checkpoint(broken, keys)
    with pytest.raises(ProofError, match="not of"):
        open_checkpoint(note, keys, origin="another.example/log")


@given(st.integers(0, 70))
def test_a_bulk_loaded_tree_has_the_nodes_of_one_appended_leaf_by_leaf(n: int) -> None:
    appended, _ = _trees(n)
    loaded = MerkleTree(MemoryNodes.of_leaf_hashes(b"".join(leaf_hash(x) for x in _leaves(n))))
    assert loaded.size == n
    assert loaded.root() == appended.root()
    if n:
        assert loaded.inclusion_proof(n // 2) == appended.inclusion_proof(n // 2)
    loaded.append(b"one more")
    appended.append(b"one more")
    assert loaded.root() == appended.root()
