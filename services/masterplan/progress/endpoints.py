"""Progress, late programme and evaluation operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from services.common import clock
from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import AlreadyExists
from services.common.errors import problem_responses as ERR
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router, no_if_match
from services.common.schemas import IsoDate

from ..auth import Officer, Reader, RegionParty, RegionWriter
from ..deps import CurrentPlan, CurrentProgramme
from ..exceptions import MasterplanNotApproved
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", dependencies=[Depends(region_scope)])
Period = Annotated[str, Path(pattern=r"^20[1-6]\d(-Q[1-4])?$", description="A year (2020) or a quarter (2020-Q3)",
                             examples=["2020-Q1"])]


@router.put("/masterplans/{plan_id}/programmes/{programme_id}/progress/{period}",
            operation_id="masterplan_progress_report",
            openapi_extra=no_if_match("The region's own report for one period, replaced whole until reviewed; the "
                                      "audit keeps every earlier one"), tags=["progress"],
            summary="Report a programme's progress for a year (2020) or quarter (2020-Q3)",
            description="On the approved masterplan, for a period within the programme's years; a new report "
                        "replaces the period's earlier one and clears its review.",
            responses=ERR(404, 409, 422, MasterplanNotApproved))
async def report_progress(plan: CurrentPlan, programme: CurrentProgramme, period: Period, body: schemas.ProgressIn,
                          session: SessionDep, actor: RegionWriter) -> schemas.Progress:
    report = await service.report_progress(session, plan, programme, period, body, actor)
    return schemas.Progress.model_validate(report)


@router.get("/masterplans/{plan_id}/progress", operation_id="masterplan_progress_list", tags=["progress"],
            summary="All progress reports of a masterplan", description="By programme and period.",
            responses=ERR(404, 422))
async def list_progress(plan: CurrentPlan, session: SessionDep, _: RegionParty,
                        page: PageDep) -> Page[schemas.Progress]:
    return await paginate(session, service.progress_of(plan), page, schemas.Progress.model_validate)


@router.post("/masterplans/{plan_id}/programmes/{programme_id}/progress/{period}/review",
             operation_id="masterplan_progress_review", tags=["progress"], summary="Kominfo's review of a report",
             description="A note on the period's report.", responses=ERR(404, 422))
async def review_progress(programme: CurrentProgramme, period: Period, body: schemas.ProgressReviewIn,
                          session: SessionDep, actor: Officer) -> schemas.Progress:
    return schemas.Progress.model_validate(await service.review_progress(session, programme, period, body.note,
                                                                         actor))


@router.get("/masterplans/{plan_id}/late", operation_id="masterplan_late_programmes_list", tags=["progress"],
            summary="Programmes whose report for a past year is missing",
            description="A past year is covered by a yearly or a Q4 report.", responses=ERR(404, 422))
async def late(plan: CurrentPlan, session: SessionDep, _: RegionParty,
               as_of: Annotated[IsoDate | None, Query(description="Default: today (WIB)", examples=["2021-06-01"])]
               = None
               ) -> Page[schemas.LateProgramme]:
    return Page.whole(await service.late(session, plan, as_of or clock.today()))


@router.post("/evaluation-schemes", operation_id="masterplan_schemes_create", tags=["evaluation"], status_code=201,
             summary="A new version of the yearly evaluation's weights",
             description="The same code again makes its next version.", responses=ERR(409, 422))
async def create_scheme(body: schemas.SchemeIn, session: SessionDep, actor: Officer) -> schemas.Scheme:
    return schemas.Scheme.model_validate(await service.create_scheme(session, body, actor))


@router.get("/evaluation-schemes", operation_id="masterplan_schemes_list", tags=["evaluation"],
            summary="Evaluation weight versions", description="By code and version.", responses=ERR(422))
async def list_schemes(session: SessionDep, _: Reader, page: PageDep) -> Page[schemas.Scheme]:
    return await paginate(session, service.schemes(), page, schemas.Scheme.model_validate)


@router.post("/masterplans/{plan_id}/evaluations", operation_id="masterplan_evaluations_create",
             tags=["evaluation"], status_code=201, summary="Evaluate a year of implementation",
             description="Scores exactly the scheme's weights; one evaluation per region and year.",
             responses=ERR(404, 409, 422, MasterplanNotApproved, AlreadyExists))
async def evaluate(plan: CurrentPlan, body: schemas.EvaluationIn, session: SessionDep,
                   actor: Officer) -> schemas.Evaluation:
    return schemas.Evaluation.model_validate(await service.evaluate(session, plan, body, actor))


@router.get("/masterplans/{plan_id}/evaluations", operation_id="masterplan_evaluations_list", tags=["evaluation"],
            summary="Yearly evaluations of the region", description="Oldest year first.", responses=ERR(404, 422))
async def list_evaluations(plan: CurrentPlan, session: SessionDep, _: RegionParty,
                           page: PageDep) -> Page[schemas.Evaluation]:
    return await paginate(session, service.evaluations(plan), page, schemas.Evaluation.model_validate)


SchemeCode = Annotated[str, Query(pattern=schemas.SCHEME_CODE)]


@router.get("/evaluations", operation_id="masterplan_evaluation_history_list", tags=["evaluation"],
            summary="Every region's evaluations under the named schemes",
            description="The yearly evaluations recorded on masterplans, across regions, oldest year first, with "
                        "each region's code today and the scheme's code and version: what an evaluation round "
                        "compares its members with when it names these schemes comparable.",
            responses=ERR(422))
async def evaluation_history(session: SessionDep, _: Reader, page: PageDep,
                             scheme: Annotated[list[SchemeCode], Query(min_length=1, max_length=20,
                                                                       description="Scheme codes, any version",
                                                                       examples=[["evaluasi-gm100"]])],
                             before_year: Annotated[int | None, Query(ge=2000, le=2100, examples=[2018],
                                                                      description="Only years before this")] = None
                             ) -> Page[schemas.EvaluationRecord]:
    return await paginate(session, service.evaluation_history(scheme, before_year), page,
                          service.evaluation_record, scalars=False)
