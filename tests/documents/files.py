"""Real files made by the tests: PDFs with pypdf, photos with Pillow (and pillow-heif)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DecodedStreamObject, NameObject

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def pdf(
    pages: int = 1,
    *,
    javascript: bool = False,
    password: str | None = None,
    embedded: bool = False,
    open_action: bool = False,
    content: bytes = b"",
) -> bytes:
    """A real PDF of ``pages`` blank pages, with what is asked for inside."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if content:
        stream = DecodedStreamObject()
        stream.set_data(content)
        page = writer.pages[0]
        page[NameObject("/Contents")] = writer._add_object(stream)
        page.compress_content_streams()
    if javascript:
        writer.add_open_action(JavaScript("app.alert('hello');"))
    if embedded:
        writer.add_attachment("payload.txt", b"not a receipt")
    if open_action:
        writer.open_destination = writer.pages[0]
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def receipt(size: tuple[int, int] = (600, 400), *, shade: int = 0) -> Image.Image:
    """A picture of a receipt: dark lines on white, not symmetric (orientation shows)."""
    image = Image.new("RGB", size, (255 - shade, 255 - shade, 250 - shade))
    draw = ImageDraw.Draw(image)
    width, height = size
    for i, y in enumerate(range(20, height - 20, 24)):
        draw.rectangle((20, y, 20 + (i * 53) % (width - 60) + 40, y + 10), fill=(20, 20, 20))
    draw.rectangle((width - 80, 10, width - 10, 60), fill=(200, 0, 0))
    return image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg_with_gps(image: Image.Image | None = None, orientation: int = 6) -> bytes:
    """A JPEG whose EXIF holds a GPS position and an orientation."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 24.0)
    gps[3] = "E"
    gps[4] = (2.0, 21.0, 3.0)
    return encoded(image or receipt(), "JPEG", exif=exif, quality=90)


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A small PNG that claims ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)  # the first rows of zeros
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def mp4() -> bytes:
    """The start of an MP4 video: an ``ftyp`` box of brand ``mp42``."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(256)
