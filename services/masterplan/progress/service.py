"""Progress reports per programme and period, late programmes, and the yearly evaluation."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import AlreadyExists, NotFound, Unprocessable
from services.common.records import audit, emit

from ..exceptions import MasterplanNotApproved
from ..models import Evaluation, EvaluationScheme, Masterplan, Programme, ProgressReport, records
from ..programme.service import programmes_of
from . import schemas


async def report_progress(session: AsyncSession, plan: Masterplan, programme: Programme, period: str,
                          data: schemas.ProgressIn, actor: Principal) -> ProgressReport:
    if plan.state != "approved":
        raise MasterplanNotApproved("Progress is reported on the approved masterplan")
    year = int(period[:4])
    if not programme.start_year <= year <= programme.end_year:
        raise Unprocessable.field("period", "outside the programme", f"{programme.key} runs "
                                  f"{programme.start_year}-{programme.end_year}, not in {year}", where="path")
    report = await session.scalar(select(ProgressReport).where(ProgressReport.programme_id == programme.id,
                                                               ProgressReport.period == period))
    values = data.model_dump(mode="json")
    before = schemas.Progress.model_validate(report).model_dump(mode="json") if report else None
    if report is None:
        report = ProgressReport(programme_id=programme.id, period=period, reported_by=actor.sub, **values)
        session.add(report)
    else:
        for field, value in values.items():
            setattr(report, field, value)
        report.reported_by, report.review_note, report.reviewed_by = actor.sub, None, None
    await session.flush()
    await session.refresh(report)  # reported_at is set by the database; read it here, not lazily in the answer
    audit(session, records, actor=actor, action="progress.report", entity="programme", entity_id=programme.id,
          before=before, after={"period": period, **values})
    emit(session, records, "progress.reported", plan.region_code,
         {"masterplan_id": plan.id, "programme_key": programme.key, "period": period, **values})
    return report


def late_programmes(programmes: list[Programme], reports: list[ProgressReport],
                    as_of: date) -> list[schemas.LateProgramme]:
    """A past year is covered by a yearly report or a Q4 report; anything else missing is late."""
    covered: dict[int, set[int]] = defaultdict(set)
    for r in reports:
        if len(r.period) == 4 or r.period.endswith("-Q4"):
            covered[r.programme_id].add(int(r.period[:4]))
    late = []
    for p in programmes:
        missing = [y for y in range(p.start_year, min(p.end_year, as_of.year - 1) + 1) if y not in covered[p.id]]
        if missing:
            late.append(schemas.LateProgramme(programme_key=p.key, title=p.title, missing_years=missing))
    return late


async def create_scheme(session: AsyncSession, data: schemas.SchemeIn, actor: Principal) -> EvaluationScheme:
    # Versions are numbered under a lock on the code, so concurrent creates never collide.
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"evaluation_scheme:{data.code}"))))
    latest = await session.scalar(select(func.max(EvaluationScheme.version)).where(
        EvaluationScheme.code == data.code))
    scheme = EvaluationScheme(code=data.code, version=(latest or 0) + 1,
                              weights={k: str(v) for k, v in data.weights.items()}, created_by=actor.sub)
    session.add(scheme)
    await session.flush()
    audit(session, records, actor=actor, action="scheme.create", entity="evaluation_scheme", entity_id=scheme.id,
          after=schemas.Scheme.model_validate(scheme))
    return scheme


async def evaluate(session: AsyncSession, plan: Masterplan, data: schemas.EvaluationIn,
                   actor: Principal) -> Evaluation:
    if plan.state != "approved":
        raise MasterplanNotApproved("A region is evaluated on its approved masterplan")
    scheme = await session.get(EvaluationScheme, data.scheme_id)
    if scheme is None:
        raise Unprocessable.field("scheme_id", "unknown", f"Evaluation scheme {data.scheme_id} does not exist")
    if set(data.scores) != set(scheme.weights):
        raise Unprocessable.field("scores", "must match the scheme's weights",
                                  f"Score exactly these: {', '.join(sorted(scheme.weights))}")
    if await session.scalar(select(Evaluation.id).where(Evaluation.region_code == plan.region_code,
                                                        Evaluation.year == data.year)):
        raise AlreadyExists(f"{plan.region_code} already has an evaluation for {data.year}")
    total = sum((Decimal(scheme.weights[k]) * v for k, v in data.scores.items()), Decimal(0)) / 100
    evaluation = Evaluation(region_code=plan.region_code, masterplan_id=plan.id, year=data.year, scheme_id=scheme.id,
                            scores={k: str(v) for k, v in data.scores.items()},
                            total=total.quantize(Decimal("0.01")), evaluated_by=actor.sub)
    session.add(evaluation)
    await session.flush()
    audit(session, records, actor=actor, action="evaluation.create", entity="evaluation", entity_id=evaluation.id,
          after=schemas.Evaluation.model_validate(evaluation))
    return evaluation


def evaluation_history(schemes: list[str], before_year: int | None) -> Select[Evaluation, str, str, int]:
    """Every region's evaluations under the named schemes (any version), oldest year first."""
    stmt = (select(Evaluation, Masterplan.region_code_today, EvaluationScheme.code, EvaluationScheme.version)
            .join(Masterplan, Masterplan.id == Evaluation.masterplan_id)
            .join(EvaluationScheme, EvaluationScheme.id == Evaluation.scheme_id)
            .where(EvaluationScheme.code.in_(schemes)))
    if before_year is not None:
        stmt = stmt.where(Evaluation.year < before_year)
    return stmt.order_by(Evaluation.year, Evaluation.region_code, Evaluation.id)


def evaluation_record(row: Any) -> schemas.EvaluationRecord:
    evaluation, today, code, version = row
    return schemas.EvaluationRecord.model_validate(
        {**schemas.Evaluation.model_validate(evaluation).model_dump(), "region_code_today": today,
         "scheme_code": code, "scheme_version": version})


async def reports_of(session: AsyncSession, programme_ids: list[int]) -> list[ProgressReport]:
    return list((await session.scalars(select(ProgressReport).where(
        ProgressReport.programme_id.in_(programme_ids)).order_by(ProgressReport.programme_id,
                                                                 ProgressReport.period))).all())


def progress_of(plan: Masterplan) -> Select[Any]:
    return (select(ProgressReport).join(Programme, Programme.id == ProgressReport.programme_id)
            .where(Programme.masterplan_id == plan.id).order_by(ProgressReport.programme_id, ProgressReport.period))


async def review_progress(session: AsyncSession, programme: Programme, period: str, note: str,
                          actor: Principal) -> ProgressReport:
    report = await session.scalar(select(ProgressReport).where(ProgressReport.programme_id == programme.id,
                                                               ProgressReport.period == period))
    if report is None:
        raise NotFound(f"No report for {programme.key} in {period}")
    report.review_note, report.reviewed_by = note, actor.sub
    await session.flush()
    await session.refresh(report)
    audit(session, records, actor=actor, action="progress.review", entity="programme", entity_id=programme.id,
          after={"period": period, "note": note})
    return report


async def late(session: AsyncSession, plan: Masterplan, as_of: date) -> list[schemas.LateProgramme]:
    programmes = await programmes_of(session, plan.id)
    return late_programmes(programmes, await reports_of(session, [p.id for p in programmes]), as_of)


def schemes() -> Select[Any]:
    return select(EvaluationScheme).order_by(EvaluationScheme.code, EvaluationScheme.version)


def evaluations(plan: Masterplan) -> Select[Any]:
    return select(Evaluation).where(Evaluation.region_code == plan.region_code).order_by(Evaluation.year)
