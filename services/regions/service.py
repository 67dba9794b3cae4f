"""Region registry logic. Works inside the caller's transaction; never commits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ARRAY, Date, Select, String, Table, any_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.common.auth import Principal, Role
from services.common.errors import Forbidden, NotFound, Unprocessable
from services.common.export import columns_of
from services.common.pagination import PageParams
from services.common.records import audit, emit
from services.common.tables import number_text

from . import schemas
from .exceptions import HeadTermsOverlap
from .models import HeadTerm, Indicator, IndicatorValue, Region, records

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


async def search_regions(session: AsyncSession, *, q: str | None, conditions: list[Any],
                         sort: schemas.RegionSort, page: PageParams) -> tuple[Sequence[Region], int]:
    stmt: Select[Any] = select(Region).where(*conditions)
    order: list[Any] = []
    if q is not None:
        if not fold(q):
            raise Unprocessable("Search text needs at least one letter or digit",
                                errors=[{"loc": ["query", "q"], "msg": "no letters or digits", "type": "value_error"}])
        key = func.regions.fold_name(q)
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
    # The total rides along on each row (a window count), saving a second pass over the matches.
    result = (await session.execute(stmt.add_columns(func.count().over().label("total"))
                                    .order_by(*order).limit(page.limit).offset(page.offset))).all()
    if result:
        return [row[0] for row in result], int(result[0].total)
    if page.offset == 0:
        return [], 0
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return [], int(total or 0)


async def get_region(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
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
    return (select(Region, parent, children, HeadTerm)
            .outerjoin(parent, parent.code == Region.parent_code)
            .outerjoin(HeadTerm, HeadTerm.id == head_id)
            .where(Region.code == code))


# Built once: constructing this statement costs more than running it.
DETAIL = _detail_statement()


async def region_detail(session: AsyncSession, code: str) -> schemas.RegionDetail:
    """One round trip: the region, its parent, its number of children and today's head."""
    row = (await session.execute(DETAIL, {"code": code, "today": date.today()})).first()
    if row is None:
        raise NotFound(f"Region {code} is not in the registry")
    region, parent_row, children_count, head = row
    return schemas.RegionDetail(
        **schemas.Region.model_validate(region).model_dump(),
        parent=schemas.Region.model_validate(parent_row) if parent_row else None,
        children_count=int(children_count or 0),
        current_head=schemas.HeadTerm.model_validate(head) if head else None)


async def lookup(session: AsyncSession, codes: list[str]) -> tuple[Sequence[Region], list[str]]:
    wanted = list(dict.fromkeys(codes))
    found = (await session.scalars(select(Region).where(Region.code.in_(wanted)).order_by(Region.code))).all()
    known = {r.code for r in found}
    return found, [c for c in wanted if c not in known]


# Regional heads ---------------------------------------------------------------------------------

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
    region = await get_region(session, code)
    if region.level != "regency":
        raise Unprocessable(f"Heads are recorded for kabupaten/kota; {code} is a {region.level}")
    _check_title(region, data.title)
    await _refuse_overlap(session, code, data.start_date, data.end_date)
    term = HeadTerm(region_code=code, created_by=actor.sub, **data.model_dump())
    session.add(term)
    await session.flush()
    out = schemas.HeadTerm.model_validate(term)
    audit(session, records, actor=actor, action="head_term.create", entity="head_term", entity_id=term.id, after=out)
    emit(session, records, "head_term.created", code, out)
    return term


async def update_head(session: AsyncSession, term: HeadTerm, patch: schemas.HeadTermPatch,
                      actor: Principal) -> HeadTerm:
    before = schemas.HeadTerm.model_validate(term)
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
          before=before, after=schemas.HeadTerm.model_validate(term))
    return term


# Indicators -------------------------------------------------------------------------------------

async def get_indicator(session: AsyncSession, code: str, *, lock: bool = False) -> Indicator:
    indicator = await session.get(Indicator, code, with_for_update=lock)
    if indicator is None:
        raise NotFound(f"Indicator {code} is not defined")
    return indicator


def indicators() -> Select[Any]:
    return select(Indicator).order_by(Indicator.code)


