"""Regional heads and their terms of office: operations under /api/v1/regions."""

from __future__ import annotations

from fastapi import Response, status

from services.common.auth import Public
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import set_etag, with_etag
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router

from ..auth import HeadWriter
from ..deps import CodePath, HeadForUpdate, TermId
from ..exceptions import HeadTermsOverlap
from ..models import records
from ..registry import schemas as registry_schemas
from ..registry import service as registry_service
from . import schemas, service

router = contract_router(records, prefix="/api/v1/regions")


@router.get("/{code}/heads", operation_id="regions_heads_list", tags=["heads"],
            summary="Terms of office of a kabupaten/kota's heads, newest first",
            description="Each term with its dates and when it was recorded; by today's code or a former one.",
            responses=problem_responses(404, 422))
async def list_heads(code: CodePath, session: SessionDep, _: Public, page: PageDep) -> Page[registry_schemas.HeadTerm]:
    region = await registry_service.region_today(session, code)
    return await paginate(session, service.heads(region.code), page, registry_schemas.HeadTerm.model_validate)


@router.post("/{code}/heads", operation_id="regions_heads_create", tags=["heads"],
             status_code=status.HTTP_201_CREATED, summary="Record a head's term (terms never overlap)",
             description="An overlapping term is refused, naming the term it clashes with. Masterplans approved "
                         "before the term began are flagged for reconfirmation. A former code (a 2018 term of "
                         "92.71) records the term under today's code.",
             responses={**problem_responses(404, 409, 422, HeadTermsOverlap), **with_etag(201, created=True)})
async def create_head(code: CodePath, body: schemas.HeadTermIn, session: SessionDep, actor: HeadWriter,
                      response: Response) -> registry_schemas.HeadTerm:
    region = await registry_service.region_today(session, code)
    term = await service.add_head(session, region.code, body, actor)
    set_etag(response, term.etag)
    response.headers["Location"] = f"/api/v1/regions/{region.code}/heads/{term.id}"
    return registry_schemas.HeadTerm.model_validate(term)


@router.get("/{code}/heads/{term_id}", operation_id="regions_heads_get", tags=["heads"],
            summary="One term of office", description="With its dates and when it was recorded.",
            responses={**problem_responses(404, 422), **with_etag()})
async def get_head(code: CodePath, term_id: TermId, session: SessionDep, _: Public,
                   response: Response) -> registry_schemas.HeadTerm:
    term = await service.get_head(session, code, term_id)
    set_etag(response, term.etag)
    return registry_schemas.HeadTerm.model_validate(term)


@router.patch("/{code}/heads/{term_id}", operation_id="regions_heads_update", tags=["heads"],
              summary="Correct or end a term", description="An end date may not make terms overlap.",
              responses={**problem_responses(404, 409, 412, 422, 428, HeadTermsOverlap), **with_etag()})
async def update_head(term: HeadForUpdate, patch: schemas.HeadTermPatch, response: Response, session: SessionDep,
                      actor: HeadWriter) -> registry_schemas.HeadTerm:
    term = await service.update_head(session, term, patch, actor)
    set_etag(response, term.etag)
    return registry_schemas.HeadTerm.model_validate(term)
