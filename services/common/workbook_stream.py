"""An Excel workbook written as it is sent: the sheet's rows go out while the database still reads the next ones,
so the first byte leaves at once however long the table (xlsxwriter and openpyxl write the whole file first).

SpreadsheetML by hand, zipped by stream-zip: inline strings (no shared-string table to hold in memory), typed
numbers, booleans and dates, a bold frozen header with an autofilter, and Excel's quote prefix on text that
begins like a formula, as `export.TextCells` gives workbooks written by xlsxwriter.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from stream_zip import ZIP_32, async_stream_zip

from .numbers import plain

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
EPOCH = datetime(1899, 12, 30)
ROWS_PER_CHUNK = 500
# Characters XML 1.0 cannot carry; a cell's text loses them rather than making the file unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# OWASP "CSV injection": text starting so is run as a formula by a spreadsheet, so it is never written bare.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Styles, by their index in cellXfs below.
HEADER, DAY, MOMENT, QUOTED = 1, 2, 3, 4

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>\
</fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>\
</fill><fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF4"/></patternFill></fill></fills>\
<borders count="2"><border/><border><bottom style="thin"><color auto="1"/></bottom></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="5">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def column(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _text(ref: str, text: str, style: int = 0) -> str:
    if style == 0 and text.startswith(FORMULA_START):
        style = QUOTED  # Excel's own apostrophe: the cell stays text even when edited
    attributes = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{attributes}><is><t xml:space="preserve">' \
           f'{escape(NOT_XML.sub("", text))}</t></is></c>'


def cell(ref: str, value: Any) -> str:
    """Numbers as numbers, dates as dates (UTC for moments), true/false as booleans: typed cells, not text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{plain(value) if isinstance(value, Decimal) else repr(value)}</v></c>'
    if isinstance(value, datetime):
        moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return f'<c r="{ref}" s="{MOMENT}"><v>{(moment - EPOCH).total_seconds() / 86400!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DAY}"><v>{(value - EPOCH.date()).days}</v></c>'
    return _text(ref, str(plain(value)))


def _sheet_head(columns: Sequence[str]) -> str:
    widths = "".join(f'<col min="{i}" max="{i}" width="{max(12, min(48, len(n) + 4))}" customWidth="1"/>'
                     for i, n in enumerate(columns, start=1))
    header = "".join(_text(f"{column(i)}1", name, HEADER) for i, name in enumerate(columns))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData><row r="1">{header}</row>')


class _Sheet:
    """The data sheet's XML as its rows arrive; `rows` is known once it ends (for the filter and the about sheet)."""

    def __init__(self, columns: Sequence[str], rows: AsyncIterator[Sequence[Any]]) -> None:
        self.columns, self.source, self.rows = columns, rows, 0

    @property
    def last(self) -> str:
        return f"{column(len(self.columns) - 1)}{max(self.rows + 1, 2)}"

    async def xml(self) -> AsyncIterator[bytes]:
        yield _sheet_head(self.columns).encode()
        refs = [column(i) for i in range(len(self.columns))]
        batch: list[str] = []
        async for values in self.source:
            self.rows += 1
            r = self.rows + 1
            batch.append(f'<row r="{r}">' + "".join(cell(f"{c}{r}", v) for c, v in zip(refs, values, strict=True))
                         + "</row>")
            if len(batch) >= ROWS_PER_CHUNK:
                yield "".join(batch).encode()
                batch.clear()
        yield ("".join(batch) + f'</sheetData><autoFilter ref="A1:{self.last}"/></worksheet>').encode()


def _about(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(f'<row r="{n}">{_text(f"A{n}", label, HEADER)}{_text(f"B{n}", text)}</row>'
                   for n, (label, text) in enumerate(pairs, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<cols><col min="1" max="1" width="16" customWidth="1"/><col min="2" max="2" width="90" '
            f'customWidth="1"/></cols><sheetData>{rows}</sheetData></worksheet>')


async def _one(content: str) -> AsyncIterator[bytes]:
    yield content.encode()


async def workbook_chunks(columns: Sequence[str], rows: AsyncIterator[Sequence[Any]],
                          properties: dict[str, str]) -> AsyncIterator[bytes]:
    """A workbook with sheet `data` (the rows) and sheet `about` (title, source, licence, extraction time, rows)."""
    sheet = _Sheet(columns, rows)
    now = datetime.now(UTC)
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats'
             '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
             '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application'
             '/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/'
             'sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.'
             'openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType='
             '"application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')
    package = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
               f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>'
               '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
               'metadata/core-properties" Target="docProps/core.xml"/>'
               f'<Relationship Id="rId3" Type="{RELS}/extended-properties" Target="docProps/app.xml"/>'
               '</Relationships>')
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
            'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(properties["title"])}</dc:title><dc:description>{escape(properties["comments"])}'
            f'</dc:description><dc:creator>{escape(properties["company"])}</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now:%Y-%m-%dT%H:%M:%SZ}</dcterms:created>'
            '</cp:coreProperties>')
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats'
           '.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application>'
           f'<Company>{escape(properties["company"])}</Company></Properties>')
    book_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
                 f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{RELS}/worksheet" Target="worksheets/sheet2.xml"/>'
                 f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>')

    async def parts() -> AsyncIterator[tuple[str, datetime, int, Any, AsyncIterator[bytes]]]:
        def part(name: str, chunks: AsyncIterator[bytes]) -> tuple[str, datetime, int, Any, AsyncIterator[bytes]]:
            return name, now, 0o600, ZIP_32, chunks

        for name, content in (("[Content_Types].xml", types), ("_rels/.rels", package),
                              ("docProps/core.xml", core), ("docProps/app.xml", app), ("xl/styles.xml", STYLES),
                              ("xl/_rels/workbook.xml.rels", book_rels)):
            yield part(name, _one(content))
        yield part("xl/worksheets/sheet1.xml", sheet.xml())
        # Written after the rows, which it counts.
        last = sheet.last.translate(str.maketrans("", "", "0123456789"))
        yield part("xl/worksheets/sheet2.xml", _one(_about([
            ("title", properties["title"]), ("source", properties["company"]), ("licence", properties["licence"]),
            ("extracted", properties["extracted"]), ("rows", str(sheet.rows))])))
        yield part("xl/workbook.xml", _one(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{RELS}">'
            '<bookViews><workbookView/></bookViews><sheets><sheet name="data" sheetId="1" r:id="rId1"/>'
            '<sheet name="about" sheetId="2" r:id="rId2"/></sheets><definedNames><definedName '
            f'name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">data!$A$1:${last}${max(sheet.rows + 1, 2)}'
            f'</definedName></definedNames></workbook>'))

    async for chunk in async_stream_zip(parts()):
        yield chunk