async def update_indicator(session: AsyncSession, row: Indicator, patch: schemas.IndicatorPatch,
                           actor: Principal) -> Indicator:
    before = schemas.Indicator.model_validate(row)
    for field, value in patch.model_dump(exclude_unset=True).items():
        setattr(row, field, value)
    await session.flush()
    audit(session, records, actor=actor, action="indicator.update", entity="indicator", entity_id=row.code,
          before=before, after=schemas.Indicator.model_validate(row))
    return row


EXPORT_COLUMNS = columns_of(schemas.RegionRow)


def export_statement(level: str | None, province: str | None) -> Select[Any]:
    return (select(*(getattr(Region, c) for c in EXPORT_COLUMNS))
            .where(*region_filters(level=level, province=province)).order_by(Region.code))


VALUE_COLUMNS = columns_of(schemas.IndicatorValueRow)


def values_export(conditions: list[Any]) -> Select[Any]:
    return select(IndicatorValue).where(*conditions).order_by(IndicatorValue.region_code, IndicatorValue.year)


def value_row(row: Any) -> tuple[Any, ...]:
    v = row[0]
    return (v.indicator_code, v.region_code, v.year, v.value, v.source, v.loaded_by, v.loaded_at.isoformat())


def may_load(indicator: Indicator, actor: Principal) -> bool:
    return actor.has(Role.kominfo_admin) or actor.has(Role(indicator.owner_role))


def value_filters(*, indicator: str | None, region: str | None, year: int | None, province: str | None,
                  history: bool, actor: Principal, level: str | None = None) -> list[Any]:
    conditions: list[Any] = []
    if level:
        conditions.append(IndicatorValue.region_code.in_(select(Region.code).where(Region.level == level)))
    if indicator:
        conditions.append(IndicatorValue.indicator_code == indicator)
    if region:
        conditions.append(IndicatorValue.region_code == region)
    if year:
        conditions.append(IndicatorValue.year == year)
    if province:
        conditions.append(IndicatorValue.region_code.startswith(province + "."))
    if not history:
        conditions.append(IndicatorValue.superseded_at.is_(None))
    if actor.is_pemda_only:
        own = actor.region_code or "-"
        conditions.append(or_(IndicatorValue.region_code == own, IndicatorValue.region_code.startswith(own + ".")))
    return conditions


def values(conditions: list[Any]) -> Select[IndicatorValue]:
    return select(IndicatorValue).where(*conditions).order_by(
        IndicatorValue.indicator_code, IndicatorValue.region_code, IndicatorValue.year.desc(), IndicatorValue.id.desc())


VALUE_FIELDS = {"region_code", "year", "value", "source"}


def _coerce_value(indicator: Indicator, raw: Any) -> tuple[Decimal | None, str | None, str | None]:
    """(numeric, category, problem)"""
    if indicator.kind == "category":
        value = str(raw).strip().lower() if raw is not None else ""
        if value not in (indicator.categories or []):
            return None, None, f"'{raw}' is not one of {', '.join(indicator.categories or [])}"
        return None, value, None
    try:
        # Stored in positional notation, so 2.5E+6 reads back as 2500000.
        number = Decimal(format(Decimal(number_text(str(raw))), "f"))
    except (InvalidOperation, ValueError):
        return None, None, f"'{raw}' is not a number"
    if not number.is_finite():
        return None, None, "the value must be finite"
    if indicator.min_value is not None and number < indicator.min_value:
        return None, None, f"{number} is below the minimum {indicator.min_value}"
    if indicator.max_value is not None and number > indicator.max_value:
        return None, None, f"{number} is above the maximum {indicator.max_value}"
    return number, None, None


MAX_ROWS = 100_000  # every village of the country (83,762) in one file


def _texts(values: list[str]) -> Any:
    return bindparam(None, values, type_=ARRAY(String), unique=True)


