"""Indicators per region and year, loaded by the ministry that owns each.

Works inside the caller's transaction; never commits.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, Table, any_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.background import off_the_loop
from services.common.db import text_array
from services.common.errors import Forbidden, NotFound, Unprocessable
from services.common.export import columns_of
from services.common.numbers import DecimalMark, number_of
from services.common.records import audit, emit
from services.common.roles import Role

from ..crosswalks import service as crosswalks
from ..crosswalks.schemas import Coding
from ..models import Indicator, IndicatorValue, Region, records
from . import schemas


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


VALUE_COLUMNS = columns_of(schemas.IndicatorValueRow)


def values_export(conditions: list[Any]) -> Select[Any]:
    return select(IndicatorValue).where(*conditions).order_by(IndicatorValue.region_code, IndicatorValue.year)


def value_row(row: Any) -> tuple[Any, ...]:
    v = row[0]
    return (v.indicator_code, v.region_code, v.year, v.value, v.source, v.loaded_by, v.loaded_at)


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


def _coerce_value(indicator: Indicator, raw: Any, mark: DecimalMark | None) -> tuple[Decimal | None, str | None]:
    """(numeric, category); ValueError says what is wrong with the cell."""
    if indicator.kind == "category":
        value = str(raw).strip().lower() if raw is not None else ""
        if value not in (indicator.categories or []):
            raise ValueError(f"'{raw}' is not one of {', '.join(indicator.categories or [])}")
        return None, value
    try:
        # Typed numbers (a workbook's number cells, JSON numbers) need no convention; text is read in the declared
        # one. Stored in positional notation, so 2.5E+6 reads back as 2500000.
        number = Decimal(format(number_of(raw, mark), "f"))
    except InvalidOperation:
        raise ValueError(f"'{raw}' is not a number") from None
    if not number.is_finite():
        raise ValueError("the value must be finite")
    if indicator.min_value is not None and number < indicator.min_value:
        raise ValueError(f"{number} is below the minimum {indicator.min_value}")
    if indicator.max_value is not None and number > indicator.max_value:
        raise ValueError(f"{number} is above the maximum {indicator.max_value}")
    return number, None


MAX_ROWS = 100_000  # every village of the country (83,762) in one file


def _checked(indicator: Indicator, rows: list[dict[str, Any]], known: dict[str, str], coding: str,
             mark: DecimalMark | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(clean rows, errors by row and field) of a file, every row checked; `known` maps each code the coding
    knows to today's Kemendagri code, which the clean rows carry."""
    errors: list[dict[str, Any]] = []
    clean: list[dict[str, Any]] = []
    seen: dict[tuple[str, int], int] = {}

    def bad(n: int, field: str, msg: str) -> None:
        errors.append({"loc": ["row", n, field], "msg": msg, "type": "row_error"})

    for n, row in enumerate(rows, start=1):
        code = str(row.get("region_code") or "").strip()
        problems_before = len(errors)
        if code not in known and coding == "kemendagri":
            bad(n, "region_code", f"'{code}' is not a region code in the registry")
        elif code not in known:
            bad(n, "region_code", f"'{code}' is not in the {coding} crosswalk")
        try:
            year = int(str(row.get("year")).strip())
            if not 2000 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            bad(n, "year", f"'{row.get('year')}' is not a year between 2000 and 2100")
            year = 0
        try:
            numeric, category = _coerce_value(indicator, row.get("value"), mark)
        except ValueError as exc:
            bad(n, "value", str(exc))
            numeric = category = None
        source = str(row.get("source") or "").strip()
        if not 3 <= len(source) <= 500:
            bad(n, "source", "name the source document (3 to 500 characters)")
        code = known.get(code, code)
        if (code, year) in seen and year:
            bad(n, "region_code", f"same region and year as row {seen[(code, year)]}")
        seen.setdefault((code, year), n)
        if len(errors) == problems_before:
            clean.append({"region_code": code, "year": year, "value_numeric": numeric, "value_category": category,
                          "source": source})
    return clean, errors


async def bulk_upsert(session: AsyncSession, indicator: Indicator, rows: list[dict[str, Any]],
                      actor: Principal, mark: DecimalMark | None = None,
                      coding: Coding = Coding.kemendagri, coding_year: int | None = None) -> schemas.BulkResult:
    """All or nothing: every row is checked first, and any problem refuses the whole file. Codes of another
    coding or year are stored under today's Kemendagri code."""
    if not may_load(indicator, actor):
        raise Forbidden(f"Values of {indicator.code} are loaded by {indicator.owner_role} (or kominfo_admin)")
    if not rows:
        raise Unprocessable("The file has no rows")
    if len(rows) > MAX_ROWS:
        raise Unprocessable(f"At most {MAX_ROWS:,} rows per request")

    codes = list({str(r.get("region_code") or "").strip() for r in rows})
    known = await crosswalks.today_codes(session, coding, coding_year, codes)
    # 100,000 rows take seconds to check: off the event loop, so the service keeps answering meanwhile.
    clean, errors = await off_the_loop(_checked, indicator, rows, known, coding.value, mark)
    if errors:
        raise Unprocessable(f"{len({e['loc'][1] for e in errors})} of {len(rows)} rows are invalid; nothing was "
                            "written", errors=errors)

    current = {(v.region_code, v.year): v for v in (await session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator_code == indicator.code, IndicatorValue.superseded_at.is_(None),
            IndicatorValue.year.in_({r["year"] for r in clean}),  # not every year these regions ever had
            IndicatorValue.region_code == any_(text_array(list({r["region_code"] for r in clean})))))).all()}
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
    # Rows as table rows (the ORM's bulk insert spent more on each row than the database did); the new ids are
    # asked for only when corrections need linking to them.
    table: Table = IndicatorValue.__table__  # type: ignore[assignment]
    if fresh and not replaced:
        await session.execute(insert(table), fresh)
    elif fresh:
        inserted = (await session.execute(
            insert(table).returning(table.c.id, table.c.region_code, table.c.year, sort_by_parameter_order=True),
            fresh)).all()
        links = [{"old_id": replaced[(code, year)], "new_id": new_id}
                 for new_id, code, year in inserted if (code, year) in replaced]
        if links:
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
