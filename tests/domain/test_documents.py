"""Documents are judged by their content, not their name."""

from __future__ import annotations

import hashlib

import pytest

from reimbursement.domain.documents import DocumentRules, sniff_media_type
from reimbursement.errors import ValidationError


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xff\xd8\xff\xe1 exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00", "image/heic"),
        (b"II*\x00 tiff", "image/tiff"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"MZ\x90\x00", None),
        (b"<html>", None),
        (b"\x00\x00\x00\x18ftypmp42", None),
    ],
)
def test_sniffing(content: bytes, media_type: str | None) -> None:
    assert sniff_media_type(content) == media_type


def test_rules_give_type_and_digest() -> None:
    content = b"%PDF-1.4 a receipt"
    assert DocumentRules().check("scan.jpg", content) == (
        "application/pdf",
        hashlib.sha256(content).hexdigest(),
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("", b"%PDF-1.4", "file_name: is empty"),
        ("a.pdf", b"", "a.pdf is empty"),
        ("a.pdf", b"%PDF-" + b"x" * 20, "the limit is 10"),
        ("a.exe", b"MZ\x90", "a.exe is not a PDF"),
    ],
)
def test_rules_refuse_with_a_reason(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DocumentRules(max_size=10).check(name, content)


def test_racing_attaches_leave_exactly_the_documents_the_claim_references() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import attrs

    from reimbursement import Actor, assemble
    from reimbursement.adapters import memory
    from reimbursement.errors import ConcurrencyError
    from reimbursement.ports import StoredDocument
    from support import ANA, PDF, PROFILES, START, pharmacy

    class Meeting(memory.InMemoryDocumentStore):
        """Lets each put wait for the others: all eight read the draft before any commits."""

        def __init__(self) -> None:
            super().__init__()
            self.barrier = threading.Barrier(8, timeout=10)

        def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
            stored = super().put(content, file_name=file_name, media_type=media_type)
            self.barrier.wait()
            return stored

    documents = Meeting()
    adapters = memory.create(clock=memory.ManualClock(START), customers=PROFILES)
    desk = assemble(attrs.evolve(adapters, documents=documents))
    draft = desk.start_draft(ANA, [pharmacy()])

    def attach(i: int) -> bool:
        try:
            desk.attach(ANA, draft.id, f"receipt-{i}.pdf", PDF + bytes([i]))
        except ConcurrencyError:
            return False  # lost the race: refused, and its bytes are gone again
        return True

    with ThreadPoolExecutor(8) as pool:
        accepted = sum(pool.map(attach, range(8)))
    claim = desk.get(Actor.reviewer("rev-1"), draft.id)
    assert accepted == 1  # one unit of work commits; seven are refused as stale
    assert len(claim.attachments) == 1
    assert len(documents) == 1  # the seven refused calls left no bytes behind
    assert documents.info(claim.attachments[0].id).sha256 == claim.attachments[0].sha256
