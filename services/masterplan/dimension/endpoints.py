"""Dimension operations."""

from __future__ import annotations

from fastapi import Depends, Response

from services.common.auth import Public, region_scope
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import AlreadyExists
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.pagination import Page
from services.common.routing import contract_router

from ..auth import Administrator
from ..deps import DimensionCode, DimensionForUpdate
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["dimensions"],
                         dependencies=[Depends(region_scope)])


@router.get("/dimensions", operation_id="masterplan_dimensions_list", dependencies=[public_for(300)],
            summary="The six smart city dimensions and their elements",
            description="Reference data for classifying programmes; administrators edit it.")
async def list_dimensions(session: SessionDep, _: Public) -> Page[schemas.Dimension]:
    return Page.whole(await service.dimensions(session))


@router.get("/dimensions/{code}", operation_id="masterplan_dimensions_get", summary="One dimension, with its ETag",
            description="With its elements.", responses={**ERR(404, 422), **with_etag()})
async def get_dimension(code: DimensionCode, session: SessionDep, _: Public, response: Response) -> schemas.Dimension:
    dim = await service.get_dimension(session, code)
    set_etag(response, dim.etag)
    return await service.dimension_out(session, dim)


@router.patch("/dimensions/{code}", operation_id="masterplan_dimensions_update", summary="Rename a dimension",
              description="Names in Indonesian and English.", responses={**ERR(404, 412, 422, 428), **with_etag()})
async def update_dimension(dim: DimensionForUpdate, body: schemas.DimensionPatch, session: SessionDep,
                           actor: Administrator, response: Response) -> schemas.Dimension:
    dim = await service.rename(session, dim, body, actor)
    set_etag(response, dim.etag)
    return await service.dimension_out(session, dim)


@router.post("/dimensions/{code}/elements", operation_id="masterplan_elements_create", status_code=201,
             summary="Add an element to a dimension", description="A sub-area programmes may be classified by.",
             responses=ERR(404, 409, 422, AlreadyExists))
async def create_element(code: DimensionCode, body: schemas.ElementIn, session: SessionDep,
                         actor: Administrator) -> schemas.Element:
    return schemas.Element.model_validate(await service.add_element(session, code, body, actor))
