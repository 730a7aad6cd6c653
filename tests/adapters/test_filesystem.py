"""The filesystem document store reads its metadata files as strictly as the wire format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reimbursement.adapters.filesystem import FileSystemDocumentStore
from reimbursement.errors import DocumentNotFoundError, StorageError, StoredDataError


def _stored(tmp_path: Path) -> tuple[FileSystemDocumentStore, Path, str]:
    store = FileSystemDocumentStore(tmp_path)
    info = store.put(b"%PDF-1.7 x", file_name="receipt.pdf", media_type="application/pdf")
    (meta,) = tmp_path.glob(f"*/*/{info.id}.json")
    return store, meta, info.id


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda text: text.replace('"size":10', '"size":"10"'), "size: expected an integer"),
        (lambda text: text.replace('"size":10', '"size":' + "9" * 5_000), "5,000 digits"),
        (lambda text: text.replace('"file_name"', '"id":"doc-x","file_name"'), "given twice"),
        (lambda text: text.replace('"receipt.pdf"', '{"a":1}'), "file_name"),
    ],
    ids=["a size as text", "a 5,000-digit size", "a key twice", "a file name as an object"],
)
def test_hand_edited_metadata_raises_stored_data_error_naming_the_document(
    tmp_path: Path, edit: object, says: str
) -> None:
    store, meta, doc_id = _stored(tmp_path)
    text = meta.read_text()
    edited = edit(text)  # type: ignore[operator]
    assert edited != text
    meta.write_text(edited)
    with pytest.raises(StoredDataError) as raised:
        store.info(doc_id)
    assert doc_id in str(raised.value)
    assert says in str(raised.value)


def test_metadata_reads_back_as_written(tmp_path: Path) -> None:
    store, _, doc_id = _stored(tmp_path)
    assert store.info(doc_id).file_name == "receipt.pdf"
    assert store.get(doc_id) == b"%PDF-1.7 x"


def test_a_root_that_is_a_file_raises_storage_error_naming_it(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    root.write_text("not a folder")
    with pytest.raises(StorageError, match=r"cannot use .*documents for documents"):
        FileSystemDocumentStore(root)


def test_a_failed_write_leaves_no_file_and_no_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemDocumentStore(tmp_path)
    kept = store.put(b"first", file_name="a.pdf", media_type="application/pdf")
    real_replace = os.replace
    calls = []

    def disk_full_on_metadata(source: str, target: str | os.PathLike[str]) -> None:
        calls.append(target)
        if str(target).endswith(".json"):  # the bytes are in place, the metadata fails
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", disk_full_on_metadata)
    with pytest.raises(StorageError, match=r"cannot store document doc-.*No space left"):
        store.put(b"second", file_name="b.pdf", media_type="application/pdf")
    monkeypatch.undo()
    assert len(calls) == 2
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted([f"{kept.id}.bin", f"{kept.id}.json"])  # no temporary file either
    assert len(store) == 1


def test_a_document_whose_bytes_are_gone_is_not_found(tmp_path: Path) -> None:
    store, meta, doc_id = _stored(tmp_path)
    meta.with_suffix(".bin").unlink()
    with pytest.raises(DocumentNotFoundError):
        store.get(doc_id)


def test_len_counts_complete_documents(tmp_path: Path) -> None:
    store = FileSystemDocumentStore(tmp_path)
    ids = [store.put(b"x", file_name=f"{i}.txt", media_type="text/plain").id for i in range(3)]
    store.delete(ids[0])
    assert len(store) == 2