async def bulk_upsert(session: AsyncSession, indicator: Indicator, rows: list[dict[str, Any]],
                      actor: Principal) -> schemas.BulkResult:
    """All or nothing: every row is checked first, and any problem refuses the whole file."""
    if not may_load(indicator, actor):
        raise Forbidden(f"Values of {indicator.code} are loaded by {indicator.owner_role} (or kominfo_admin)")
    if not rows:
        raise Unprocessable("The file has no rows")
    if len(rows) > MAX_ROWS:
        raise Unprocessable(f"At most {MAX_ROWS:,} rows per request")

    errors: list[dict[str, Any]] = []
    clean: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], int] = {}

    def bad(n: int, field: str, msg: str) -> None:
        errors.append({"loc": ["row", n, field], "msg": msg, "type": "row_error"})

    codes = list({str(r.get("region_code") or "").strip() for r in rows})
    # One array parameter, not one per code: a village-level file names 83,762 regions.
    known = set((await session.scalars(select(Region.code).where(Region.code == any_(_texts(codes))))).all())
    for n, row in enumerate(rows, start=1):
        code = str(row.get("region_code") or "").strip()
        problems_before = len(errors)
        if code not in known:
            bad(n, "region_code", f"'{code}' is not a region code in the registry")
        try:
            year = int(str(row.get("year")).strip())
            if not 2000 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            bad(n, "year", f"'{row.get('year')}' is not a year between 2000 and 2100")
            year = 0
        numeric, category, problem = _coerce_value(indicator, row.get("value"))
        if problem:
            bad(n, "value", problem)
        source = str(row.get("source") or "").strip()
        if not 3 <= len(source) <= 500:
            bad(n, "source", "name the source document (3 to 500 characters)")
        if (code, year) in seen and year:
            bad(n, "region_code", f"same region and year as row {seen[(code, year)]}")
        seen.setdefault((code, year), n)
        if len(errors) == problems_before:
            clean.append({"region_code": code, "year": year, "value_numeric": numeric, "value_category": category,
                          "source": source})
    if errors:
        raise Unprocessable(f"{len({e['loc'][1] for e in errors})} of {len(rows)} rows are invalid; nothing was "
                            "written", errors=errors)

    current = {(v.region_code, v.year): v for v in (await session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_code == indicator.code, IndicatorValue.superseded_at.is_(None),
            IndicatorValue.region_code == any_(_texts(list({r["region_code"] for r in clean})))))).all()}
    fresh: list[dict[str, Any]] = []
    replaced: dict[tuple[str, int], int] = {}
    for r in clean:
        old = current.get((r["region_code"], r["year"]))
        if old is not None and old.value_numeric == r["value_numeric"] and old.value_category == r["value_category"]:
            continue
        if old is not None:
            replaced[(r["region_code"], r["year"])] = old.id
        fresh.append({**r, "indicator_code": indicator.code, "loaded_by": actor.sub})
    if replaced:
        # Old rows leave the unique "current" index before their corrections enter it.
        await session.execute(update(IndicatorValue).where(IndicatorValue.id.in_(replaced.values()))
                              .values(superseded_at=func.now()))
    if fresh:
        inserted = (await session.execute(
            insert(IndicatorValue).returning(IndicatorValue.id, IndicatorValue.region_code, IndicatorValue.year,
                                             sort_by_parameter_order=True), fresh)).all()
        links = [{"old_id": replaced[(code, year)], "new_id": new_id}
                 for new_id, code, year in inserted if (code, year) in replaced]
        if links:
            table: Table = IndicatorValue.__table__  # type: ignore[assignment]
            await session.execute(update(table).where(table.c.id == bindparam("old_id"))
                                  .values(superseded_by=bindparam("new_id")), links)
    corrected = len(replaced)
    created = len(fresh) - corrected
    unchanged = len(clean) - len(fresh)
    result = schemas.BulkResult(indicator_code=indicator.code, received=len(rows), created=created,
                                corrected=corrected, unchanged=unchanged)
    if created or corrected:
        audit(session, records, actor=actor, action="indicator_values.bulk_upsert", entity="indicator",
              entity_id=indicator.code, after=result)
        emit(session, records, "indicator_values.loaded", indicator.code,
             {**result.model_dump(), "years": sorted({r["year"] for r in fresh})})
    return result


def value_out(v: IndicatorValue) -> schemas.IndicatorValue:
    return schemas.IndicatorValue(
        indicator_code=v.indicator_code, region_code=v.region_code, year=v.year, value=v.value, source=v.source,
        loaded_by=v.loaded_by, loaded_at=v.loaded_at, superseded_at=v.superseded_at)

