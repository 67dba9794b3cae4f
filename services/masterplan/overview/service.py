"""One region's MoUs and current plan, a row per MoU for the programme funnel, open data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.export import columns_of

from ..models import Masterplan, Mou, Programme, ProgressReport
from ..mou import schemas as mou_schemas
from ..plan import schemas as plan_schemas
from ..programme.service import programmes_of, roadmap
from ..progress.service import late_programmes, reports_of
from . import schemas


async def region_summary(session: AsyncSession, region_code_today: str, as_of: date) -> schemas.RegionSummary:
    """By today's code: MoUs and masterplans recorded under a former code are the region's too."""
    mous = (await session.scalars(select(Mou).where(Mou.region_code_today == region_code_today)
                                  .order_by(Mou.cohort_year))).all()
    plans = (await session.scalars(select(Masterplan).where(Masterplan.region_code_today == region_code_today)
                                   .order_by(Masterplan.version))).all()
    approved = [p for p in plans if p.state == "approved"]
    plan = approved[-1] if approved else (plans[-1] if plans else None)
    summary, late = None, []
    if plan is not None:
        programmes = await programmes_of(session, plan.id)
        totals = await roadmap(session, plan.id)
        assert totals is not None  # the plan was just read
        summary = schemas.RoadmapSummary(
            start_year=plan.start_year, end_year=plan.end_year, programmes=len(programmes),
            quick_wins=sum(p.quick_win for p in programmes), budget_total=totals.budget_total,
            budget_by_dimension=totals.budget_by_dimension)
        if plan.state == "approved":
            late = late_programmes(programmes, await reports_of(session, [p.id for p in programmes]), as_of)
    return schemas.RegionSummary(region_code=region_code_today, mous=[mou_schemas.Mou.model_validate(m) for m in mous],
                                 current=plan_schemas.Masterplan.model_validate(plan) if plan else None,
                                 versions=len(plans), roadmap=summary, late=late)


async def funnel_rows(session: AsyncSession, as_of: date) -> schemas.MouFunnelRows:
    """Four queries for the whole programme, however many MoUs there are."""
    mous = (await session.scalars(select(Mou).order_by(Mou.cohort_year, Mou.region_code))).all()
    plans = {p.region_code_today: p for p in (await session.scalars(
        select(Masterplan).where(Masterplan.state == "approved"))).all()}
    programmes: dict[int, list[Programme]] = defaultdict(list)
    for p in (await session.scalars(select(Programme).where(
            Programme.masterplan_id.in_([plan.id for plan in plans.values()])).order_by(Programme.key))).all():
        programmes[p.masterplan_id].append(p)
    reports = await reports_of(session, [p.id for ps in programmes.values() for p in ps])
    done = {r.programme_id for r in reports if r.status == "done"}
    by_programme: dict[int, list[ProgressReport]] = defaultdict(list)
    for r in reports:
        by_programme[r.programme_id].append(r)
    rows = []
    for mou in mous:
        plan = plans.get(mou.region_code_today)
        own = programmes[plan.id] if plan else []
        late = late_programmes(own, [r for p in own for r in by_programme[p.id]], as_of)
        rows.append(schemas.MouFunnelRow(
            region_code=mou.region_code, region_code_today=mou.region_code_today, cohort_year=mou.cohort_year,
            mou_signed=True,
            masterplan_approved=plan is not None,
            quick_wins_delivered=sum(1 for p in own if p.quick_win and p.id in done), programmes_late=len(late)))
    return schemas.MouFunnelRows(items=rows)


async def member_properties(session: AsyncSession, cohort_year: int | None) -> dict[str, dict[str, Any]]:
    """Today's code -> what a map of the programme's members shows: the cohort (its first MoU) and whether a
    masterplan is approved."""
    mous = (await session.scalars(select(Mou).order_by(Mou.cohort_year, Mou.id))).all()
    approved = set((await session.scalars(select(Masterplan.region_code_today).where(
        Masterplan.state == "approved"))).all())
    members: dict[str, dict[str, Any]] = {}
    for mou in mous:
        members.setdefault(mou.region_code_today, {
            "cohort_year": mou.cohort_year, "recorded_code": mou.region_code,
            "mou_signed_on": mou.signed_on.isoformat(), "masterplan_approved": mou.region_code_today in approved})
    return {code: m for code, m in members.items() if cohort_year is None or m["cohort_year"] == cohort_year}


OPEN_DATA_COLUMNS = columns_of(schemas.OpenDataMasterplan)


def open_data() -> Select[Any]:
    programmes = (select(Programme.masterplan_id, func.count().label("n"),
                         func.count().filter(Programme.quick_win).label("quick"))
                  .group_by(Programme.masterplan_id).subquery())
    line = func.jsonb_array_elements(Programme.budget).table_valued("value").lateral("line")
    budget = (select(Programme.masterplan_id,
                     func.sum(line.c.value.op("->>")("amount").cast(BigInteger)).label("total"))
              .select_from(Programme).join(line, true()).group_by(Programme.masterplan_id).subquery())
    return (select(Masterplan, programmes.c.n, programmes.c.quick, budget.c.total)
            .outerjoin(programmes, programmes.c.masterplan_id == Masterplan.id)
            .outerjoin(budget, budget.c.masterplan_id == Masterplan.id)
            .where(Masterplan.state == "approved").order_by(Masterplan.region_code))


def open_data_row(r: Any) -> tuple[Any, ...]:
    p = r[0]
    return (p.region_code, p.region_code_today, p.cohort_year, p.version, p.start_year, p.end_year, p.vision,
            r.n or 0, r.quick or 0, int(r.total or 0), (p.legal_basis or {}).get("number"), p.approved_on)
