"""Dimension operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.common.auth import region_scope
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.pagination import Page
from services.common.routing import contract_router

from ..auth import Administrator, Public
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["dimensions"],
                         dependencies=[Depends(region_scope)])
DimensionCode = Annotated[str, Path(pattern=r"^[a-z_]{2,30}$", examples=["governance"])]


@router.get("/dimensions", operation_id="masterplan_dimensions_list", dependencies=[public_for(300)],
            summary="The six smart city dimensions and their elements",
            description="Reference data for classifying programmes; administrators edit it.")
async def list_dimensions(session: SessionDep, _: Public) -> Page[schemas.Dimension]:
    return Page.whole(await service.dimensions(session))


@router.patch("/dimensions/{code}", operation_id="masterplan_dimensions_update", summary="Rename a dimension",
              description="Names in Indonesian and English.", responses=ERR(404, 422))
async def update_dimension(code: DimensionCode, body: schemas.DimensionPatch, session: SessionDep,
                           actor: Administrator) -> schemas.Dimension:
    dim = await service.rename(session, code, body, actor)
    return schemas.Dimension(code=dim.code, name_id=dim.name_id, name_en=dim.name_en, position=dim.position)


@router.post("/dimensions/{code}/elements", operation_id="masterplan_elements_create", status_code=201,
             summary="Add an element to a dimension", description="A sub-area programmes may be classified by.",
             responses=ERR(404, 409, 422))
async def create_element(code: DimensionCode, body: schemas.ElementIn, session: SessionDep,
                         actor: Administrator) -> schemas.Element:
    return schemas.Element.model_validate(await service.add_element(session, code, body, actor))
