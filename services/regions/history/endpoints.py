"""Codes through time: the lists of codes the programme lived under and the lineage between them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from services.common.auth import Public
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router

from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/regions", tags=["regions"])
ListLabel = Annotated[str, Path(pattern=r"^\d{4}$", examples=["2018"])]


@router.get("/code-lists", operation_id="regions_code_lists_list", dependencies=[public_for(3600)],
            summary="The lists of codes kept, with their regulations",
            description="Six lists from Permendagri 56/2015 to Kepmendagri 300.2.2-2138/2025 (transcribed by "
                        "cahyadsn/wilayah, MIT). A label is not the date from which a list's codes apply.",
            responses=problem_responses(422))
async def code_lists(session: SessionDep, _: Public) -> Page[schemas.CodeList]:
    return Page.whole([schemas.CodeList.model_validate(x) for x in await service.code_lists(session)])


@router.get("/code-lists/{label}", operation_id="regions_code_list_entries_list", dependencies=[public_for(3600)],
            summary="The provinces and kabupaten/kota of one list, with today's code of each",
            description="As the list gave them: 92.71 Kota Sorong in 2018, whose code today is 96.71.",
            responses=problem_responses(404, 422))
async def code_list_entries(label: ListLabel, session: SessionDep, _: Public,
                            page: PageDep) -> Page[schemas.CodeListEntry]:
    await service.require_code_list(session, label)
    return await paginate(session, service.code_list_entries(label), page, schemas.CodeListEntry.model_validate)
