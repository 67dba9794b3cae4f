"""HTTP endpoints of the masterplan service, served under /api/v1/masterplan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlalchemy import BigInteger, func, select, true

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import Conflict, NotFound, problem_responses
from services.common.etag import check_if_match, etag_for, set_etag
from services.common.export import EXPORT_CONTENT, ExportFormat, export_response, stream_rows
from services.common.pagination import PageDep
from services.common.records import audit, idempotency_dependency
from services.common.upstream import Upstream

from . import schemas, service
from .auth import Administrator, Aligner, Officer, Public, Reader, RegionParty, RegionWriter
from .models import (
    Dimension,
    Element,
    Evaluation,
    EvaluationScheme,
    Masterplan,
    Mou,
    Programme,
    ProgressReport,
    ReviewComment,
)
from .models import records as rec

router = APIRouter(prefix="/api/v1/masterplan", dependencies=[Depends(region_scope)])
IdempotencyDep = idempotency_dependency(rec.idempotency)
PlanId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
ProgrammeId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
MouId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
ERR = problem_responses


def _etag(plan: Masterplan) -> str:
    return etag_for("masterplan", plan.id, plan.revision)


async def _detail(session: SessionDep, plan: Masterplan, response: Response) -> schemas.MasterplanDetail:
    set_etag(response, _etag(plan))
    programmes = await service.programmes_of(session, plan.id)
    return schemas.MasterplanDetail(**schemas.Masterplan.model_validate(plan).model_dump(),
                                    programmes=[schemas.Programme.model_validate(p) for p in programmes])


# Reference data ---------------------------------------------------------------------------------

@router.get("/dimensions", operation_id="masterplan_dimensions_list", tags=["dimensions"],
            summary="The six smart city dimensions and their elements")
async def list_dimensions(session: SessionDep, _: Public) -> list[schemas.Dimension]:
    dims = (await session.scalars(select(Dimension).order_by(Dimension.position))).all()
    elements = (await session.scalars(select(Element).order_by(Element.dimension_code, Element.code))).all()
    return [schemas.Dimension(code=d.code, name_id=d.name_id, name_en=d.name_en, position=d.position,
                              elements=[schemas.Element.model_validate(e) for e in elements
                                        if e.dimension_code == d.code]) for d in dims]


@router.patch("/dimensions/{code}", operation_id="masterplan_dimensions_update", tags=["dimensions"],
              summary="Rename a dimension", responses=ERR(404, 422))
async def update_dimension(code: Annotated[str, Path(pattern=r"^[a-z_]{2,30}$")], body: schemas.DimensionPatch,
                           session: SessionDep, actor: Administrator) -> schemas.Dimension:
    dim = await session.get(Dimension, code)
    if dim is None:
        raise NotFound(f"Dimension {code} does not exist")
    before = {"name_id": dim.name_id, "name_en": dim.name_en}
    for field, value in body.model_dump(exclude_unset=True).items():
        setattr(dim, field, value)
    await session.flush()
    audit(session, rec, actor=actor, action="dimension.update", entity="dimension", entity_id=code, before=before,
          after=body)
    return schemas.Dimension(code=dim.code, name_id=dim.name_id, name_en=dim.name_en, position=dim.position)


@router.post("/dimensions/{code}/elements", operation_id="masterplan_elements_create", tags=["dimensions"],
             status_code=201, summary="Add an element to a dimension", responses=ERR(404, 409, 422))
async def create_element(code: Annotated[str, Path(pattern=r"^[a-z_]{2,30}$")], body: schemas.ElementIn,
                         session: SessionDep, actor: Administrator) -> schemas.Element:
    if await session.get(Dimension, code) is None:
        raise NotFound(f"Dimension {code} does not exist")
    if await session.get(Element, (code, body.code)):
        raise Conflict(f"{code} already has element {body.code}")
    element = Element(dimension_code=code, **body.model_dump())
    session.add(element)
    await session.flush()
    audit(session, rec, actor=actor, action="element.create", entity="dimension", entity_id=code, after=body)
    return schemas.Element.model_validate(element)


# MoU --------------------------------------------------------------------------------------------

@router.post("/mous", operation_id="masterplan_mous_create", tags=["mou"], status_code=201,
             summary="Record a signed MoU (only for a region selected in a published round)",
             responses=ERR(409, 422, 502, 503))
async def create_mou(body: schemas.MouIn, request: Request, session: SessionDep, actor: Officer,
                     idem: IdempotencyDep) -> schemas.Mou:
    if (replayed := await idem.replay(actor)) is not None:
        return replayed  # type: ignore[return-value]
    mou = await service.create_mou(session, body, Upstream(request, "assessment"), actor)
    out = schemas.Mou.model_validate(mou)
    await idem.remember(201, out)
    return out


@router.get("/mous", operation_id="masterplan_mous_list", tags=["mou"], summary="Signed MoUs",
            responses=ERR(422))
async def list_mous(session: SessionDep, principal: RegionParty,
                    region_code: Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")] = None,
                    cohort_year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> list[schemas.Mou]:
    stmt = select(Mou).order_by(Mou.cohort_year, Mou.region_code)
    if principal.is_pemda_only:
        stmt = stmt.where(Mou.region_code == (principal.region_code or "-"))
    if region_code:
        stmt = stmt.where(Mou.region_code == region_code)
    if cohort_year:
        stmt = stmt.where(Mou.cohort_year == cohort_year)
    return [schemas.Mou.model_validate(m) for m in (await session.scalars(stmt.limit(1000))).all()]


@router.get("/mous/{mou_id}", operation_id="masterplan_mous_get", tags=["mou"], summary="One MoU (with ETag)",
            responses=ERR(404, 422))
async def get_mou(mou_id: MouId, session: SessionDep, principal: RegionParty, response: Response) -> schemas.Mou:
    mou = await service.get_mou(session, mou_id, principal)
    set_etag(response, etag_for("mou", mou.id, mou.revision))
    return schemas.Mou.model_validate(mou)


@router.patch("/mous/{mou_id}", operation_id="masterplan_mous_amend", tags=["mou"],
              summary="Amend an MoU, naming the reason and the date it was agreed (If-Match required)",
              description="The amendment and its reason are audited; the MoU keeps its signing date unless the "
                          "amendment corrects it.", responses=ERR(404, 412, 422, 428))
async def amend_mou(mou_id: MouId, body: schemas.MouAmendmentIn, request: Request, session: SessionDep,
                    actor: Officer, response: Response) -> schemas.Mou:
    mou = await service.get_mou(session, mou_id, actor, lock=True)
    check_if_match(request, etag_for("mou", mou.id, mou.revision))
    mou = await service.amend_mou(session, mou, body, actor)
    set_etag(response, etag_for("mou", mou.id, mou.revision))
    return schemas.Mou.model_validate(mou)


# Masterplans ------------------------------------------------------------------------------------

@router.post("/masterplans", operation_id="masterplan_create", tags=["masterplans"], status_code=201,
             summary="Start a region's masterplan (version 1, draft)", responses=ERR(404, 409, 422))
async def create_masterplan(body: schemas.MasterplanIn, session: SessionDep, actor: RegionWriter,
                            response: Response) -> schemas.MasterplanDetail:
    plan = await service.create_masterplan(session, body, actor)
    return await _detail(session, plan, response)


@router.get("/masterplans", operation_id="masterplan_list", tags=["masterplans"], summary="Masterplans",
            responses=ERR(422))
async def list_masterplans(session: SessionDep, principal: RegionParty, page: PageDep,
                           region_code: Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")] = None,
                           state: schemas.MasterplanState | None = None,
                           needs_reconfirmation: bool | None = None) -> schemas.MasterplanPage:
    stmt = select(Masterplan)
    if principal.is_pemda_only:
        stmt = stmt.where(Masterplan.region_code == (principal.region_code or "-"))
    if region_code:
        stmt = stmt.where(Masterplan.region_code == region_code)
    if state:
        stmt = stmt.where(Masterplan.state == state)
    if needs_reconfirmation is not None:
        stmt = stmt.where(Masterplan.needs_reconfirmation.is_(needs_reconfirmation))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = (await session.scalars(stmt.order_by(Masterplan.region_code, Masterplan.version)
                                  .limit(page.limit).offset(page.offset))).all()
    return schemas.MasterplanPage(items=[schemas.Masterplan.model_validate(p) for p in rows],
                                  total=int(total or 0), limit=page.limit, offset=page.offset)


@router.get("/masterplans/{plan_id}", operation_id="masterplan_get", tags=["masterplans"],
            summary="One version with its programmes (with ETag)", responses=ERR(404, 422))
async def get_masterplan(plan_id: PlanId, session: SessionDep, principal: RegionParty,
                         response: Response) -> schemas.MasterplanDetail:
    return await _detail(session, await service.get_masterplan(session, plan_id, principal), response)


@router.patch("/masterplans/{plan_id}", operation_id="masterplan_update", tags=["masterplans"],
              summary="Edit a draft (If-Match required)", responses=ERR(404, 409, 412, 422, 428))
async def update_masterplan(plan_id: PlanId, body: schemas.MasterplanPatch, request: Request, session: SessionDep,
                            actor: RegionWriter, response: Response) -> schemas.MasterplanDetail:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    check_if_match(request, _etag(plan))
    plan = await service.update_masterplan(session, plan, body, actor)
    return await _detail(session, plan, response)


@router.post("/masterplans/{plan_id}/programmes", operation_id="masterplan_programmes_create", tags=["programmes"],
             status_code=201, summary="Add a programme to a draft (If-Match of the masterplan)",
             responses=ERR(404, 409, 412, 422, 428))
async def add_programme(plan_id: PlanId, body: schemas.ProgrammeIn, request: Request, session: SessionDep,
                        actor: RegionWriter, response: Response) -> schemas.Programme:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    check_if_match(request, _etag(plan))
    programme = await service.add_programme(session, plan, body, actor)
    set_etag(response, _etag(plan))
    return schemas.Programme.model_validate(programme)


@router.put("/masterplans/{plan_id}/programmes/{programme_id}", operation_id="masterplan_programmes_replace",
            tags=["programmes"], summary="Replace a programme of a draft (If-Match of the masterplan)",
            responses=ERR(404, 409, 412, 422, 428))
async def replace_programme(plan_id: PlanId, programme_id: ProgrammeId, body: schemas.ProgrammeIn,
                            request: Request, session: SessionDep, actor: RegionWriter,
                            response: Response) -> schemas.Programme:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    check_if_match(request, _etag(plan))
    programme = await service.get_programme(session, plan, programme_id)
    programme = await service.replace_programme(session, plan, programme, body, actor)
    set_etag(response, _etag(plan))
    return schemas.Programme.model_validate(programme)


@router.delete("/masterplans/{plan_id}/programmes/{programme_id}", operation_id="masterplan_programmes_delete",
               tags=["programmes"], status_code=status.HTTP_204_NO_CONTENT,
               summary="Remove a programme from a draft (If-Match of the masterplan)",
               responses=ERR(404, 409, 412, 422, 428))
async def delete_programme(plan_id: PlanId, programme_id: ProgrammeId, request: Request, session: SessionDep,
                           actor: RegionWriter) -> Response:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    check_if_match(request, _etag(plan))
    programme = await service.get_programme(session, plan, programme_id)
    await service.delete_programme(session, plan, programme, actor)
    return Response(status_code=204, headers={"ETag": _etag(plan)})


@router.put("/masterplans/{plan_id}/programmes/{programme_id}/alignment", operation_id="masterplan_programmes_align",
            tags=["programmes"], summary="Align a programme to RPJMN/RPJMD programmes (Bappenas)",
            responses=ERR(404, 409, 422))
async def align_programme(plan_id: PlanId, programme_id: ProgrammeId, body: schemas.AlignmentIn,
                          session: SessionDep, actor: Aligner) -> schemas.Programme:
    plan = await service.get_masterplan(session, plan_id, actor)
    programme = await service.get_programme(session, plan, programme_id)
    return schemas.Programme.model_validate(await service.align_programme(session, plan, programme, body.tags, actor))


@router.post("/masterplans/{plan_id}/transitions", operation_id="masterplan_transition", tags=["masterplans"],
             summary="Submit (region), take into review, return, or approve (Kominfo)",
             description="draft → submitted (the region) → in_review → approved (Kominfo, with the Perbup/Perwali "
                         "that enacts it) or back to draft. Approving supersedes the previous approved version.",
             responses=ERR(403, 404, 409, 422, 502, 503))
async def transition(plan_id: PlanId, body: schemas.TransitionIn, request: Request, session: SessionDep,
                     actor: RegionWriter, response: Response) -> schemas.MasterplanDetail:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    plan = await service.transition(session, plan, body, Upstream(request, "regions"), actor)
    return await _detail(session, plan, response)


@router.post("/masterplans/{plan_id}/comments", operation_id="masterplan_comments_create", tags=["masterplans"],
             status_code=201, summary="A reviewer's comment", responses=ERR(404, 409, 422))
async def add_comment(plan_id: PlanId, body: schemas.CommentIn, session: SessionDep,
                      actor: Officer) -> schemas.Comment:
    plan = await service.get_masterplan(session, plan_id, actor)
    return schemas.Comment.model_validate(await service.add_comment(session, plan, body.body, actor))


@router.get("/masterplans/{plan_id}/comments", operation_id="masterplan_comments_list", tags=["masterplans"],
            summary="Review comments", responses=ERR(404, 422))
async def list_comments(plan_id: PlanId, session: SessionDep, principal: RegionParty) -> list[schemas.Comment]:
    await service.get_masterplan(session, plan_id, principal)
    rows = (await session.scalars(select(ReviewComment).where(ReviewComment.masterplan_id == plan_id)
                                  .order_by(ReviewComment.id))).all()
    return [schemas.Comment.model_validate(c) for c in rows]


@router.post("/masterplans/{plan_id}/revisions", operation_id="masterplan_revise", tags=["masterplans"],
             status_code=201, summary="Start a new draft version from the approved one, naming the reason",
             responses=ERR(404, 409, 422))
async def revise(plan_id: PlanId, body: schemas.RevisionIn, session: SessionDep, actor: RegionWriter,
                 response: Response) -> schemas.MasterplanDetail:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    return await _detail(session, await service.revise(session, plan, body, actor), response)


@router.get("/masterplans/{plan_id}/diff", operation_id="masterplan_diff", tags=["masterplans"],
            summary="What changed between another version and this one", responses=ERR(404, 422))
async def diff(plan_id: PlanId, against: Annotated[int, Query(ge=1, le=2**62)], session: SessionDep,
               principal: RegionParty) -> schemas.Diff:
    new = await service.get_masterplan(session, plan_id, principal)
    old = await service.get_masterplan(session, against, principal)
    return await service.diff(session, old, new)


@router.get("/masterplans/{plan_id}/roadmap", operation_id="masterplan_roadmap", tags=["programmes"],
            summary="Year × dimension matrix: programmes, budget per year, per dimension and per source",
            responses=ERR(404, 422))
async def roadmap(plan_id: PlanId, session: SessionDep, principal: RegionParty) -> schemas.Roadmap:
    return await service.roadmap(session, await service.get_masterplan(session, plan_id, principal))


@router.post("/masterplans/{plan_id}/reconfirmations", operation_id="masterplan_reconfirm", tags=["masterplans"],
             summary="The new regional head reconfirms the approved masterplan", responses=ERR(404, 409, 422))
async def reconfirm(plan_id: PlanId, body: schemas.ReconfirmIn, session: SessionDep, actor: RegionWriter,
                    response: Response) -> schemas.MasterplanDetail:
    plan = await service.get_masterplan(session, plan_id, actor, lock=True)
    return await _detail(session, await service.reconfirm(session, plan, body, actor), response)


# Progress ---------------------------------------------------------------------------------------

@router.put("/masterplans/{plan_id}/programmes/{programme_id}/progress/{period}",
            operation_id="masterplan_progress_report", tags=["progress"],
            summary="Report a programme's progress for a year (2020) or quarter (2020-Q3)",
            responses=ERR(404, 409, 422))
async def report_progress(plan_id: PlanId, programme_id: ProgrammeId,
                          period: Annotated[str, Path(pattern=r"^20[1-6]\d(-Q[1-4])?$", examples=["2020-Q1"])],
                          body: schemas.ProgressIn, session: SessionDep, actor: RegionWriter) -> schemas.Progress:
    plan = await service.get_masterplan(session, plan_id, actor)
    programme = await service.get_programme(session, plan, programme_id)
    report = await service.report_progress(session, plan, programme, period, body, actor)
    return schemas.Progress.model_validate(report)


@router.get("/masterplans/{plan_id}/progress", operation_id="masterplan_progress_list", tags=["progress"],
            summary="All progress reports of a masterplan", responses=ERR(404, 422))
async def list_progress(plan_id: PlanId, session: SessionDep, principal: RegionParty) -> list[schemas.Progress]:
    plan = await service.get_masterplan(session, plan_id, principal)
    ids = [p.id for p in await service.programmes_of(session, plan.id)]
    rows = (await session.scalars(select(ProgressReport).where(ProgressReport.programme_id.in_(ids))
                                  .order_by(ProgressReport.programme_id, ProgressReport.period))).all()
    return [schemas.Progress.model_validate(r) for r in rows]


@router.post("/masterplans/{plan_id}/programmes/{programme_id}/progress/{period}/review",
             operation_id="masterplan_progress_review", tags=["progress"], summary="Kominfo's review of a report",
             responses=ERR(404, 422))
async def review_progress(plan_id: PlanId, programme_id: ProgrammeId,
                          period: Annotated[str, Path(pattern=r"^20[1-6]\d(-Q[1-4])?$")],
                          body: schemas.ProgressReviewIn, session: SessionDep, actor: Officer) -> schemas.Progress:
    plan = await service.get_masterplan(session, plan_id, actor)
    programme = await service.get_programme(session, plan, programme_id)
    report = await session.scalar(select(ProgressReport).where(ProgressReport.programme_id == programme.id,
                                                               ProgressReport.period == period))
    if report is None:
        raise NotFound(f"No report for {programme.key} in {period}")
    report.review_note, report.reviewed_by = body.note, actor.sub
    await session.flush()
    audit(session, rec, actor=actor, action="progress.review", entity="programme", entity_id=programme.id,
          after={"period": period, "note": body.note})
    return schemas.Progress.model_validate(report)


@router.get("/masterplans/{plan_id}/late", operation_id="masterplan_late", tags=["progress"],
            summary="Programmes whose report for a past year is missing", responses=ERR(404, 422))
async def late(plan_id: PlanId, session: SessionDep, principal: RegionParty,
               as_of: Annotated[date | None, Query(description="Default: today")] = None
               ) -> list[schemas.LateProgramme]:
    plan = await service.get_masterplan(session, plan_id, principal)
    programmes = await service.programmes_of(session, plan.id)
    reports = list((await session.scalars(select(ProgressReport).where(
        ProgressReport.programme_id.in_([p.id for p in programmes])))).all())
    return service.late_programmes(programmes, reports, as_of or date.today())


# Evaluation -------------------------------------------------------------------------------------

@router.post("/evaluation-schemes", operation_id="masterplan_schemes_create", tags=["evaluation"], status_code=201,
             summary="A new version of the yearly evaluation's weights", responses=ERR(422))
async def create_scheme(body: schemas.SchemeIn, session: SessionDep, actor: Officer) -> schemas.Scheme:
    return schemas.Scheme.model_validate(await service.create_scheme(session, body, actor))


@router.get("/evaluation-schemes", operation_id="masterplan_schemes_list", tags=["evaluation"],
            summary="Evaluation weight versions", responses=ERR(422))
async def list_schemes(session: SessionDep, _: Reader) -> list[schemas.Scheme]:
    rows = (await session.scalars(select(EvaluationScheme).order_by(EvaluationScheme.code,
                                                                    EvaluationScheme.version))).all()
    return [schemas.Scheme.model_validate(s) for s in rows]


@router.post("/masterplans/{plan_id}/evaluations", operation_id="masterplan_evaluations_create",
             tags=["evaluation"], status_code=201, summary="Evaluate a year of implementation",
             responses=ERR(404, 409, 422))
async def evaluate(plan_id: PlanId, body: schemas.EvaluationIn, session: SessionDep,
                   actor: Officer) -> schemas.Evaluation:
    plan = await service.get_masterplan(session, plan_id, actor)
    return schemas.Evaluation.model_validate(await service.evaluate(session, plan, body, actor))


@router.get("/masterplans/{plan_id}/evaluations", operation_id="masterplan_evaluations_list", tags=["evaluation"],
            summary="Yearly evaluations of the region", responses=ERR(404, 422))
async def list_evaluations(plan_id: PlanId, session: SessionDep, principal: RegionParty) -> list[schemas.Evaluation]:
    plan = await service.get_masterplan(session, plan_id, principal)
    rows = (await session.scalars(select(Evaluation).where(Evaluation.region_code == plan.region_code)
                                  .order_by(Evaluation.year))).all()
    return [schemas.Evaluation.model_validate(e) for e in rows]




# Views for the programme dossier and funnel ------------------------------------------------------

async def _current_plan(session: SessionDep, region_code: str) -> tuple[Masterplan | None, int]:
    plans = (await session.scalars(select(Masterplan).where(Masterplan.region_code == region_code)
                                   .order_by(Masterplan.version))).all()
    approved = [p for p in plans if p.state == "approved"]
    return (approved[-1] if approved else (plans[-1] if plans else None)), len(plans)


async def _reports_for(session: SessionDep, programme_ids: list[int]) -> list[ProgressReport]:
    return list((await session.scalars(select(ProgressReport).where(
        ProgressReport.programme_id.in_(programme_ids)))).all())


@router.get("/regions/{region_code}/summary", operation_id="masterplan_region_summary", tags=["masterplans"],
            summary="A region's MoUs, current masterplan, roadmap summary and late reports",
            responses=ERR(404, 422))
async def region_summary(region_code: Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["21.72"])],
                         session: SessionDep, principal: RegionParty) -> schemas.RegionSummary:
    service.check_region(principal, region_code)
    mous = (await session.scalars(select(Mou).where(Mou.region_code == region_code).order_by(Mou.cohort_year))).all()
    plan, versions = await _current_plan(session, region_code)
    summary = late = None
    if plan is not None:
        programmes = await service.programmes_of(session, plan.id)
        roadmap = await service.roadmap(session, plan)
        summary = schemas.RoadmapSummary(
            start_year=plan.start_year, end_year=plan.end_year, programmes=len(programmes),
            quick_wins=sum(p.quick_win for p in programmes), budget_total=roadmap.budget_total,
            budget_by_dimension=roadmap.budget_by_dimension)
        late = service.late_programmes(programmes, await _reports_for(session, [p.id for p in programmes]),
                                       date.today()) if plan.state == "approved" else []
    return schemas.RegionSummary(region_code=region_code, mous=[schemas.Mou.model_validate(m) for m in mous],
                                 current=schemas.Masterplan.model_validate(plan) if plan else None,
                                 versions=versions, roadmap=summary, late=late or [])


@router.get("/funnel", operation_id="masterplan_funnel_rows", tags=["masterplans"],
            summary="One row per MoU, for the programme funnel", responses=ERR(422))
async def funnel_rows(session: SessionDep, _: Reader,
                      as_of: Annotated[date | None, Query(description="Default: today")] = None) -> schemas.FunnelRows:
    # Four queries for the whole programme, however many MoUs there are.
    mous = (await session.scalars(select(Mou).order_by(Mou.cohort_year, Mou.region_code))).all()
    plans = {p.region_code: p for p in (await session.scalars(
        select(Masterplan).where(Masterplan.state == "approved"))).all()}
    programmes: dict[int, list[Programme]] = defaultdict(list)
    for p in (await session.scalars(select(Programme).where(
            Programme.masterplan_id.in_([plan.id for plan in plans.values()])).order_by(Programme.key))).all():
        programmes[p.masterplan_id].append(p)
    reports = await _reports_for(session, [p.id for ps in programmes.values() for p in ps])
    done = {r.programme_id for r in reports if r.status == "done"}
    by_programme: dict[int, list[ProgressReport]] = defaultdict(list)
    for r in reports:
        by_programme[r.programme_id].append(r)
    rows = []
    for mou in mous:
        plan = plans.get(mou.region_code)
        own = programmes[plan.id] if plan else []
        late = service.late_programmes(own, [r for p in own for r in by_programme[p.id]], as_of or date.today())
        rows.append(schemas.FunnelRegion(
            region_code=mou.region_code, cohort_year=mou.cohort_year, mou_signed=True,
            masterplan_approved=plan is not None,
            quick_wins_delivered=sum(1 for p in own if p.quick_win and p.id in done), programmes_late=len(late)))
    return schemas.FunnelRows(items=rows)


OPEN_LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0), Kementerian Komunikasi dan Informatika"


@router.get("/open-data/masterplans", operation_id="masterplan_open_data", tags=["masterplans"],
            summary="Approved masterplan summaries as CSV, XLSX or JSON (no token, no personal data)",
            response_class=Response, responses={200: {"content": EXPORT_CONTENT}, **ERR(422)})
async def open_data_masterplans(request: Request, _: Public, format: ExportFormat = ExportFormat.csv) -> Response:
    cols = ("region_code", "cohort_year", "version", "start_year", "end_year", "vision", "programmes", "quick_wins",
            "budget_total", "legal_basis", "approved_on")
    programmes = (select(Programme.masterplan_id, func.count().label("n"),
                         func.count().filter(Programme.quick_win).label("quick"))
                  .group_by(Programme.masterplan_id).subquery())
    line = func.jsonb_array_elements(Programme.budget).table_valued("value").lateral("line")
    budget = (select(Programme.masterplan_id,
                     func.sum(line.c.value.op("->>")("amount").cast(BigInteger)).label("total"))
              .select_from(Programme).join(line, true()).group_by(Programme.masterplan_id).subquery())
    stmt = (select(Masterplan, programmes.c.n, programmes.c.quick, budget.c.total)
            .outerjoin(programmes, programmes.c.masterplan_id == Masterplan.id)
            .outerjoin(budget, budget.c.masterplan_id == Masterplan.id)
            .where(Masterplan.state == "approved").order_by(Masterplan.region_code))

    def shape(r: Any) -> tuple[Any, ...]:
        p = r[0]
        return (p.region_code, p.cohort_year, p.version, p.start_year, p.end_year, p.vision, r.n or 0, r.quick or 0,
                int(r.total or 0), (p.legal_basis or {}).get("number"), p.approved_on)

    return export_response(format, "masterplan-smart-city", cols, stream_rows(request, stmt, shape),
                           title="Ringkasan masterplan smart city", licence=OPEN_LICENCE)
