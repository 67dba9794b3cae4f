"""Streamed CSV, JSON and XLSX downloads: rows flow from a server-side cursor to the client, never all in
memory, and the first byte leaves before the last row is read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from .examples import example_of
from .numbers import DecimalMark, plain
from .workbook_stream import FORMULA_START, workbook_chunks

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


@dataclass(frozen=True)
class Export:
    """How a download is written: its format and, for CSV, the decimal mark (which also settles the dialect)."""

    format: ExportFormat
    decimal: DecimalMark


async def export_options(
    format: ExportFormat = ExportFormat.csv,
    decimal: Annotated[DecimalMark, Query(
        description="CSV only. `point`: comma-separated, decimal point, UTF-8, LF, for scripts. `comma`: the CSV "
                    "Excel under Indonesian settings opens with a double click: semicolon-separated, decimal "
                    "comma, UTF-8 with BOM, CRLF, times as `yyyy-mm-dd hh:mm:ss` (UTC).")] = DecimalMark.point,
) -> Export:
    return Export(format, decimal)


ExportDep = Annotated[Export, Depends(export_options)]


def neutral(text: str) -> str:
    """Text as a CSV cell no spreadsheet runs: a leading apostrophe before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_START) else text


class TextCells:
    """Text into an xlsxwriter sheet that can never run: always a string cell, and one starting like a formula
    carries Excel's quote prefix (the apostrophe Excel itself adds), so editing it keeps it text."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.properties: dict[int, dict[str, Any]] = {}
        self.quoted: dict[int | None, Any] = {}

    def format(self, properties: dict[str, Any]) -> Any:
        made = self.book.add_format(properties)
        self.properties[id(made)] = properties
        return made

    def write(self, sheet: Any, row: int, col: int, text: str, fmt: Any = None) -> None:
        if text.startswith(FORMULA_START):
            key = None if fmt is None else id(fmt)
            if key not in self.quoted:
                self.quoted[key] = self.book.add_format({**self.properties.get(key or 0, {}), "quote_prefix": True})
            fmt = self.quoted[key]
        sheet.write_string(row, col, text, fmt)


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
    sample = example_of(item, {})
    lines = io.StringIO()
    csv.writer(lines, lineterminator="\n").writerows([list(sample), [_csv_cell(v, DecimalMark.point)
                                                                      for v in sample.values()]])
    return {
        MEDIA_TYPES[ExportFormat.csv]: {"example": lines.getvalue(), "schema": {
            "type": "string", "description": f"A header row, then one row per item; columns: {columns}. "
                                             "Text beginning with = + - @, tab or CR is written after an "
                                             "apostrophe, so no spreadsheet runs it as a formula."}},
        MEDIA_TYPES[ExportFormat.xlsx]: {"schema": {
            "type": "string", "format": "binary",
            "description": f"Sheet `data` with the columns {columns}; sheet `about` with title, source, licence, "
                           "extraction time and the number of rows. Cells are typed (numbers, dates, "
                           "booleans); text that begins like a formula carries Excel's quote prefix."}},
        MEDIA_TYPES[ExportFormat.json]: {"example": {"title": "Kode wilayah", "licence": "CC BY 4.0",
                                                      "extracted_at": "2026-11-30T09:00:00+00:00", "items": [sample]},
                                          "schema": {
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


def _json_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(plain(value))


async def _json_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]],
                       meta: dict[str, str]) -> AsyncIterator[bytes]:
    yield (json.dumps(meta, ensure_ascii=False)[:-1] + ', "items": [').encode()
    first = True
    async for row in rows:
        item = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=_json_value)
        yield (item if first else "," + item).encode()
        first = False
    yield b"]}"


def _csv_cell(value: Any, decimal: DecimalMark) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutral(value)
    if decimal is DecimalMark.comma:
        if isinstance(value, Decimal | float):
            return str(plain(value)).replace(".", ",")
        if isinstance(value, datetime):
            return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S")
    return value.isoformat() if isinstance(value, date) else plain(value)


async def _csv_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]],
                      decimal: DecimalMark) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    excel = decimal is DecimalMark.comma
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    if excel:
        buffer.write("\ufeff")  # the BOM tells Excel the file is UTF-8
    writer.writerow(columns)
    pending = 0
    async for row in rows:
        writer.writerow([_csv_cell(v, decimal) for v in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


def export_response(export: Export, filename: str, columns: Sequence[str],
                    rows: AsyncIterator[Sequence[Any]], *, title: str, licence: str,
                    public_for: int | None = None) -> StreamingResponse:
    """`public_for`: open data, the same for everyone, which any cache may keep that many seconds."""
    fmt = export.format
    extracted = datetime.now(UTC).isoformat(timespec="seconds")
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt.value}"',
               "X-Extracted-At": extracted, "X-Licence": licence}
    if public_for:
        headers["Cache-Control"] = f"public, max-age={public_for}"
    if fmt == ExportFormat.csv:
        body = _csv_chunks(columns, rows, export.decimal)
    elif fmt == ExportFormat.json:
        body = _json_chunks(columns, rows, {"title": title, "licence": licence, "extracted_at": extracted})
    else:
        body = workbook_chunks(columns, rows, {
            "title": title, "comments": f"Licence: {licence}. Extracted {extracted}.",
            "company": "Kementerian Komunikasi dan Informatika", "licence": licence, "extracted": extracted})
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)
