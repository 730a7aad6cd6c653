"""Duplicate look-ups against many stored expenses, and content checks of large files.

Duplicates: ``--stored`` expenses (default 1,000,000) bulk-inserted with
SQLAlchemy Core into the library's tables (one claim row per expense, one
``rb_expense_keys`` row and one ``rb_file_keys`` row each), on SQLite (a
file) and PostgreSQL (a fresh schema, dropped at the end; ``--skip-pg``
leaves it out). Then, each in its own unit of work, after a warm-up, the
median of ``--lookups`` calls of:

- ``dup_check``: the duplicate check of a new expense,
  ``uow.claims.same_expense(key, tolerance=1.00, days=3)``, for the key of a
  random stored expense (so each finds one);
- ``file_check`` (reported beside it): ``uow.claims.same_file(sha256)``, the
  look-up of a document's twins;
- ``pk_lookup``: the reference, one ``SELECT id, version FROM rb_claims
  WHERE id = ?`` on the unit of work's connection.

Files: a PDF of about 5 MB (``--pdf-pages`` pages of compressed text,
written by pypdf) and a 12-megapixel JPEG (4000 × 3000, Pillow). The
check is ``check_content`` with ``ContentChecks(enabled=True)`` (for the
photo: decoding, the upright copy and thumbnail without EXIF, the
perceptual hash); the floor is the libraries opening and reading the file
alone: ``PdfReader`` and every page's content decoded; ``Image.open`` and
``load()``. Medians of ``--repeat`` interleaved runs.

The issue's targets: ``dup_check`` within 5x of ``pk_lookup`` on each
database, each check at most 2x its floor.

Usage: python benchmarks/documents.py [--stored 1000000] [--lookups 200] [--repeat 5]
       [--skip-pg] [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
The last line printed is one JSON object (the ``*_ms`` figures of the
slower database, and the per-database figures under their own keys).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from reimbursement.adapters import sql
from reimbursement.adapters.sql._schema import CLAIMS, EXPENSE_KEYS, FILE_KEYS
from reimbursement.documents import ContentChecks, check_content
from reimbursement.domain.documents import DocumentRules
from reimbursement.domain.duplicates import ExpenseKey

BATCH = 20_000
START = date(2024, 1, 1)
PROVIDERS = 5_000


def _sha(i: int) -> str:
    return f"{i:064x}"


def _expense(i: int) -> tuple[str, date, int]:
    rng = random.Random(i)
    return f"provider{i % PROVIDERS}", START + timedelta(days=i % 700), rng.randrange(100, 10**8)


def _load(engine: sa.Engine, stored: int) -> None:
    """``stored`` claims, each with one expense key and one file key, in batches."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        for first in range(0, stored, BATCH):
            ids = range(first, min(first + BATCH, stored))
            connection.execute(
                CLAIMS.insert(),
                [
                    {
                        "id": f"c{i}",
                        "number": f"CLM-{i:07d}",
                        "customer_id": f"cust{i % 50_000}",
                        "state": "paid",
                        "version": 9,
                        "format": 1,
                        "body": {},
                        **({"position": i + 1} if sqlite else {}),  # PostgreSQL numbers them
                    }
                    for i in ids
                ],
            )
            keys = []
            for i in ids:
                provider, day, amount = _expense(i)
                keys.append(
                    {
                        "claim_id": f"c{i}",
                        "line_id": "L1",
                        "provider": provider,
                        "currency": "EUR",
                        "incurred_on": day.isoformat(),
                        "amount": amount,
                    }
                )
            connection.execute(EXPENSE_KEYS.insert(), keys)
            connection.execute(
                FILE_KEYS.insert(),
                [
                    {
                        "sha256": _sha(i),
                        "claim_id": f"c{i}",
                        "attachment_id": f"d{i}",
                        "line_id": "L1",
                    }
                    for i in ids
                ],
            )
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()


def _median_ms(calls: list[Callable[[], object]]) -> float:
    for call in calls[:10]:  # warm-up
        call()
    times = []
    for call in calls:
        begin = time.perf_counter()
        call()
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1000


def _lookups(url: str, stored: int, lookups: int) -> dict[str, float]:
    store = sql.create(url)
    rng = random.Random(7)
    picks = [rng.randrange(stored) for _ in range(lookups)]
    pk = sa.select(CLAIMS.c.id, CLAIMS.c.version).where(CLAIMS.c.id == sa.bindparam("id"))

    def dup_check(i: int) -> Callable[[], object]:
        provider, day, amount = _expense(i)
        key = ExpenseKey(provider, "EUR", day, amount)

        def call() -> object:
            with store.unit_of_work() as uow:
                same = uow.claims.same_expense(key, tolerance=Decimal("1.00"), days=3)
                assert same, "each look-up finds its stored expense"
                return same

        return call

    def file_check(i: int) -> Callable[[], object]:
        def call() -> object:
            with store.unit_of_work() as uow:
                found = uow.claims.same_file(_sha(i))
                assert found, "each look-up finds its stored file"
                return found

        return call

    def pk_lookup(i: int) -> Callable[[], object]:
        def call() -> object:
            with store.unit_of_work() as uow, uow.reading("benchmark") as connection:
                return connection.execute(pk, {"id": f"c{i}"}).first()

        return call

    try:
        pk_ms = _median_ms([pk_lookup(i) for i in picks])
        dup_ms = _median_ms([dup_check(i) for i in picks])
        file_ms = _median_ms([file_check(i) for i in picks])
        pk_ms = min(pk_ms, _median_ms([pk_lookup(i) for i in picks]))
    finally:
        store.close()
    return {
        "dup_check_ms": round(dup_ms, 3),
        "pk_lookup_ms": round(pk_ms, 3),
        "file_check_ms": round(file_ms, 3),
    }


