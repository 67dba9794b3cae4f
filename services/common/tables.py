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
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
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


def read_csv(body: bytes, required: set[str]) -> tuple[list[dict[str, Any]], str]:
    """Rows and the delimiter found: whichever of `,` `;` or tab splits the header into the required names."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unprocessable("The CSV is not UTF-8 (save it as 'CSV UTF-8')") from None
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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def read_xlsx(body: bytes, required: set[str]) -> list[dict[str, Any]]:
    """The first sheet: its first row names the columns; numbers and dates arrive typed and are read as text."""
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
            out.append({k: _text(row.get(k)) for k in required})
        return out
    except Unprocessable:
        raise
    except Exception as exc:  # a file that passed the archive check may still be broken XML: the sender's error
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None


def read_table(content_type: str, body: bytes, required: set[str]) -> list[dict[str, Any]]:
    if content_type == XLSX:
        return read_xlsx(body, required)
    return read_csv(body, required)[0]


def number_text(raw: str) -> str:
    """A number as written in Indonesia or elsewhere, in plain notation: `12,5` and `1.234,5` (decimal comma)
    as well as `12.5` and `1,234.5`. With both marks the last one is the decimal separator; a lone comma is
    a decimal comma, as Indonesian spreadsheets write it."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if text.count(",") == 1:
        return text.replace(",", ".")
    return text
