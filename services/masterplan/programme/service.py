"""Programmes of a draft masterplan, their alignment, and the roadmap they make."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.db import DriverStatement, Source
from services.common.errors import NotFound, Unprocessable
from services.common.records import audit

from ..exceptions import MasterplanSuperseded
from ..models import Dimension, Element, Masterplan, Programme, records
from . import schemas


async def programmes_of(session: AsyncSession, plan_id: int) -> list[Programme]:
    return list((await session.scalars(select(Programme).where(Programme.masterplan_id == plan_id)
                                       .order_by(Programme.key))).all())


async def _check_programme(session: AsyncSession, plan: Masterplan, data: schemas.ProgrammeIn) -> None:
    if not (plan.start_year <= data.start_year and data.end_year <= plan.end_year):
        raise Unprocessable.field("start_year", "outside the horizon", f"Programme years {data.start_year}-"
                                  f"{data.end_year} are outside the masterplan's {plan.start_year}-{plan.end_year}")
    if await session.get(Dimension, data.dimension_code) is None:
        raise Unprocessable.field("dimension_code", "unknown", f"Unknown dimension {data.dimension_code}")
    if data.element_code and await session.get(Element, (data.dimension_code, data.element_code)) is None:
        raise Unprocessable.field("element_code", "unknown for this dimension",
                                  f"{data.element_code} is not an element of {data.dimension_code}")


async def add_programme(session: AsyncSession, plan: Masterplan, data: schemas.ProgrammeIn,
                        actor: Principal) -> Programme:
    plan.require_draft()
    await _check_programme(session, plan, data)
    # Keys are never reused across the region's versions, so a removed programme stays removed in a diff.
    keys = (await session.scalars(select(Programme.key).join(Masterplan, Masterplan.id == Programme.masterplan_id)
                                  .where(Masterplan.region_code == plan.region_code))).all()
    number = max((int(k[1:]) for k in keys), default=0) + 1
    programme = Programme(masterplan_id=plan.id, key=f"P{number:03d}", **data.model_dump(mode="json"))
    session.add(programme)
    plan.touch()
    await session.flush()
    audit(session, records, actor=actor, action="programme.create", entity="programme", entity_id=programme.id,
          after=schemas.Programme.model_validate(programme))
    return programme


async def get_programme(session: AsyncSession, plan: Masterplan, programme_id: int) -> Programme:
    programme = await session.get(Programme, programme_id)
    if programme is None or programme.masterplan_id != plan.id:
        raise NotFound(f"Masterplan {plan.id} has no programme {programme_id}")
    return programme


async def replace_programme(session: AsyncSession, plan: Masterplan, programme: Programme,
                            data: schemas.ProgrammeIn, actor: Principal) -> Programme:
    plan.require_draft()
    await _check_programme(session, plan, data)
    before = schemas.Programme.model_validate(programme)
    for field, value in data.model_dump(mode="json").items():
        setattr(programme, field, value)
    plan.touch()
    await session.flush()
    audit(session, records, actor=actor, action="programme.update", entity="programme", entity_id=programme.id,
          before=before, after=schemas.Programme.model_validate(programme))
    return programme


async def delete_programme(session: AsyncSession, plan: Masterplan, programme: Programme, actor: Principal) -> None:
    plan.require_draft()
    before = schemas.Programme.model_validate(programme)
    await session.delete(programme)
    plan.touch()
    await session.flush()
    audit(session, records, actor=actor, action="programme.delete", entity="programme", entity_id=before.id,
          before=before)


async def align_programme(session: AsyncSession, plan: Masterplan, programme: Programme, tags: list[str],
                          actor: Principal) -> Programme:
    """Alignment tags annotate a programme (Bappenas); they are not plan content, so approval does not lock them."""
    if plan.state == "superseded":
        raise MasterplanSuperseded("A superseded version is history; align the current one")
    before = list(programme.alignment)
    programme.alignment = tags
    await session.flush()
    audit(session, records, actor=actor, action="programme.align", entity="programme", entity_id=programme.id,
          before={"alignment": before}, after={"alignment": tags})
    return programme


# The masterplan, the dimensions in order and what the roadmap reads of each programme, in one round trip by the
# driver (region dashboards and partners poll this).
ROADMAP_INPUTS = DriverStatement(select(
    Masterplan.id, Masterplan.region_code, Masterplan.version, Masterplan.start_year, Masterplan.end_year,
    select(func.array_agg(aggregate_order_by(Dimension.code, Dimension.position))).scalar_subquery(),
    select(func.json_agg(aggregate_order_by(
        func.json_build_array(Programme.key, Programme.dimension_code, Programme.start_year, Programme.end_year,
                              Programme.quick_win, Programme.budget), Programme.key)))
    .where(Programme.masterplan_id == Masterplan.id).scalar_subquery()).where(Masterplan.id == bindparam("plan_id")))


async def roadmap(source: Source, plan_id: int) -> schemas.Roadmap | None:
    """The masterplan's roadmap; None when there is no such masterplan (its caller has loaded it, or answers)."""
    row = await ROADMAP_INPUTS.fetchrow(source, plan_id=plan_id)
    if row is None:
        return None
    plan_id, region_code, version, start_year, end_year, dimensions, programmes = row
    years = []
    by_dimension: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    for year in range(start_year, end_year + 1):
        cells: dict[str, dict[str, Any]] = {d: {"programmes": [], "budget": 0} for d in dimensions or []}
        year_sources: dict[str, int] = defaultdict(int)
        quick = []
        for key, dimension, start, end, quick_win, budget in programmes or []:
            if not start <= year <= end:
                continue
            cell = cells[dimension]
            cell["programmes"].append(key)
            if quick_win:
                quick.append(key)
            for line in budget:
                if line["year"] == year:
                    cell["budget"] += line["amount"]
                    year_sources[line["source"]] += line["amount"]
                    by_dimension[dimension] += line["amount"]
                    by_source[line["source"]] += line["amount"]
        years.append({"year": year, "dimensions": cells, "budget_total": sum(year_sources.values()),
                      "budget_by_source": dict(sorted(year_sources.items())), "quick_wins": quick})
    return schemas.Roadmap.model_validate({
        "masterplan_id": plan_id, "region_code": region_code, "version": version,
        "start_year": start_year, "end_year": end_year, "years": years,
        "budget_total": sum(by_source.values()), "budget_by_dimension": dict(sorted(by_dimension.items())),
        "budget_by_source": dict(sorted(by_source.items()))})
