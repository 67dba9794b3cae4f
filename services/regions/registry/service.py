"""The region tree: codes, names, levels, search, lookup and export.

Works inside the caller's transaction; never commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Select, String, bindparam, case, func, or_, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.common.db import DriverStatement, Source
from services.common.errors import NotFound, Unprocessable
from services.common.export import columns_of
from services.common.pagination import Page, PageParams

from ..history import service as history
from ..history.schemas import CodeChange
from ..models import CodeChange as ChangeRow
from ..models import HeadTerm, Region
from . import schemas

REGION_FIELDS = tuple(f for f in schemas.Region.model_fields if f != "resolved_from")
HEAD_FIELDS = ("id", "region_code", "head_name", "title", "deputy_name", "start_date", "end_date", "end_reason",
               "revision", "created_at")
LEVEL_ORDER = case({"province": 0, "regency": 1, "district": 2, "village": 3}, value=Region.level)


def fold(text: str) -> str:
    """Python twin of regions.fold_name, used only to refuse searches that fold to nothing."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)).lower())


def region_filters(*, level: str | None = None, parent: str | None = None, province: str | None = None,
                   type_: str | None = None, island_group: str | None = None) -> list[Any]:
    conditions: list[Any] = []
    if level:
        conditions.append(Region.level == level)
    if parent:
        conditions.append(Region.parent_code == parent)
    if province:
        conditions.append(Region.province_code == province)
    if type_:
        conditions.append(Region.type == type_)
    if island_group:
        conditions.append(Region.island_group == island_group)
    return conditions


def _search(columns: Sequence[Any], q: Any, conditions: list[Any], sort: schemas.RegionSort) -> Select[Any]:
    """Regions matching the filters and a name search (`q`: the text, or a bind parameter for it), in `sort`
    order, each row with the total of matches (a window count, saving a second pass over them)."""
    stmt: Select[Any] = select(*columns, func.count().over().label("total")).where(*conditions)
    order: list[Any] = []
    if q is not None:
        # Folded once per query (an InitPlan): inline, a prepared statement's generic plan folds it again for every
        # candidate row in each of the four places it is used (2 ms instead of 11 for "tanjung", 89 instead of 620
        # for "a").
        key = select(func.regions.fold_name(q)).scalar_subquery()
        stmt = stmt.where(Region.search_full.contains(key))
        # Exact names first, then names that start with the text, then any containing it.
        rank = case((or_(Region.search_key == key, Region.search_full == key), 0),
                    (Region.search_key.startswith(key), 1), (Region.search_full.startswith(key), 2), else_=3)
        if sort == schemas.RegionSort.relevance:
            order = [rank, LEVEL_ORDER, func.length(Region.search_key), Region.code]
    if not order:
        orders: dict[schemas.RegionSort, list[Any]] = {
            schemas.RegionSort.relevance: [Region.code],
            schemas.RegionSort.code: [Region.code],
            schemas.RegionSort.code_desc: [Region.code.desc()],
            schemas.RegionSort.name: [Region.name, Region.code],
            schemas.RegionSort.name_desc: [Region.name.desc(), Region.code],
        }
        order = orders[sort]
    return stmt.order_by(*order)


def _searchable(q: str) -> None:
    if not fold(q):
        raise Unprocessable("Search text needs at least one letter or digit",
                            errors=[{"loc": ["query", "q"], "msg": "no letters or digits", "type": "value_error"}])


async def search_regions(session: AsyncSession, *, q: str | None, conditions: list[Any],
                         sort: schemas.RegionSort, page: PageParams) -> tuple[Sequence[Region], int]:
    if q is not None:
        _searchable(q)
    stmt = _search([Region], q, conditions, sort)
    result = (await session.execute(stmt.limit(page.limit).offset(page.offset))).all()
    if result:
        return [row[0] for row in result], int(result[0].total)
    if page.offset == 0:
        return [], 0
    # Past the last match a page carries no total: the matches are counted on their own.
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return [], int(total or 0)


