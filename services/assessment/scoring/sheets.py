"""The assessor's score sheet as an Excel workbook: written for offline filling, read back cell by cell.

What is read back becomes a `ScoreSheetsIn` and goes through the same service call as the JSON API,
so an upload is blind, locked on submit and audited exactly as scores entered through the API are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.background import off_the_loop
from services.common.errors import Unprocessable
from services.common.export import TextCells
from services.common.numbers import number_of
from services.common.schemas import REGENCY_CODE_PATTERN
from services.common.tables import workbook_rows

from ..models import Assessor, Invitation, Round, Score
from ..panel.service import assigned_regions
from ..rubric.service import get_rubric
from . import schemas
from .service import Locate

MAX_BYTES = 5_000_000
MAX_ROWS = 40_000  # 200 regions x 200 components, the API's own bounds
SHEET, INFO = "Nilai", "Info"
HEADER = ("Kode wilayah", "Nama wilayah", "Komponen", "Nama komponen", "Skala min", "Skala maks", "Nilai", "Catatan")
COL = {"region_code": "A", "component_key": "C", "value": "G", "comment": "H", "scores": "A"}
CODE = re.compile(REGENCY_CODE_PATTERN)


async def workbook_for(session: AsyncSession, round_: Round, me: Assessor) -> bytes:
    rubric = await get_rubric(session, round_.rubric_id)
    components = [c for c in rubric.components if c.kind == "panel"]
    codes = await assigned_regions(session, round_.id, me.id)
    names = dict((await session.execute(select(Invitation.region_code, Invitation.region_name).where(
        Invitation.round_id == round_.id, Invitation.region_code.in_(codes)))).all())
    saved = {(s.region_code, s.component_key): s for s in (await session.scalars(select(Score).where(
        Score.round_id == round_.id, Score.assessor_id == me.id))).all()}
    out = io.BytesIO()
    # Names, titles and comments are people's text: never a formula or a link (TextCells).
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    text = TextCells(book)
    bold = text.format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    number = book.add_format({"num_format": "0.###"})
    entry = book.add_format({"num_format": "0.###", "bg_color": "#FFF2CC", "locked": False})
    note = text.format({"bg_color": "#FFF2CC", "locked": False, "text_wrap": True})
    sheet = book.add_worksheet(SHEET)
    text.write(sheet, 0, 0, f"Lembar nilai: {round_.title} ({round_.year})", text.format({"bold": True}))
    text.write(sheet, 1, 0, f"Penilai: {me.name} ({me.institution}). Isi kolom Nilai (dan Catatan bila perlu); "
                            "baris tanpa nilai tidak dikirim.")
    for col, name in enumerate(HEADER):
        text.write(sheet, 2, col, name, bold)
    row = 3
    for code in codes:
        for c in components:
            assert c.scale_min is not None and c.scale_max is not None  # the rubric requires a panel scale
            done = saved.get((code, c.key))
            for col, value in enumerate((code, names.get(code, ""), c.key, c.name)):
                text.write(sheet, row, col, value)
            sheet.write_number(row, 4, float(c.scale_min), number)
            sheet.write_number(row, 5, float(c.scale_max), number)
            if done is not None:
                sheet.write_number(row, 6, float(done.value), entry)
            else:
                sheet.write_blank(row, 6, None, entry)
            text.write(sheet, row, 7, done.comment if done and done.comment else "", note)
            sheet.data_validation(row, 6, row, 6, {
                "validate": "decimal", "criteria": "between", "minimum": float(c.scale_min),
                "maximum": float(c.scale_max), "error_message": f"Nilai {c.scale_min}-{c.scale_max}"})
            row += 1
    sheet.freeze_panes(3, 0)
    sheet.autofilter(2, 0, max(row - 1, 3), len(HEADER) - 1)
    for col, width in enumerate((13, 28, 22, 36, 10, 10, 10, 40)):
        sheet.set_column(col, col, width)
    levels = book.add_worksheet("Tingkat")
    for col, name in enumerate(("Komponen", "Nama komponen", "Tingkat", "Deskripsi")):
        text.write(levels, 0, col, name, bold)
    line = 1
    for c in components:
        for level, description in sorted((c.levels or {}).items()):
            for col, value in enumerate((c.key, c.name, str(level), description)):
                text.write(levels, line, col, value)
            line += 1
    levels.set_column(0, 1, 24)
    levels.set_column(3, 3, 80)
    info = book.add_worksheet(INFO)
    info.write_row(0, 0, ("round_id", round_.id))
    info.write_row(1, 0, ("rubric", f"{rubric.code} v{rubric.version}"))
    info.hide()
    book.close()
    return out.getvalue()


def _problem(cell: str, msg: str) -> dict[str, Any]:
    return {"loc": [SHEET, cell], "msg": msg, "type": "value_error"}


def _rows(content: bytes) -> tuple[list[tuple[int, tuple[Any, ...]]], Any]:
    rows, (round_cell,) = workbook_rows(
        content, SHEET, width=len(HEADER), max_rows=MAX_ROWS + 3, cells=((INFO, "B1"),),
        no_sheet=f"The workbook has no sheet named {SHEET!r}; download the sheet and fill that one")
    return rows, round_cell


async def read_workbook(session: AsyncSession, round_: Round, content: bytes, *,
                        submit: bool) -> tuple[schemas.ScoreSheetsIn, Callable[[int], Locate]]:
    """The sheets the workbook fills in, and where each of their fields sits (for errors by cell)."""
    rows, round_cell = await off_the_loop(_rows, content)
    if round_cell is not None and str(round_cell) != str(round_.id):
        raise Unprocessable(f"This workbook is for round {round_cell}, not round {round_.id}",
                            errors=[{"loc": [INFO, "B1"], "msg": "another round", "type": "value_error"}])
    header = next((n for n, values in rows if values[0] == HEADER[0]), None)
    if header is None:
        raise Unprocessable(f"No header row starting with {HEADER[0]!r} in sheet {SHEET!r}")
    errors: list[dict[str, Any]] = []
    by_region: dict[str, list[tuple[int, schemas.ScoreIn]]] = {}
    for n, (code, _name, key, _cname, _lo, _hi, raw, comment, *_rest) in rows:
        if n <= header or raw is None or str(raw).strip() == "":
            continue
        code = str(code or "").strip()
        if not CODE.match(code):
            errors.append(_problem(f"A{n}", "a kabupaten/kota code such as 21.72"))
            continue
        try:  # a number cell as it is; text such as 3,5 as written under Indonesian settings, never guessed
            value = number_of(raw)
        except ValueError as exc:
            errors.append(_problem(f"G{n}", str(exc)))
            continue
        if not value.is_finite() or abs(value) >= 100_000:
            errors.append(_problem(f"G{n}", f"{raw!r} is not a number"))
            continue
        try:
            score = schemas.ScoreIn(component_key=str(key or "").strip(), value=value,
                                    comment=str(comment).strip() or None if comment is not None else None)
        except ValueError as exc:
            errors.append(_problem(f"C{n}", str(exc).splitlines()[-1].strip()))
            continue
        by_region.setdefault(code, []).append((n, score))
    if errors:
        raise Unprocessable(f"{len(errors)} cell(s) cannot be read; nothing was saved", errors=errors)
    if not by_region:
        raise Unprocessable("The sheet has no values in the Nilai column")
    try:
        data = schemas.ScoreSheetsIn(submit=submit, sheets=[
            schemas.RegionSheetIn(region_code=code, scores=[s for _, s in items]) for code, items in by_region.items()])
    except ValueError as exc:
        raise Unprocessable(f"The sheet cannot be read: {str(exc).splitlines()[-1].strip()}") from None
    places = [[n for n, _ in items] for items in by_region.values()]

    def locate(sheet: int) -> Locate:
        def cell(i: int | None, field: str) -> list[str | int]:
            line = places[sheet][i] if i is not None else places[sheet][0]
            return [SHEET, f"{COL.get(field, 'A')}{line}"]
        return cell

    return data, locate