@contextmanager
def _pg_schema(base: str) -> Iterator[str]:
    schema = f"rb_bench_{secrets.token_hex(4)}_documents"
    engine = sa.create_engine(base)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()


def _database(url: str, stored: int, lookups: int, name: str) -> dict[str, float]:
    sql.upgrade(url)
    engine = sa.create_engine(url)
    begin = time.perf_counter()
    _load(engine, stored)
    engine.dispose()
    print(f"{name}: {stored:,} expenses loaded in {time.perf_counter() - begin:.1f} s")
    figures = _lookups(url, stored, lookups)
    ratio = figures["dup_check_ms"] / figures["pk_lookup_ms"]
    print(
        f"{name}: dup_check {figures['dup_check_ms']:.3f} ms, pk_lookup "
        f"{figures['pk_lookup_ms']:.3f} ms: {ratio:.2f}x (target: within 5x); "
        f"file_check {figures['file_check_ms']:.3f} ms"
    )
    return figures


def _pdf(pages: int) -> bytes:
    rng = random.Random(3)
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
        text = " ".join(
            f"BT /F1 9 Tf 40 {y} Td ({rng.randrange(10**12)} {rng.random():.6f}) Tj ET"
            for y in range(800, 40, -3)
        )
        noise = rng.randbytes(28_000).hex()
        stream = DecodedStreamObject()
        stream.set_data(f"{text} % {noise}".encode())
        page[NameObject("/Contents")] = writer._add_object(stream)
        page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _jpeg() -> bytes:
    rng = random.Random(5)
    image = Image.frombytes("RGB", (4000, 3000), rng.randbytes(4000 * 3000 * 3))
    image = image.resize((400, 300)).resize((4000, 3000), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _pdf_floor(content: bytes) -> None:
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()


def _jpeg_floor(content: bytes) -> None:
    with Image.open(io.BytesIO(content)) as image:
        image.load()


def _files(repeat: int, pdf_pages: int) -> dict[str, float]:
    rules, checks = DocumentRules(), ContentChecks(enabled=True)
    pdf, jpeg = _pdf(pdf_pages), _jpeg()
    print(
        f"PDF: {len(pdf) / 1e6:.1f} MB, {pdf_pages} pages; JPEG: {len(jpeg) / 1e6:.1f} MB, 12 MP"
    )
    runs: dict[str, list[float]] = {
        k: [] for k in ("pdf_check", "pdf_floor", "jpeg_check", "jpeg_floor")
    }
    work = {
        "pdf_check": lambda: check_content(rules, checks, "big.pdf", pdf),
        "pdf_floor": lambda: _pdf_floor(pdf),
        "jpeg_check": lambda: check_content(rules, checks, "big.jpg", jpeg),
        "jpeg_floor": lambda: _jpeg_floor(jpeg),
    }
    for call in work.values():  # warm-up
        call()
    for _ in range(repeat):  # interleaved rounds
        for name, call in work.items():
            begin = time.perf_counter()
            call()
            runs[name].append(time.perf_counter() - begin)
    figures = {f"{k}_s": round(statistics.median(v), 4) for k, v in runs.items()}
    for kind in ("pdf", "jpeg"):
        ratio = figures[f"{kind}_check_s"] / figures[f"{kind}_floor_s"]
        print(
            f"{kind}: check {figures[f'{kind}_check_s']:.3f} s, floor "
            f"{figures[f'{kind}_floor_s']:.3f} s: {ratio:.2f}x (target: at most 2x)"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pdf-pages", type=int, default=140)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--database", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    result: dict[str, object] = {}
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            result["sqlite"] = _database(url, args.stored, args.lookups, "SQLite")
    if not args.skip_pg:
        with _pg_schema(args.database) as url:
            result["postgresql"] = _database(url, args.stored, args.lookups, "PostgreSQL")
    worst = max(
        (v for v in result.values() if isinstance(v, dict)),
        key=lambda f: f["dup_check_ms"] / f["pk_lookup_ms"],
        default={},
    )
    files = _files(args.repeat, args.pdf_pages)
    print(json.dumps({**worst, **files, **result, "stored": args.stored}))


if __name__ == "__main__":
    main()
