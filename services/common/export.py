"""Streamed CSV and XLSX downloads: rows flow from a server-side cursor, never all in memory."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

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
def columns_of(row: type[BaseModel]) -> tuple[str, ...]:
    """An export's columns, in order: the fields of its row model, the one place they are written."""
    return tuple(row.model_fields)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A row's schema with its enums written in place: it stands in a `content`, outside the components."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        return [resolve(v) for v in node] if isinstance(node, list) else node

    inlined: dict[str, Any] = resolve(schema)
    return inlined


def export_content(row: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `content` of an export: the JSON rows as a schema, and the same columns in the CSV and XLSX."""
    columns = ", ".join(columns_of(row))
    item = _inlined(row.model_json_schema())
    return {
        MEDIA_TYPES[ExportFormat.csv]: {"schema": {
            "type": "string", "description": f"A header row, then one row per item; columns: {columns}"}},
        MEDIA_TYPES[ExportFormat.xlsx]: {"schema": {
            "type": "string", "format": "binary",
            "description": f"Sheet `data` with the columns {columns}; sheet `about` with title, source, licence, "
                           "extraction time and the number of rows"}},
        MEDIA_TYPES[ExportFormat.json]: {"schema": {
            "type": "object", "required": ["title", "licence", "extracted_at", "items"],
            "properties": {"title": {"type": "string"}, "licence": {"type": "string"},
                           "extracted_at": {"type": "string", "format": "date-time"},
                           "items": {"type": "array", "items": item}}}},
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
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False,
                                          "remove_timezone": True})
        book.set_properties({k: properties[k] for k in ("title", "comments", "company")})
        header = book.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
        formats = {"date": book.add_format({"num_format": "yyyy-mm-dd"}),
                   "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}
        sheet = book.add_worksheet("data")
        for i, name in enumerate(columns):
            sheet.set_column(i, i, max(12, min(48, len(name) + 4)))
        sheet.write_row(0, 0, list(columns), header)
        sheet.freeze_panes(1, 0)
        n = 1
        async for row in rows:
            for i, value in enumerate(row):
                _write_cell(sheet, n, i, value, formats)
            n += 1
        sheet.autofilter(0, 0, max(n - 1, 1), len(columns) - 1)
        about = book.add_worksheet("about")
        about.set_column(0, 0, 16)
        about.set_column(1, 1, 90)
        for i, (label, text) in enumerate((("title", properties["title"]), ("source", properties["company"]),
                                           ("licence", properties["licence"]), ("extracted", properties["extracted"]),
                                           ("rows", str(n - 1)))):
            about.write_string(i, 0, label, header)
            about.write_string(i, 1, text)
        await anyio.to_thread.run_sync(book.close)
        async with await anyio.open_file(path, "rb") as f:
            while chunk := await f.read(64 * 1024):
                yield chunk
    finally:
        os.unlink(path)


def _write_cell(sheet: Any, row: int, col: int, value: Any, formats: dict[str, Any]) -> None:
    """Numbers as numbers, dates as dates (UTC for moments), true/false as booleans: typed cells, not text."""
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.astimezone(UTC) if value.tzinfo else value, formats["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, formats["date"])
    else:
        sheet.write_string(row, col, str(plain(value)))


def export_response(fmt: ExportFormat, filename: str, columns: Sequence[str],
                    rows: AsyncIterator[Sequence[Any]], *, title: str, licence: str,
                    public_for: int | None = None) -> StreamingResponse:
    """`public_for`: open data, the same for everyone, which any cache may keep that many seconds."""
    extracted = datetime.now(UTC).isoformat(timespec="seconds")
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"',
               "X-Extracted-At": extracted, "X-Licence": licence}
    if public_for:
        headers["Cache-Control"] = f"public, max-age={public_for}"
    if fmt == ExportFormat.csv:
        body = _csv_chunks(columns, rows)
    elif fmt == ExportFormat.json:
        body = _json_chunks(columns, rows, {"title": title, "licence": licence, "extracted_at": extracted})
    else:
        body = _xlsx_chunks(columns, rows, {"title": title, "comments": f"Licence: {licence}. Extracted {extracted}.",
                                            "company": "Kementerian Komunikasi dan Informatika",
                                            "licence": licence, "extracted": extracted})
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)
