"""The one parser of outside XML (``reimbursement._xml``) that e-invoices and bank files share."""

from __future__ import annotations

import sys

import pytest

from reimbursement._xml import parse_outside_xml
from reimbursement.errors import MissingExtraError, ValidationError

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><Name>&xxe;</Name></Document>"""

PUBLIC_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">
<Document/>"""


def _refused(content: bytes, max_bytes: int = 10_000) -> str:
    with pytest.raises(ValidationError) as refused:
        parse_outside_xml(content, "bank file", path="data", max_bytes=max_bytes, extra="payments")
    (problem,) = refused.value.problems
    assert problem.path == "data"
    return problem.message


@pytest.mark.parametrize("content", [XXE, PUBLIC_DTD], ids=["entity", "external-dtd"])
def test_a_document_type_declaration_is_refused_and_nothing_is_read(content: bytes) -> None:
    message = _refused(content)
    assert message.startswith("the bank file declares a document type (<!DOCTYPE>)")
    assert "root:" not in message  # /etc/passwd was not read into it


def test_content_over_the_limit_is_refused_before_it_is_parsed() -> None:
    assert _refused(b"<not even xml", max_bytes=5) == "the bank file is 13 bytes; the limit is 5"


def test_malformed_xml_is_refused_naming_what_was_read() -> None:
    assert _refused(b"<Document>").startswith("the bank file is not well-formed XML: ")


def test_comments_and_processing_instructions_are_dropped_so_texts_read_whole() -> None:
    root = parse_outside_xml(
        b"<Doc><Amt>12<!-- a note -->.50</Amt><?app hint?></Doc>",
        "bank file",
        path="data",
        max_bytes=1_000,
        extra="payments",
    )
    (amount,) = root
    assert amount.text == "12.50"


def test_without_lxml_the_error_names_the_callers_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "lxml" or m.startswith("lxml.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtraError, match=r"reimbursement\[einvoice\]"):
        parse_outside_xml(b"<a/>", "invoice XML", path="content", max_bytes=10, extra="einvoice")
