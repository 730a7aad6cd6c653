"""Documents on the filesystem: the durable :class:`~reimbursement.ports.DocumentStore`.

Each document is two files under ``root``, fanned out by the first hex
digits of its id: ``ab/cd/doc-abcd….bin`` (the bytes) and ``….json`` (its
metadata). Writes are atomic (a temporary file in the same folder, flushed
and fsynced, then renamed into place), so a crash leaves either the whole
document or none of it. The id is random (128 bits) and is the only thing
a path is made of: a file name is metadata, never part of a path, and an id
that is not one of ours is refused before any path is built.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from ..errors import DocumentNotFoundError, StorageError, StoredDataError, ValidationError
from ..ports import StoredDocument
from ..serialization import from_data, parse_json, to_json
from .memory import new_document_id

__all__ = ["FileSystemDocumentStore"]

_ID = re.compile(r"doc-[0-9a-f]{32}")


class FileSystemDocumentStore:
    """Document bytes and metadata in files below ``root`` (made if missing).

    Raises :class:`~reimbursement.errors.StorageError` when ``root`` cannot
    be used, :class:`~reimbursement.errors.DocumentNotFoundError` for an id
    it does not hold (or that is not a document id at all).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"cannot use {self.root} for documents: {error}") from error

    def put(self, content: bytes, *, file_name: str, media_type: str) -> StoredDocument:
        doc_id = new_document_id()
        info = StoredDocument(
            doc_id, file_name, media_type, len(content), hashlib.sha256(content).hexdigest()
        )
        meta = to_json(info).encode()  # read back by info() with the same format
        folder = self._folder(doc_id)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(folder / f"{doc_id}.bin", bytes(content))
            _write_atomically(folder / f"{doc_id}.json", meta)  # last: marks it complete
        except OSError as error:
            self.delete(doc_id)
            raise StorageError(
                f"cannot store document {doc_id} in {self.root}: {error}"
            ) from error
        return info

    def get(self, document_id: str) -> bytes:
        self.info(document_id)  # only a complete document is readable
        try:
            return (self._folder(document_id) / f"{document_id}.bin").read_bytes()
        except FileNotFoundError:
            raise DocumentNotFoundError(f"no document {document_id!r}") from None

    def info(self, document_id: str) -> StoredDocument:
        path = self._folder(document_id) / f"{document_id}.json"
        try:
            # the wire format's strict reading: a hand-edited file gets no more leeway
            return from_data(parse_json(path.read_bytes()), StoredDocument)
        except FileNotFoundError:
            raise DocumentNotFoundError(f"no document {document_id!r}") from None
        except ValidationError as error:
            raise StoredDataError(
                f"document {document_id}'s metadata is unreadable: {error}"
            ) from error

    def delete(self, document_id: str) -> None:
        if _ID.fullmatch(document_id) is None:
            return
        folder = self._folder(document_id)
        for suffix in (".json", ".bin"):  # metadata first: a half-deleted one is not readable
            (folder / f"{document_id}{suffix}").unlink(missing_ok=True)

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*/doc-*.json"))

    def _folder(self, document_id: str) -> Path:
        if type(document_id) is not str or _ID.fullmatch(document_id) is None:
            raise DocumentNotFoundError(f"no document {document_id!r}")
        digits = document_id[4:]
        return self.root / digits[:2] / digits[2:4]


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
