"""Masterplan version operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import IllegalTransition
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.lineage import code_today
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router
from services.common.schemas import RegencyCodeFilter

from ..auth import Mover, Officer, RegionParty, RegionWriter
from ..deps import CurrentPlan, LockedPlan, PlanForUpdate, Registry
from ..exceptions import (
    MasterplanExists,
    MasterplanNotApproved,
    MasterplanNotDraft,
    MasterplanNotInReview,
    MasterplanWithoutProgrammes,
    NoMou,
    NotFlagged,
    RevisionOpen,
)
from ..models import Masterplan, records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["masterplans"],
                         dependencies=[Depends(region_scope)])


async def _answer(session: SessionDep, plan: Masterplan, response: Response) -> schemas.MasterplanDetail:
    set_etag(response, plan.etag)
    return await service.detail(session, plan)


@router.post("/masterplans", operation_id="masterplan_plans_create", status_code=201,
             summary="Start a region's masterplan (version 1, draft)",
             description="After the MoU (409 mou-missing); a region has one masterplan, revised in versions "
                         "(409 masterplan-exists).",
             responses={**ERR(404, 409, 422, NoMou, MasterplanExists), **with_etag(201, created=True)})
async def create_masterplan(body: schemas.MasterplanIn, session: SessionDep, actor: RegionWriter,
                            response: Response) -> schemas.MasterplanDetail:
    plan = await service.create_masterplan(session, body, actor)
    response.headers["Location"] = f"/api/v1/masterplan/masterplans/{plan.id}"
    return await _answer(session, plan, response)


@router.get("/masterplans", operation_id="masterplan_plans_list", summary="Masterplans",
            description="Every version; `needs_reconfirmation=true` lists those a new regional head must "
                        "reconfirm, with the reason. A region filter takes today's code or a former one.",
            responses=ERR(422, 502, 503))
async def list_masterplans(session: SessionDep, principal: RegionParty, page: PageDep, registry: Registry,
                           region_code: RegencyCodeFilter = None,
                           state: schemas.MasterplanState | None = None,
                           needs_reconfirmation: bool | None = None) -> Page[schemas.Masterplan]:
    today = await code_today(registry, region_code) if region_code else None
    stmt = service.listing(principal, today, state, needs_reconfirmation)
    return await paginate(session, stmt, page, schemas.Masterplan.model_validate)


@router.get("/masterplans/{plan_id}", operation_id="masterplan_plans_get", summary="One version with its programmes",
            description="With the dates of its approval, revision and reconfirmation.",
            responses={**ERR(404, 422), **with_etag()})
async def get_masterplan(plan: CurrentPlan, session: SessionDep, _: RegionParty,
                         response: Response) -> schemas.MasterplanDetail:
    return await _answer(session, plan, response)


@router.patch("/masterplans/{plan_id}", operation_id="masterplan_plans_update", summary="Edit a draft",
              description="Only a draft changes (409 masterplan-not-draft).",
              responses={**ERR(404, 409, 412, 422, 428, MasterplanNotDraft), **with_etag()})
async def update_masterplan(plan: PlanForUpdate, body: schemas.MasterplanPatch, session: SessionDep,
                            actor: RegionWriter, response: Response) -> schemas.MasterplanDetail:
    return await _answer(session, await service.update_masterplan(session, plan, body, actor), response)


@router.post("/masterplans/{plan_id}/transitions", operation_id="masterplan_plans_transition",
             summary="Submit (region), take into review, return, or approve (Kominfo)",
             description="draft → submitted (the region) → in_review → approved (Kominfo, with the Perbup/Perwali "
                         "that enacts it: its date is the approval date) or back to draft. Approving supersedes "
                         "the previous approved version, and flags it at once when the registry knows a head who "
                         "took office after that date.",
             responses={**ERR(403, 404, 409, 422, 502, 503, MasterplanWithoutProgrammes, IllegalTransition),
                              **with_etag()})
async def transition(actor: Mover, plan: LockedPlan, body: schemas.TransitionIn, session: SessionDep,
                     registry: Registry, response: Response) -> schemas.MasterplanDetail:
    return await _answer(session, await service.transition(session, plan, body, registry, actor), response)


@router.post("/masterplans/{plan_id}/comments", operation_id="masterplan_comments_create", status_code=201,
             summary="A reviewer's comment", description="While the masterplan is in review.",
             responses=ERR(404, 409, 422, MasterplanNotInReview))
async def add_comment(plan: CurrentPlan, body: schemas.CommentIn, session: SessionDep,
                      actor: Officer) -> schemas.Comment:
    return schemas.Comment.model_validate(await service.add_comment(session, plan, body.body, actor))


@router.get("/masterplans/{plan_id}/comments", operation_id="masterplan_comments_list", summary="Review comments",
            description="Oldest first.", responses=ERR(404, 422))
async def list_comments(plan: CurrentPlan, session: SessionDep, _: RegionParty,
                        page: PageDep) -> Page[schemas.Comment]:
    return await paginate(session, service.comments(plan), page, schemas.Comment.model_validate)


@router.post("/masterplans/{plan_id}/revisions", operation_id="masterplan_plans_revise", status_code=201,
             summary="Start a new draft version from the approved one, naming the reason",
             description="The programmes are copied with their keys, so versions can be compared.",
             responses={**ERR(404, 409, 422, MasterplanNotApproved, RevisionOpen), **with_etag(201)})
async def revise(plan: LockedPlan, body: schemas.RevisionIn, session: SessionDep, actor: RegionWriter,
                 response: Response) -> schemas.MasterplanDetail:
    return await _answer(session, await service.revise(session, plan, body, actor), response)


@router.get("/masterplans/{plan_id}/diff", operation_id="masterplan_plans_diff",
            summary="What changed between another version and this one",
            description="Programmes added, removed and changed, field by field.", responses=ERR(404, 422))
async def diff(plan: CurrentPlan, against: Annotated[int, Query(ge=1, le=2**62)], session: SessionDep,
               principal: RegionParty) -> schemas.Diff:
    return await service.diff(session, await service.get_masterplan(session, against, principal), plan)


@router.post("/masterplans/{plan_id}/reconfirmations", operation_id="masterplan_plans_reconfirm",
             summary="The new regional head reconfirms the approved masterplan",
             description="Clears the flag; `reconfirmed_on` is when the head did so (not before the approval).",
             responses={**ERR(404, 409, 422, NotFlagged), **with_etag()})
async def reconfirm(plan: LockedPlan, body: schemas.ReconfirmIn, session: SessionDep, actor: RegionWriter,
                    response: Response) -> schemas.MasterplanDetail:
    return await _answer(session, await service.reconfirm(session, plan, body, actor), response)
