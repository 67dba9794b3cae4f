"""Tables as ministries write them: CSV with commas, semicolons (Excel under Indonesian settings) or tabs, and
Excel workbooks, read into rows of text keyed by column name. Every refusal names the row and column."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from fastapi import Request

from .background import off_the_loop
from .errors import Unprocessable, UnsupportedMediaType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_TYPES = ("text/csv", XLSX)
# A workbook is a zip of XML parts, checked before anything is inflated: at most this much once inflated,
# this many parts, and no part inflating more than RATIO times (a 1 MB file that unpacks to 1 GB is refused).
MAX_INFLATED, MAX_PARTS, RATIO = 100 * 1024 * 1024, 1_000, 100
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def workbook(body: bytes) -> io.BytesIO:
    """The bytes of a workbook a reader may open: not a zip bomb, and no XML part declaring a DTD (the
    entity expansions of billion laughs and the external entities of XXE need one; Excel never writes one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:  # a zip version we lack
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None
    if len(parts) > MAX_PARTS:
        raise Unprocessable(f"The workbook has {len(parts)} parts; at most {MAX_PARTS}")
    if sum(p.file_size for p in parts) > MAX_INFLATED:
        raise Unprocessable(f"The workbook unpacks to more than {MAX_INFLATED // 2**20} MB")
    for part in parts:
        if part.file_size > 2**20 and part.file_size > RATIO * max(part.compress_size, 1):
            raise Unprocessable(f"The workbook's part {part.filename} is compressed {RATIO} times or more")
        try:
            with archive.open(part) as stream:
                tail = b""
                while chunk := stream.read(1 << 16):
                    if DTD.search(tail + chunk):
                        raise Unprocessable(f"The workbook's part {part.filename} declares a DTD; Excel never writes "
                                            "one, so it is refused")
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError,
                RuntimeError) as exc:  # RuntimeError: an encrypted part
            raise Unprocessable(f"The workbook's part {part.filename} cannot be read ({type(exc).__name__})") from None
    return io.BytesIO(body)


def _missing(required: set[str], found: list[str] | None) -> Unprocessable:
    return Unprocessable(f"The header must name {', '.join(sorted(required))}", errors=[
        {"loc": ["body", "header"], "msg": f"missing columns: {', '.join(sorted(required - set(found or [])))}",
         "type": "value_error"}])


# Charsets a CSV may declare (`text/csv; charset=...`). ISO-8859-1 is read as Windows-1252, as browsers do: Excel's
# "CSV (Comma delimited)" on an Indonesian Windows writes Windows-1252 and some tools label it Latin-1.
CHARSETS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "windows-1252": "cp1252", "cp1252": "cp1252",
            "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8-sig", "utf-16": "utf-16"}


def media_type(header: str) -> tuple[str, str | None]:
    """A Content-Type's type and charset, parameters quoted or not (`text/csv; charset="windows-1252"`)."""
    message = EmailMessage()
    message["content-type"] = header or "application/octet-stream"
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


def _where(text: str, at: int) -> tuple[int, int]:
    """Line and column (from 1) of a character offset."""
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


def decoded(body: bytes, charset: str | None) -> str:
    """The text of a CSV, by a stated rule: the charset the request declares; else a byte order mark (UTF-8, or
    UTF-16 as Excel's "Unicode Text" writes); else UTF-8. Never guessed from the bytes' look."""
    if charset is not None and charset.lower() not in CHARSETS:
        raise Unprocessable(f"charset={charset} is not read; declare one of {', '.join(sorted(CHARSETS))}")
    codec = CHARSETS[charset.lower()] if charset else "utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff") \
        else "utf-8-sig"
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        prefix = body[:exc.start].decode(codec, "replace")
        line, column = _where(prefix, len(prefix))
        errors = [{"loc": ["row", line, "column", column], "msg": f"not {exc.encoding}", "type": "encoding_error"}]
        if charset:
            raise Unprocessable(f"Byte 0x{body[exc.start]:02x} at line {line}, column {column} is not "
                                f"{exc.encoding}", errors=errors) from None
        raise Unprocessable(f"Byte 0x{body[exc.start]:02x} at line {line}, column {column} is not {exc.encoding}; "
                            "if Excel saved it as 'CSV (Comma delimited)', declare charset=windows-1252",
                            errors=errors) from None
    if (nul := text.find("\0")) >= 0:
        line, column = _where(text, nul)
        raise Unprocessable(f"A NUL character at line {line}, column {column}: a CSV is text", errors=[
            {"loc": ["row", line, "column", column], "msg": "NUL character", "type": "value_error"}])
    return text


