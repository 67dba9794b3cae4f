"""Rubric operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from services.common.auth import SignedIn, region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router

from ..auth import Officer, ReaderOrAssessor
from ..deps import CurrentRubric, RubricForUpdate
from ..exceptions import RubricLocked
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", tags=["rubrics"], dependencies=[Depends(region_scope)])


@router.get("/rubrics", operation_id="assessment_rubrics_list", summary="Rubrics, by code and newest version first",
            description="Every version of every rubric; `code` narrows to one rubric's versions.", responses=ERR(422))
async def list_rubrics(session: SessionDep, _: ReaderOrAssessor, page: PageDep,
                       code: Annotated[str | None, Query(pattern=r"^[a-z0-9-]{3,60}$", examples=["gm100-2019"])]
                       = None) -> Page[schemas.Rubric]:
    return await paginate(session, service.listing(code), page, schemas.Rubric.model_validate)


@router.post("/rubrics", operation_id="assessment_rubrics_create", status_code=201,
             summary="Create a rubric (the same code again makes its next version)",
             description="Sibling weights sum to 100; scored components need a scale; indicator components name "
                         "their indicator and a normalisation (or take it from the indicator's definition).",
             responses={**ERR(409, 422), **with_etag(201, created=True)})
async def create_rubric(body: schemas.RubricIn, session: SessionDep, actor: Officer,
                        response: Response) -> schemas.Rubric:
    rubric = await service.create_rubric(session, body, actor)
    set_etag(response, rubric.etag)
    response.headers["Location"] = f"/api/v1/assessment/rubrics/{rubric.id}"
    return schemas.Rubric.model_validate(rubric)


@router.get("/rubrics/{rubric_id}", operation_id="assessment_rubrics_get", summary="One rubric version",
            description="The version with its components, weights, scales and level descriptions.",
            responses={**ERR(404, 422), **with_etag()})
async def get_rubric(rubric: CurrentRubric, _: SignedIn, response: Response) -> schemas.Rubric:
    set_etag(response, rubric.etag)
    return schemas.Rubric.model_validate(rubric)


@router.put("/rubrics/{rubric_id}", operation_id="assessment_rubrics_replace",
            summary="Replace a rubric that no round has locked",
            description="Once a round using it leaves draft the rubric is locked (409 rubric-locked): create its "
                        "next version instead.",
            responses={**ERR(404, 409, 412, 422, 428, RubricLocked), **with_etag()})
async def replace_rubric(rubric: RubricForUpdate, body: schemas.RubricIn, session: SessionDep, actor: Officer,
                         response: Response) -> schemas.Rubric:
    rubric = await service.replace_rubric(session, rubric, body, actor)
    set_etag(response, rubric.etag)
    return schemas.Rubric.model_validate(rubric)
