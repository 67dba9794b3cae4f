"""Tables as ministries write them: CSV with commas, semicolons (Excel under Indonesian settings) or tabs, and
Excel workbooks, read into rows of text keyed by column name. Every refusal names the row and column."""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

from .errors import Unprocessable

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
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError) as exc:
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


def read_csv(body: bytes, required: set[str], charset: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Rows and the delimiter found: whichever of `,` `;` or tab splits the header into the required names."""
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
                return [{k: row.get(k) for k in required} for row in reader], delimiter
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


def read_xlsx(body: bytes, required: set[str]) -> list[dict[str, Any]]:
    """The first sheet: its first row names the columns; number cells arrive as numbers, the rest as text."""
    import openpyxl

    safe = workbook(body)
    try:
        book = openpyxl.load_workbook(safe, read_only=True, data_only=True)
        if not book.worksheets:
            raise Unprocessable("The workbook has no sheet")
        rows = book.worksheets[0].iter_rows(values_only=True)
        names = [str(n).strip() if n is not None else "" for n in next(rows, ())]
        if not required.issubset(names):
            raise _missing(required, names)
        out = []
        for values in rows:
            if all(v is None for v in values):
                continue
            row = dict(zip(names, values, strict=False))
            out.append({k: _cell(row.get(k)) for k in required})
        return out
    except Unprocessable:
        raise
    except Exception as exc:  # a file that passed the archive check may still be broken XML: the sender's error
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None


def read_table(content_type: str, body: bytes, required: set[str],
               charset: str | None = None) -> list[dict[str, Any]]:
    if content_type == XLSX:
        return read_xlsx(body, required)
    return read_csv(body, required, charset)[0]
