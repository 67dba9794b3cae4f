"""Regional heads and their terms of office. Works inside the caller's transaction; never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import NotFound, Unprocessable
from services.common.records import audit, emit

from ..exceptions import HeadTermsOverlap
from ..models import HeadTerm, Region, records
from ..registry import schemas as registry_schemas
from ..registry import service as registry_service
from . import schemas


def _check_title(region: Region, title: str) -> None:
    expected = "bupati" if region.type == "kabupaten" else "walikota"
    if not title.endswith(expected):
        raise Unprocessable(f"{region.name} is a {region.type}; its head is a {expected} (or Pj/Plt {expected})",
                            errors=[{"loc": ["body", "title"], "msg": f"expected a {expected} title",
                                     "type": "value_error"}])


async def _refuse_overlap(session: AsyncSession, region_code: str, start: date, end: date | None,
                          ignore_id: int | None = None) -> None:
    far = date(9999, 12, 31)
    clash = await session.scalar(select(HeadTerm).where(
        HeadTerm.region_code == region_code,
        HeadTerm.id != (ignore_id or 0),
        HeadTerm.start_date <= (end or far),
        func.coalesce(HeadTerm.end_date, far) >= start).order_by(HeadTerm.start_date).limit(1))
    if clash is not None:
        until = clash.end_date.isoformat() if clash.end_date else "open-ended"
        raise HeadTermsOverlap(f"Overlaps the term of {clash.head_name} ({clash.start_date.isoformat()} to {until})",
                               extra={"clashing_term_id": clash.id})


def heads(code: str) -> Select[Any]:
    return select(HeadTerm).where(HeadTerm.region_code == code).order_by(HeadTerm.start_date.desc(), HeadTerm.id)


async def get_head(session: AsyncSession, code: str, term_id: int, *, lock: bool = False) -> HeadTerm:
    term = await session.get(HeadTerm, term_id, with_for_update=lock)
    if term is None or term.region_code != code:
        raise NotFound(f"Region {code} has no head term {term_id}")
    return term


async def add_head(session: AsyncSession, code: str, data: schemas.HeadTermIn, actor: Principal) -> HeadTerm:
    region = await registry_service.get_region(session, code)
    if region.level != "regency":
        raise Unprocessable(f"Heads are recorded for kabupaten/kota; {code} is a {region.level}")
    _check_title(region, data.title)
    await _refuse_overlap(session, code, data.start_date, data.end_date)
    term = HeadTerm(region_code=code, created_by=actor.sub, **data.model_dump())
    session.add(term)
    await session.flush()
    out = registry_schemas.HeadTerm.model_validate(term)
    audit(session, records, actor=actor, action="head_term.create", entity="head_term", entity_id=term.id, after=out)
    emit(session, records, "head_term.created", code, out)
    return term


async def update_head(session: AsyncSession, term: HeadTerm, patch: schemas.HeadTermPatch,
                      actor: Principal) -> HeadTerm:
    before = registry_schemas.HeadTerm.model_validate(term)
    changes = patch.model_dump(exclude_unset=True)
    end = changes.get("end_date", term.end_date)
    if end is not None and end < term.start_date:
        raise Unprocessable("end_date is before start_date",
                            errors=[{"loc": ["body", "end_date"], "msg": "before start_date", "type": "value_error"}])
    if "end_date" in changes:
        await _refuse_overlap(session, term.region_code, term.start_date, end, ignore_id=term.id)
    for field, value in changes.items():
        setattr(term, field, value)
    await session.flush()
    audit(session, records, actor=actor, action="head_term.update", entity="head_term", entity_id=term.id,
          before=before, after=registry_schemas.HeadTerm.model_validate(term))
    return term
