"""Content checks on real files the tests make: PDFs, JPEG, PNG, HEIC, forged and bombs."""

from __future__ import annotations

import io

import imagehash
import pytest
from PIL import Image

from documents import files
from reimbursement.documents import ContentChecks, ImageLimits, PdfLimits, check_content
from reimbursement.domain.documents import DocumentRules
from reimbursement.errors import ValidationError

ON = ContentChecks(enabled=True)
RULES = DocumentRules()


def _check(content: bytes, name: str = "receipt", checks: ContentChecks = ON) -> object:
    return check_content(RULES, checks, name, content)


def _refused(content: bytes, match: str, checks: ContentChecks = ON) -> None:
    with pytest.raises(ValidationError, match=match) as raised:
        _check(content, checks=checks)
    assert raised.value.problems[0].path == "content"


def test_a_real_pdf_is_accepted_without_flags() -> None:
    checked = check_content(RULES, ON, "invoice.pdf", files.pdf(pages=3))
    assert (checked.media_type, checked.flags, checked.image) == ("application/pdf", (), None)


@pytest.mark.parametrize(
    ("options", "flag"),
    [
        ({"javascript": True}, "pdf_javascript"),
        ({"embedded": True}, "pdf_embedded_files"),
        ({"open_action": True}, "pdf_open_action"),
    ],
)
def test_active_content_is_flagged_for_the_reviewer_not_refused(
    options: dict[str, bool], flag: str
) -> None:
    assert flag in check_content(RULES, ON, "x.pdf", files.pdf(**options)).flags


def test_an_encrypted_pdf_is_refused_or_flagged_as_configured() -> None:
    locked = files.pdf(password="secret")
    _refused(locked, "encrypted; attach it without a password")
    keep = ContentChecks(enabled=True, pdf=PdfLimits(refuse_encrypted=False))
    assert check_content(RULES, keep, "x.pdf", locked).flags == ("pdf_encrypted",)


def test_a_truncated_pdf_is_refused() -> None:
    whole = files.pdf(pages=2)
    _refused(whole[: len(whole) // 2], "truncated or damaged")


def test_pdf_magic_followed_by_a_program_is_refused() -> None:
    forged = b"%PDF-1.7\n" + b"\x7fELF\x02\x01\x01" + bytes(500)
    assert _check(forged, checks=ContentChecks()) is not None  # the first bytes alone pass it
    _refused(forged, "truncated or damaged")


def test_pages_and_decompressed_content_are_capped() -> None:
    small = ContentChecks(enabled=True, pdf=PdfLimits(max_pages=2, max_content_bytes=100_000))
    _refused(files.pdf(pages=3), "3 pages; the limit is 2", small)
    bomb = files.pdf(content=b" " * 1_000_000)
    assert len(bomb) < 20_000  # small on disk, large once decompressed
    _refused(bomb, "decompress to more than 100,000 bytes", small)


def test_a_photo_gets_an_upright_copy_and_thumbnail_without_exif_or_gps() -> None:
    original = files.jpeg_with_gps(files.receipt((600, 400)), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(files.GPS_IFD)  # it has GPS
    checked = check_content(RULES, ON, "photo.jpg", original)
    assert checked.image is not None
    copy = Image.open(io.BytesIO(checked.image.reviewer_copy))
    assert copy.size == (400, 600)  # turned upright by its orientation
    assert not copy.getexif()
    assert b"Exif" not in checked.image.reviewer_copy
    assert b"Exif" not in checked.image.thumbnail
    thumb = Image.open(io.BytesIO(checked.image.thumbnail))
    assert max(thumb.size) == 256
    assert len(checked.image.phash) == 16


def test_a_large_photo_is_scaled_for_reviewers() -> None:
    checks = ContentChecks(enabled=True, image=ImageLimits(reviewer_max_side=300))
    checked = check_content(RULES, checks, "p.png", files.encoded(files.receipt(), "PNG"))
    assert checked.image is not None
    assert Image.open(io.BytesIO(checked.image.reviewer_copy)).size == (300, 200)


def test_a_heic_photo_is_read_and_an_mp4_is_not_a_heic() -> None:
    heic = files.encoded(files.receipt(), "HEIF")
    checked = check_content(RULES, ON, "IMG_0001.HEIC", heic)
    assert checked.media_type == "image/heic"
    assert checked.image is not None
    assert checked.image.copy_media_type == "image/jpeg"
    _refused(files.mp4(), "not a PDF, JPEG, PNG, HEIC")
    _refused(heic[:200], "truncated or damaged")


def test_too_many_pixels_are_refused_before_decoding() -> None:
    checks = ContentChecks(enabled=True, image=ImageLimits(max_pixels=100_000))
    _refused(
        files.encoded(files.receipt(), "PNG"), "600 × 400 pixels; the limit is 100,000", checks
    )
    _refused(files.png_bomb(), "too many pixels")  # Pillow's own guard, past ours


def test_a_truncated_jpeg_and_a_renamed_file_are_refused() -> None:
    photo = files.encoded(files.receipt(), "JPEG")
    _refused(photo[: len(photo) // 2], "truncated or damaged")
    png_in_jpeg_clothes = b"\xff\xd8\xff" + files.encoded(files.receipt(), "PNG")
    _refused(png_in_jpeg_clothes, "truncated or damaged")


def test_the_same_paper_photographed_twice_has_close_hashes() -> None:
    first = files.receipt((800, 600))
    again = files.receipt((800, 600), shade=12).resize((640, 480)).rotate(0.6, fillcolor="white")
    other = files.receipt((800, 600)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)

    def phash(image: Image.Image) -> imagehash.ImageHash:
        checked = check_content(RULES, ON, "p.jpg", files.encoded(image, "JPEG", quality=70))
        assert checked.image is not None
        return imagehash.hex_to_hash(checked.image.phash)

    assert phash(first) - phash(again) <= 8
    assert phash(first) - phash(other) > 8


def test_without_enabling_the_checks_only_the_first_bytes_count() -> None:
    checked = check_content(RULES, ContentChecks(), "x.pdf", b"%PDF-1.7 anything")
    assert (checked.media_type, checked.flags, checked.image) == ("application/pdf", (), None)


def test_enabled_checks_without_the_extra_name_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from reimbursement.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "pypdf", None)
    with pytest.raises(MissingExtraError, match=r"reimbursement\[documents\]"):
        _check(files.pdf())
