"""The contract of :class:`~reimbursement.ports.DocumentStore`."""

from __future__ import annotations

import hashlib

import pytest

from ..errors import DocumentNotFoundError
from ..ports import DocumentStore

__all__ = ["DocumentStoreContract"]

_PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
_EVERY_BYTE = bytes(range(256)) * 64
_HOSTILE_IDS = ["", "../../etc/passwd", "doc-\x00", "doc-" + "a" * 10_000, "DOC-404", "/tmp"]


class DocumentStoreContract:
    """What every :class:`~reimbursement.ports.DocumentStore` must do.

    Subclass it and provide a fixture ``documents``: a store that is fresh and
    empty for each test.
    """

    @pytest.mark.parametrize(
        ("content", "file_name", "media_type"),
        [
            (_PDF, "reçu pharmacie.pdf", "application/pdf"),
            (_EVERY_BYTE, "scan.png", "image/png"),
            (b"", "empty.txt", "text/plain"),
        ],
        ids=["pdf", "every-byte", "empty"],
    )
    def test_put_content_reads_back_with_its_size_and_sha256(
        self, documents: DocumentStore, content: bytes, file_name: str, media_type: str
    ) -> None:
        stored = documents.put(content, file_name=file_name, media_type=media_type)
        assert documents.get(stored.id) == content
        assert (stored.file_name, stored.media_type) == (file_name, media_type)
        assert stored.size == len(content)
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
        assert documents.info(stored.id) == stored

    def test_every_put_gets_a_new_id_even_for_the_same_content(
        self, documents: DocumentStore
    ) -> None:
        ids = [
            documents.put(_PDF, file_name=f"receipt-{i}.pdf", media_type="application/pdf").id
            for i in range(5)
        ]
        ids.append(documents.put(b"other", file_name="note.txt", media_type="text/plain").id)
        assert len(set(ids)) == len(ids)
        assert [documents.info(i).file_name for i in ids[:2]] == ["receipt-0.pdf", "receipt-1.pdf"]

    def test_an_unknown_id_raises_document_not_found(self, documents: DocumentStore) -> None:
        documents.put(_PDF, file_name="receipt.pdf", media_type="application/pdf")
        with pytest.raises(DocumentNotFoundError):
            documents.get("doc-404")
        with pytest.raises(DocumentNotFoundError):
            documents.info("doc-404")

    def test_a_deleted_document_is_gone_and_the_others_stay(
        self, documents: DocumentStore
    ) -> None:
        kept = documents.put(_PDF, file_name="kept.pdf", media_type="application/pdf")
        gone = documents.put(_PDF, file_name="gone.pdf", media_type="application/pdf")
        documents.delete(gone.id)
        with pytest.raises(DocumentNotFoundError):
            documents.get(gone.id)
        with pytest.raises(DocumentNotFoundError):
            documents.info(gone.id)
        assert documents.get(kept.id) == _PDF
        assert documents.info(kept.id) == kept
        documents.delete(gone.id)  # twice: a rolled-back command may clean up after a retry

    @pytest.mark.parametrize("document_id", _HOSTILE_IDS)
    def test_an_id_that_is_not_a_document_is_not_found_and_deletes_nothing(
        self, documents: DocumentStore, document_id: str
    ) -> None:
        stored = documents.put(_PDF, file_name="receipt.pdf", media_type="application/pdf")
        documents.delete(document_id)  # unknown ids are ignored, whatever they look like
        with pytest.raises(DocumentNotFoundError):
            documents.get(document_id)
        with pytest.raises(DocumentNotFoundError):
            documents.info(document_id)
        assert documents.get(stored.id) == _PDF
