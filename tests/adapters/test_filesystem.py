"""The filesystem document store reads its metadata files as strictly as the wire format."""

from __future__ import annotations

from pathlib import Path

import pytest

from reimbursement.adapters.filesystem import FileSystemDocumentStore
from reimbursement.errors import StoredDataError


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
