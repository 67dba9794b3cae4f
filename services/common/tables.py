"""Tables as ministries write them: CSV with commas, semicolons (Excel under Indonesian settings) or tabs, and
Excel workbooks, read into rows of text keyed by column name. Every refusal names the row and column."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .errors import Unprocessable

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_TYPES = ("text/csv", XLSX)


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
    header = text.split("\n", 1)[0]
    for delimiter in (",", ";", "\t"):
        names = [n.strip() for n in next(csv.reader([header], delimiter=delimiter), [])]
        if required.issubset(names):
            reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
            reader.fieldnames = [n.strip() for n in reader.fieldnames or []]
            return [{k: row.get(k) for k in required} for row in reader], delimiter
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
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise Unprocessable(f"The workbook cannot be read ({type(exc).__name__})") from None
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
