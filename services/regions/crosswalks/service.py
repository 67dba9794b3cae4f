"""Crosswalks from other codings (BPS) to Kemendagri codes, as the operator loads them, and their use.

A code is mapped only through a loaded crosswalk: BPS 9171 is not Kemendagri 91.71, so nothing is ever
joined by look-alike digits. Works inside the caller's transaction; never commits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, any_, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.db import text_array
from services.common.errors import NotFound, Unprocessable
from services.common.records import audit

from ..history import service as history
from ..models import CrosswalkEntry, records
from . import schemas

EXTERNAL_CODE = re.compile(r"^[0-9A-Za-z.]{1,20}$")
KEMENDAGRI_CODE = re.compile(r"^\d{2}(\.\d{2})?$")


def last_day(year: int) -> date:
    """The day codes "of a year" are read on: the list in force at its end."""
    return date(year, 12, 31)


async def replace(session: AsyncSession, coding: schemas.ExternalCoding, year: int, rows: list[dict[str, Any]],
                  source: str, actor: Principal) -> schemas.Crosswalk:
    """The year's crosswalk replaced by these rows, all or nothing; each Kemendagri code must name a region."""
    if not rows:
        raise Unprocessable("The file has no rows")
    if len(rows) > schemas.MAX_ROWS:
        raise Unprocessable(f"At most {schemas.MAX_ROWS:,} rows per request")
    # Each row read once: (external code, Kemendagri code, name), stripped.
    cells = [(str(r.get("external_code") or "").strip(), str(r.get("kemendagri_code") or "").strip(),
              str(r.get("name") or "").strip() or None) for r in rows]
    today = await history.resolve_many(session, [code for _, code, _ in cells], last_day(year))
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def bad(n: int, field: str, msg: str) -> None:
        errors.append({"loc": ["row", n, field], "msg": msg, "type": "row_error"})

    for n, (external, code, _) in enumerate(cells, start=1):
        if not EXTERNAL_CODE.match(external):
            bad(n, "external_code", f"'{external}' is not a code")
        elif external in seen:
            bad(n, "external_code", f"same code as row {seen[external]}")
        seen.setdefault(external, n)
        if not KEMENDAGRI_CODE.match(code):
            bad(n, "kemendagri_code", f"'{code}' is not a province or kabupaten/kota code")
        elif code not in today:
            bad(n, "kemendagri_code", f"'{code}' never named a region")
    if errors:
        raise Unprocessable(f"{len({e['loc'][1] for e in errors})} of {len(rows)} rows are invalid; nothing was "
                            "written", errors=errors)
    await session.execute(delete(CrosswalkEntry).where(CrosswalkEntry.coding == coding.value,
                                                       CrosswalkEntry.year == year))
    await session.execute(insert(CrosswalkEntry), [
        {"coding": coding.value, "year": year, "external_code": external, "kemendagri_code": code,
         "region_code": today[code], "name": name, "source": source, "loaded_by": actor.sub}
        for external, code, name in cells])
    loaded = await summary(session, coding, year)
    audit(session, records, actor=actor, action="crosswalk.replace", entity="crosswalk",
          entity_id=f"{coding.value}:{year}", after=loaded)
    return loaded


SUMMARY = (select(CrosswalkEntry.coding, CrosswalkEntry.year, func.count().label("entries"),
                  func.min(CrosswalkEntry.source).label("source"),
                  func.min(CrosswalkEntry.loaded_by).label("loaded_by"),
                  func.max(CrosswalkEntry.loaded_at).label("loaded_at"))
           .group_by(CrosswalkEntry.coding, CrosswalkEntry.year))


async def summaries(session: AsyncSession) -> list[schemas.Crosswalk]:
    rows = (await session.execute(SUMMARY.order_by(CrosswalkEntry.coding, CrosswalkEntry.year))).all()
    return [schemas.Crosswalk.model_validate(r._asdict()) for r in rows]


async def summary(session: AsyncSession, coding: schemas.ExternalCoding, year: int) -> schemas.Crosswalk:
    row = (await session.execute(SUMMARY.where(CrosswalkEntry.coding == coding.value,
                                               CrosswalkEntry.year == year))).first()
    if row is None:
        raise NotFound(f"No {coding.value} crosswalk is loaded for {year}")
    return schemas.Crosswalk.model_validate(row._asdict())


def entries(coding: schemas.ExternalCoding, year: int) -> Select[Any]:
    return (select(CrosswalkEntry).where(CrosswalkEntry.coding == coding.value, CrosswalkEntry.year == year)
            .order_by(CrosswalkEntry.external_code))


async def today_codes(session: AsyncSession, coding: schemas.Coding, year: int | None,
                      codes: Sequence[str]) -> dict[str, str]:
    """code (as a file wrote it) -> today's Kemendagri code, for the codes the coding knows: today's list
    without a year; that year's list (former codes too) for Kemendagri with a year; the loaded crosswalk for BPS."""
    if coding == schemas.Coding.bps:
        assert year is not None
        await summary(session, schemas.ExternalCoding.bps, year)  # 404 when none is loaded
        rows = (await session.execute(select(CrosswalkEntry.external_code, CrosswalkEntry.region_code).where(
            CrosswalkEntry.coding == coding.value, CrosswalkEntry.year == year,
            CrosswalkEntry.external_code == any_(text_array(list(codes)))))).all()
        return {external: today for external, today in rows}
    if year is None:
        return await history.current(session, codes)
    return await history.resolve_many(session, codes, last_day(year))
