"""Streamed CSV and XLSX downloads: rows flow from a server-side cursor, never all in memory."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse

from .numbers import plain

CHUNK_ROWS = 2000


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.json: "application/json",
}
EXPORT_CONTENT = {
    MEDIA_TYPES[ExportFormat.csv]: {"schema": {"type": "string"}},
    MEDIA_TYPES[ExportFormat.xlsx]: {"schema": {"type": "string", "format": "binary"}},
    MEDIA_TYPES[ExportFormat.json]: {"schema": {"type": "object", "required": ["licence", "extracted_at", "items"],
                                                "properties": {"items": {"type": "array"}}}},
}


async def stream_rows(request: Request, stmt: Any, shape: Any) -> AsyncIterator[Sequence[Any]]:
    """Rows from a server-side cursor on a session of its own (the request's has committed)."""
    async with request.app.state.sessionmaker() as session, session.begin():
        result = await session.stream(stmt.execution_options(yield_per=2000))
        async for row in result:
            yield shape(row)


async def _json_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]],
                       meta: dict[str, str]) -> AsyncIterator[bytes]:
    yield (json.dumps(meta, ensure_ascii=False)[:-1] + ', "items": [').encode()
    first = True
    async for row in rows:
        item = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=lambda v: str(plain(v)))
        yield (item if first else "," + item).encode()
        first = False
    yield b"]}"


async def _csv_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    pending = 0
    async for row in rows:
        writer.writerow(["" if v is None else plain(v) for v in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


async def _xlsx_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]],
                       properties: dict[str, str]) -> AsyncIterator[bytes]:
    import xlsxwriter

    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        # constant_memory writes each row to disk as it comes, so big sheets stay small in memory.
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        book.set_properties(properties)
        sheet = book.add_worksheet("data")
        sheet.write_row(0, 0, list(columns))
        n = 1
        async for row in rows:
            sheet.write_row(n, 0, ["" if v is None else (str(plain(v)) if not isinstance(v, int | float) else v)
                                   for v in row])
            n += 1
        await anyio.to_thread.run_sync(book.close)
        async with await anyio.open_file(path, "rb") as f:
            while chunk := await f.read(64 * 1024):
                yield chunk
    finally:
        os.unlink(path)


def export_response(fmt: ExportFormat, filename: str, columns: Sequence[str],
                    rows: AsyncIterator[Sequence[Any]], *, title: str, licence: str) -> StreamingResponse:
    extracted = datetime.now(UTC).isoformat(timespec="seconds")
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"',
               "X-Extracted-At": extracted, "X-Licence": licence}
    if fmt == ExportFormat.csv:
        body = _csv_chunks(columns, rows)
    elif fmt == ExportFormat.json:
        body = _json_chunks(columns, rows, {"title": title, "licence": licence, "extracted_at": extracted})
    else:
        body = _xlsx_chunks(columns, rows, {"title": title, "comments": f"Licence: {licence}. Extracted {extracted}.",
                                            "company": "Kementerian Komunikasi dan Informatika"})
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)
