"""The streamed workbook: bytes leave before the last row is read, and Excel's reader sees typed cells."""

import asyncio
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl

from services.common.workbook_stream import column, workbook_chunks

PROPERTIES = {"title": "Kode wilayah", "comments": "c", "company": "Kominfo", "licence": "CC BY 4.0",
              "extracted": "2019-03-20T00:00:00+00:00"}


def test_column_names():
    assert [column(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


async def test_the_first_bytes_leave_while_rows_are_still_being_read():
    more = asyncio.Event()

    async def rows():
        for i in range(5000):
            yield (f"{i}", i)
        await more.wait()  # the database has not sent the rest yet
        yield ("last", 5000)

    chunks = workbook_chunks(("code", "n"), rows(), PROPERTIES)
    first = await asyncio.wait_for(anext(chunks), timeout=10)
    assert first.startswith(b"PK\x03\x04")
    more.set()
    body = first + b"".join([c async for c in chunks])
    sheet = openpyxl.load_workbook(io.BytesIO(body))["data"]
    assert sheet.max_row == 5002 and sheet["A5002"].value == "last" and sheet["B5002"].value == 5000


async def test_cells_are_typed_and_text_never_runs():
    moment = datetime(2019, 3, 20, 14, 30, 5, tzinfo=UTC)

    async def rows():
        yield ("21.72", 2019, Decimal("81.302"), True, date(2019, 3, 8), moment, "=HYPERLINK(\"x\")", "a\x00b<&>", None)

    columns = ("code", "year", "total", "selected", "decided_on", "at", "title", "note", "empty")
    body = b"".join([c async for c in workbook_chunks(columns, rows(), PROPERTIES)])
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book["data"]
    assert [c.value for c in sheet[1]] == list(columns) and sheet["A1"].font.b
    code, year, total, selected, decided, at, title, note, empty = sheet[2]
    assert code.value == "21.72" and code.data_type == "s"
    assert year.value == 2019 and total.value == 81.302 and selected.value is True
    assert decided.value == datetime(2019, 3, 8) and decided.is_date
    assert at.value == datetime(2019, 3, 20, 14, 30, 5) and at.is_date
    assert title.value == '=HYPERLINK("x")' and title.data_type == "s" and title.quotePrefix
    assert note.value == "ab<&>" and not note.quotePrefix and empty.value is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:I2"
    assert {r[0].value: r[1].value for r in book["about"].iter_rows()}["rows"] == "1"
    assert book.properties.title == "Kode wilayah"
