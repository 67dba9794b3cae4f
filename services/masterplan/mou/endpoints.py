"""MoU operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.lineage import code_today
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router
from services.common.schemas import RegencyCodeFilter

from ..auth import Officer, RegionParty
from ..deps import Assessment, CurrentMou, MouForUpdate, Registry
from ..exceptions import MouExists, RegionNotSelected
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["mou"], dependencies=[Depends(region_scope)])


@router.post("/mous", operation_id="masterplan_mous_create", status_code=201,
             summary="Record a signed MoU (only for a region selected in a published round)",
             description="Asks the assessment service for the region's published selection (409 "
                         "region-not-selected); one MoU per region and round (409 mou-exists).",
             responses={**ERR(409, 422, 502, 503, RegionNotSelected, MouExists), **with_etag(201, created=True)})
async def create_mou(body: schemas.MouIn, session: SessionDep, actor: Officer,
                     assessment: Assessment, response: Response) -> schemas.Mou:
    mou = await service.create_mou(session, body, assessment, actor)
    set_etag(response, mou.etag)
    response.headers["Location"] = f"/api/v1/masterplan/mous/{mou.id}"
    return schemas.Mou.model_validate(mou)


@router.get("/mous", operation_id="masterplan_mous_list", summary="Signed MoUs",
            description="A pemda user sees its own region's; a region filter takes today's code or a former one.",
            responses=ERR(422, 502, 503))
async def list_mous(session: SessionDep, principal: RegionParty, page: PageDep, registry: Registry,
                    region_code: RegencyCodeFilter = None,
                    cohort_year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> Page[schemas.Mou]:
    today = await code_today(registry, region_code) if region_code else None
    return await paginate(session, service.listing(principal, today, cohort_year), page,
                          schemas.Mou.model_validate)


@router.get("/mous/{mou_id}", operation_id="masterplan_mous_get", summary="One MoU",
            description="With its signing date and when it was recorded.", responses={**ERR(404, 422), **with_etag()})
async def get_mou(mou: CurrentMou, _: RegionParty, response: Response) -> schemas.Mou:
    set_etag(response, mou.etag)
    return schemas.Mou.model_validate(mou)


@router.patch("/mous/{mou_id}", operation_id="masterplan_mous_amend",
              summary="Amend an MoU, naming the reason and the date it was agreed",
              description="The amendment and its reason are audited; the MoU keeps its signing date unless the "
                          "amendment corrects it.", responses={**ERR(404, 412, 422, 428), **with_etag()})
async def amend_mou(mou: MouForUpdate, body: schemas.MouAmendmentIn, session: SessionDep, actor: Officer,
                    response: Response) -> schemas.Mou:
    mou = await service.amend_mou(session, mou, body, actor)
    set_etag(response, mou.etag)
    return schemas.Mou.model_validate(mou)