# The name search partners and forms type into, by relevance, compiled once and run by the driver.
NAME_SEARCH = DriverStatement(_search([getattr(Region, f) for f in REGION_FIELDS], bindparam("q", type_=String), [],
                                      schemas.RegionSort.relevance)
                              .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


async def name_search(source: Source, q: str, page: PageParams) -> Page[schemas.Region] | None:
    """A page of the name search by relevance, with no other filter; None for a page past the last match."""
    _searchable(q)
    rows = await NAME_SEARCH.fetch(source, q=q, limit=page.limit, offset=page.offset)
    if not rows and page.offset:
        return None
    return Page(items=[schemas.Region.model_validate(dict(zip(REGION_FIELDS, r, strict=False))) for r in rows],
                total=rows[0][-1] if rows else 0, limit=page.limit, offset=page.offset)


async def search_by_code(session: AsyncSession, code: str, conditions: list[Any], sort: schemas.RegionSort,
                         page: PageParams) -> tuple[list[schemas.Region], int]:
    """A search whose text is a code, perhaps a former one: its region today, saying which code led to it."""
    today = await history.resolve(session, code)
    rows, total = await search_regions(session, q=None, conditions=[*conditions, Region.code == (today or code)],
                                       sort=sort, page=page)
    return [schemas.Region.model_validate(r).model_copy(update={"resolved_from": code if r.code != code else None})
            for r in rows], total


async def get_region(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise NotFound(f"Region {code} is not in the registry")
    return region


async def region_today(session: AsyncSession, code: str) -> Region:
    """The region a code names today: itself, or the region a former code led to."""
    region = await session.get(Region, code)
    if region is None:
        today = await history.resolve(session, code)
        region = await session.get(Region, today) if today else None
    if region is None:
        raise NotFound(f"Region {code} is not in the registry")
    return region



def _detail_statement() -> Select[Any]:
    parent = aliased(Region)
    code, today = bindparam("code", type_=String), bindparam("today", type_=Date)
    children = select(func.count()).where(Region.parent_code == code).scalar_subquery()
    head_id = (select(HeadTerm.id).where(
        HeadTerm.region_code == code, HeadTerm.start_date <= today,
        or_(HeadTerm.end_date.is_(None), HeadTerm.end_date >= today))
        .order_by(HeadTerm.start_date.desc()).limit(1).scalar_subquery())
    # The acts that changed it, as JSON in the same round trip (most regions: none).
    change = func.jsonb_build_object(*(x for c in CHANGE_FIELDS for x in (c, getattr(ChangeRow, c))))
    changes = (select(func.coalesce(func.jsonb_agg(aggregate_order_by(change, ChangeRow.effective_on,
                                                                      ChangeRow.id)), text("'[]'::jsonb")))
               .where(ChangeRow.region_code == code).scalar_subquery())
    return (select(*(getattr(Region, f) for f in REGION_FIELDS), *(getattr(parent, f) for f in REGION_FIELDS),
                   children, *(getattr(HeadTerm, f) for f in HEAD_FIELDS), changes)
            .outerjoin(parent, parent.code == Region.parent_code)
            .outerjoin(HeadTerm, HeadTerm.id == head_id)
            .where(Region.code == code))


CHANGE_FIELDS = tuple(CodeChange.model_fields)
# Compiled once and run by the driver: every region page and every partner's lookup of a code comes here.
DETAIL = DriverStatement(_detail_statement())


async def region_detail(session: AsyncSession, code: str, on: date | None = None) -> schemas.RegionDetail:
    """The region, its parent, its number of children and today's head in one round trip; a former code
    answers the region it led to (today's record, with `resolved_from`), and `on` adds the region as it was."""
    row = await DETAIL.fetchrow(session, code=code, today=date.today())
    if row is None or on is not None:
        today = await history.resolve(session, code, on)
        if today != code:  # a code that never named a region is not looked up again
            row = None if today is None else await DETAIL.fetchrow(session, code=today, today=date.today())
    if row is None:
        raise NotFound(f"Region {code} is not in the registry")
    detail = _detail(row, code)
    if on is not None:
        detail.as_on = await history.as_on(session, detail, detail.parent, on)
    return detail


async def current_detail(source: Source, code: str) -> schemas.RegionDetail | None:
    """Today's record of a region by today's code; None for any other code."""
    row = await DETAIL.fetchrow(source, code=code, today=date.today())
    return None if row is None else _detail(row, code)


def _detail(row: Sequence[Any], code: str) -> schemas.RegionDetail:
    n = len(REGION_FIELDS)
    head = row[2 * n + 1:2 * n + 1 + len(HEAD_FIELDS)]
    return schemas.RegionDetail.model_validate({
        **dict(zip(REGION_FIELDS, row[:n], strict=True)),
        "resolved_from": code if code != row[0] else None,
        "parent": dict(zip(REGION_FIELDS, row[n:2 * n], strict=True)) if row[n] is not None else None,
        "children_count": row[2 * n],
        "current_head": dict(zip(HEAD_FIELDS, head, strict=True)) if head[0] is not None else None,
        "changes": row[-1]})


async def lookup(session: AsyncSession, codes: list[str], on: date | None) -> schemas.LookupOut:
    wanted = list(dict.fromkeys(codes))
    today = await history.resolve_many(session, wanted, on)
    found = (await session.scalars(select(Region).where(Region.code.in_(set(today.values())))
                                   .order_by(Region.code))).all()
    then = await history.codes_on(session, found, on) if on is not None else {}
    return schemas.LookupOut(
        found=[schemas.Region.model_validate(r) for r in found],
        resolved=[schemas.ResolvedCode(requested=c, code=today[c], code_on=then.get(today[c]))
                  for c in wanted if c in today],
        missing=[c for c in wanted if c not in today])


EXPORT_COLUMNS = columns_of(schemas.RegionRow)


def export_statement(level: str | None, province: str | None) -> Select[Any]:
    return (select(*(getattr(Region, c) for c in EXPORT_COLUMNS))
            .where(*region_filters(level=level, province=province)).order_by(Region.code))
