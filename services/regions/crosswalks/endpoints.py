"""Crosswalks from other codings (BPS) to Kemendagri codes: loaded by the operator, open to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from services.common.auth import Public
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router, no_if_match
from services.common.tables import XLSX, request_rows

from ..auth import CrosswalkLoader
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/regions/crosswalks", tags=["regions"])
CodingPath = Annotated[schemas.ExternalCoding, Path(description="Kemendagri codes need no crosswalk")]
YearPath = Annotated[int, Path(ge=2000, le=2100, examples=[2018], description="The year of the codes it maps")]
BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "array", "maxItems": schemas.MAX_ROWS,
                                    "items": schemas.CrosswalkEntryIn.model_json_schema()}},
    "text/csv": {"schema": {"type": "string"},
                 "example": "external_code,kemendagri_code,name\n9171,92.71,Kota Sorong\n9471,91.71,Kota Jayapura\n"},
    XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("", operation_id="regions_crosswalks_list", summary="The crosswalks loaded, by coding and year",
            description="How many codes each maps, from which source, loaded by whom and when.",
            responses=problem_responses(422))
async def list_crosswalks(session: SessionDep, _: Public) -> Page[schemas.Crosswalk]:
    return Page.whole(await service.summaries(session))


@router.get("/{coding}/{year}", operation_id="regions_crosswalk_entries_list",
            summary="The codes of one crosswalk, each with its Kemendagri code then and today",
            description="As loaded, so anyone can check what a file coded this way lands on.",
            responses=problem_responses(404, 422))
async def crosswalk_entries(coding: CodingPath, year: YearPath, session: SessionDep, _: Public,
                            page: PageDep) -> Page[schemas.CrosswalkEntry]:
    await service.summary(session, coding, year)
    return await paginate(session, service.entries(coding, year), page, schemas.CrosswalkEntry.model_validate)


@router.put("/{coding}/{year}", operation_id="regions_crosswalk_replace",
            openapi_extra={**BODY, **no_if_match("A year's crosswalk is replaced whole by the operator's file; the "
                                                 "audit keeps who loaded which")},
            summary="Load a year's crosswalk, replacing the one loaded before (all or nothing)",
            description="Rows `external_code`, `kemendagri_code` (in that year's codes; a former code is "
                        "mapped to today's) and an optional `name`, as JSON, CSV or a workbook. A code that "
                        "never named a region refuses the file by row.",
            responses=problem_responses(403, 415, 422))
async def replace_crosswalk(coding: CodingPath, year: YearPath, request: Request, session: SessionDep,
                            actor: CrosswalkLoader,
                            source: Annotated[str, Query(min_length=3, max_length=500,
                                                         examples=["BPS, Master File Desa 2018"],
                                                         description="Where the crosswalk comes from")],
                            check_only: Annotated[bool, Query(description="Check the file and answer what it "
                                                                          "would load, loading nothing")] = False,
                            ) -> schemas.Crosswalk:
    rows = await request_rows(request, schemas.CROSSWALK_FIELDS)
    savepoint = await session.begin_nested()
    loaded = await service.replace(session, coding, year, rows, source, actor)
    if check_only:
        await savepoint.rollback()
    return loaded