def read_csv(body: bytes, required: set[str], charset: str | None = None) -> list[dict[str, Any]]:
    """Rows, split by whichever of `,` `;` or tab splits the header into the required names."""
    text = decoded(body, charset)
    header = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    for delimiter in (",", ";", "\t"):
        try:
            names = [n.strip() for n in next(csv.reader([header], delimiter=delimiter), [])]
        except csv.Error:
            continue
        if required.issubset(names):
            reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                reader.fieldnames = [n.strip() for n in reader.fieldnames or []]
                return [{k: row.get(k) for k in required} for row in reader]
            except csv.Error as exc:  # an unbalanced quote, a NUL byte, a field over the limit
                raise Unprocessable(f"The CSV cannot be read at line {reader.line_num}: {exc}", errors=[
                    {"loc": ["row", reader.line_num], "msg": str(exc), "type": "value_error"}]) from None
    raise _missing(required, [n.strip() for n in re.split(r"[,;\t]", header)])


def _cell(value: Any) -> Any:
    """A workbook cell as its type says: numbers stay numbers (no decimal convention to settle), dates as ISO text."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, int):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


MAX_SHEET_ROWS = 200_000  # read while streaming: a sheet with a million rows is refused at row 200,001


def workbook_rows(body: bytes, sheet: str | None = None, *, width: int | None = None,
                  max_rows: int = MAX_SHEET_ROWS, no_sheet: str = "The workbook has no sheet",
                  cells: tuple[tuple[str, str], ...] = ()) -> tuple[list[tuple[int, tuple[Any, ...]]], list[Any]]:
    """The one reader of Excel workbooks: after the archive check (`workbook`), the rows of `sheet` (the first
    without one) with their numbers from 1, at most `width` columns each (padded with None), and the values of
    `cells` ((sheet, "B1") ...; None where absent). Anything the file makes fail is the sender's 422."""
    import openpyxl

    safe = workbook(body)
    try:
        book = openpyxl.load_workbook(safe, read_only=True, data_only=True)
    except Exception as exc:  # any byte sequence may arrive; a broken one is the sender's error, never ours
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None
    try:
        if (sheet is None and not book.worksheets) or (sheet is not None and sheet not in book.sheetnames):
            raise Unprocessable(no_sheet)
        values = [book[name][ref].value if name in book.sheetnames else None for name, ref in cells]
        rows = []
        source = book.worksheets[0] if sheet is None else book[sheet]
        for n, row in enumerate(source.iter_rows(max_col=width, values_only=True), start=1):
            if n > max_rows + 1:
                raise Unprocessable(f"A sheet has at most {max_rows} rows")
            rows.append((n, tuple(row) + (None,) * ((width or 0) - len(row))))
        return rows, values
    except Unprocessable:
        raise
    except Exception as exc:  # a file that passed the archive check may still be broken XML: the sender's error
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None
    finally:
        book.close()


def read_xlsx(body: bytes, required: set[str]) -> list[dict[str, Any]]:
    """The first sheet: its first row names the columns; number cells arrive as numbers, the rest as text."""
    rows, _ = workbook_rows(body)
    names = [str(n).strip() if n is not None else "" for n in (rows[0][1] if rows else ())]
    if not required.issubset(names):
        raise _missing(required, names)
    return [{k: _cell(row.get(k)) for k in required} for row in
            (dict(zip(names, values, strict=False)) for _, values in rows[1:] if any(v is not None for v in values))]


async def request_rows(request: Request, required: set[str]) -> list[dict[str, Any]]:
    """The rows of a request body: a JSON array of objects, CSV or a workbook, by its Content-Type."""
    content_type, charset = media_type(request.headers.get("content-type", ""))
    body = await request.body()
    if content_type in TABLE_TYPES:
        return await off_the_loop(read_table, content_type, body, required, charset)
    if content_type != "application/json":
        raise UnsupportedMediaType(f"Send application/json, text/csv or {XLSX}")
    try:
        parsed = await off_the_loop(json.loads, body)
    except ValueError:
        raise Unprocessable("The body is not valid JSON") from None
    if not isinstance(parsed, list) or not all(isinstance(r, dict) for r in parsed):
        raise Unprocessable(f"Send a JSON array of objects with {', '.join(sorted(required))}")
    return parsed


def read_table(content_type: str, body: bytes, required: set[str],
               charset: str | None = None) -> list[dict[str, Any]]:
    if content_type == XLSX:
        return read_xlsx(body, required)
    return read_csv(body, required, charset)
