"""Programme and roadmap operations."""

from __future__ import annotations

from fastapi import Depends, Request, Response, status

from services.common.auth import Principal, region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.hot import HotRead, path_id
from services.common.routing import contract_router, no_if_match

from ..auth import Aligner, RegionParty, RegionWriter
from ..deps import CurrentPlan, CurrentProgramme, PlanForUpdate, ProgrammeForUpdate
from ..exceptions import MasterplanNotDraft, MasterplanSuperseded
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["programmes"],
                         dependencies=[Depends(region_scope)])


@router.post("/masterplans/{plan_id}/programmes", operation_id="masterplan_programmes_create", status_code=201,
             summary="Add a programme to a draft (If-Match of the masterplan)",
             description="Its key (P001, P002, ...) is never reused across the region's versions. The answer's "
                         "ETag is the masterplan's new one.",
             responses={**ERR(404, 409, 412, 422, 428, MasterplanNotDraft), **with_etag(201)})
async def add_programme(plan: PlanForUpdate, body: schemas.ProgrammeIn, session: SessionDep, actor: RegionWriter,
                        response: Response) -> schemas.Programme:
    programme = await service.add_programme(session, plan, body, actor)
    set_etag(response, plan.etag)
    return schemas.Programme.model_validate(programme)


@router.put("/masterplans/{plan_id}/programmes/{programme_id}", operation_id="masterplan_programmes_replace",
            summary="Replace a programme of a draft (If-Match of the masterplan)",
            description="The answer's ETag is the masterplan's new one.",
            responses={**ERR(404, 409, 412, 422, 428, MasterplanNotDraft), **with_etag()})
async def replace_programme(plan: PlanForUpdate, programme: ProgrammeForUpdate, body: schemas.ProgrammeIn,
                            session: SessionDep, actor: RegionWriter, response: Response) -> schemas.Programme:
    programme = await service.replace_programme(session, plan, programme, body, actor)
    set_etag(response, plan.etag)
    return schemas.Programme.model_validate(programme)


@router.delete("/masterplans/{plan_id}/programmes/{programme_id}", operation_id="masterplan_programmes_delete",
               status_code=status.HTTP_204_NO_CONTENT, summary="Remove a programme from a draft (If-Match of the "
               "masterplan)", description="The answer's ETag is the masterplan's new one.",
               responses={**ERR(404, 409, 412, 422, 428, MasterplanNotDraft), **with_etag(204)})
async def delete_programme(plan: PlanForUpdate, programme: ProgrammeForUpdate, session: SessionDep,
                           actor: RegionWriter) -> Response:
    await service.delete_programme(session, plan, programme, actor)
    return Response(status_code=204, headers={"ETag": plan.etag})


@router.put("/masterplans/{plan_id}/programmes/{programme_id}/alignment", operation_id="masterplan_programmes_align",
            openapi_extra=no_if_match("Bappenas's own judgement of one programme, replaced whole; the audit keeps "
                                      "every earlier one"),
            summary="Align a programme to RPJMN/RPJMD programmes (Bappenas)",
            description="Tags annotate the programme; they are not plan content, so approval does not lock them.",
            responses=ERR(404, 409, 422, MasterplanSuperseded))
async def align_programme(plan: CurrentPlan, programme: CurrentProgramme, body: schemas.AlignmentIn,
                          session: SessionDep, actor: Aligner) -> schemas.Programme:
    return schemas.Programme.model_validate(await service.align_programme(session, plan, programme, body.tags, actor))


@router.get("/masterplans/{plan_id}/roadmap", operation_id="masterplan_roadmap_get",
            summary="Year × dimension matrix: programmes, budget per year, per dimension and per source",
            description="Quick wins per year; budgets in whole rupiah.", responses=ERR(404, 422))
async def roadmap(plan: CurrentPlan, session: SessionDep, _: RegionParty) -> schemas.Roadmap:
    answer = await service.roadmap(session, plan.id)
    assert answer is not None  # the path's masterplan was just read
    return answer


async def _roadmap_hot(request: Request, principal: Principal | None) -> schemas.Roadmap | None:
    plan_id = path_id(request, "plan_id")
    if plan_id is None:
        return None
    answer = await service.roadmap(request.app.state.reader, plan_id)
    # Another region's masterplan goes the full way, to the same 404 as one that does not exist.
    return answer if answer is not None and principal is not None and principal.may_see_region(
        answer.region_code) else None


# Region dashboards and partners poll the roadmap: the plain request is read hot.
HOT_READS = [HotRead("masterplan_roadmap_get", _roadmap_hot, stands_for=(CurrentPlan, SessionDep))]
