"""The region tree: codes, names, levels, search, lookup and export: operations under /api/v1/regions."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query, Request, Response

from services.common.auth import Principal, Public, SignedIn
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.export import ExportDep, export_content, export_response, stream_rows
from services.common.hot import HotRead
from services.common.pagination import MAX_OFFSET, MAX_PAGE_SIZE, Page, PageDep, PageParams
from services.common.routing import contract_router
from services.common.schemas import IslandGroup, IsoDate

from ..deps import CodePath
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/regions")
REGION_CODE = re.compile(schemas.REGION_CODE_PATTERN)
SEARCH_MAX = 100  # characters of search text
LICENCE = "Kode wilayah: Kepmendagri 300.2.2-2138/2025 (public decree); indicator values: owning ministry"


@router.get("", operation_id="regions_list", tags=["regions"],
            dependencies=[public_for(60)], summary="List and search regions",
            description="The Kemendagri region tree (provinces, kabupaten/kota, kecamatan, desa/kelurahan), "
                        "filtered by level, parent, province, type or island group, or searched by name.",
            responses=problem_responses(422))
async def list_regions(
    session: SessionDep, _: Public, page: PageDep,
    q: Annotated[str | None, Query(min_length=1, max_length=SEARCH_MAX,
                                   description="Name search: case-, accent- and space-insensitive; exact and "
                                               "prefix matches rank first. A code finds its region, a former "
                                               "code too (with `resolved_from`)", examples=["tanjung pinang"])] = None,
    level: schemas.Level | None = None,
    parent: Annotated[str | None, Query(pattern=schemas.REGION_CODE_PATTERN)] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    type_: Annotated[schemas.RegionType | None, Query(alias="type")] = None,
    island_group: IslandGroup | None = None,
    sort: schemas.RegionSort = schemas.RegionSort.relevance,
) -> Page[schemas.Region]:
    conditions = service.region_filters(level=level, parent=parent, province=province, type_=type_,
                                        island_group=island_group)
    if q is not None and REGION_CODE.fullmatch(q):  # a code, perhaps a former one
        items, total = await service.search_by_code(session, q, conditions, sort, page)
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)
    rows, total = await service.search_regions(session, q=q, conditions=conditions, sort=sort, page=page)
    return Page(items=[schemas.Region.model_validate(r) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


@router.post("/lookup", operation_id="regions_lookup", tags=["regions"],
             summary="Check many codes at once (used by other services)",
             description="The regions found, today's record of each, even by a former code (92.71 finds 96.71 "
                         "Kota Sorong), and the codes that never named a region.",
             responses=problem_responses(422))
async def lookup_regions(body: schemas.LookupIn, session: SessionDep, _: SignedIn) -> schemas.LookupOut:
    return await service.lookup(session, body.codes, body.on)


@router.get("/export", operation_id="regions_export", tags=["regions"], summary="Download regions as CSV or XLSX",
            description="Streamed; with the decree the codes come from.",
            response_class=Response,
            responses={200: {"content": export_content(schemas.RegionRow)}, **problem_responses(422)})
async def export_regions(
    request: Request, _: Public, export: ExportDep, level: schemas.Level | None = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
) -> Response:
    return export_response(export, "regions", service.EXPORT_COLUMNS,
                           stream_rows(request, service.export_statement(level, province), tuple),
                           title="Kode wilayah", licence=LICENCE, public_for=3600)


@router.get("/{code}", operation_id="regions_get", tags=["regions"],
            summary="A region with its parent, current head and code history",
            description="Today's record of the region. A former code answers the region it led to, with "
                        "`resolved_from` (200, not a redirect: the caller learns the code was old, and a cache "
                        "cannot keep a redirect for a code that may be reused). `on` adds the region as it was "
                        "that day: its code, name, parent and the list of codes in force.",
            responses=problem_responses(404, 422))
async def get_region(code: CodePath, session: SessionDep, _: Public,
                     on: Annotated[IsoDate | None, Query(description="A date: the region as it was that day",
                                                      examples=["2018-05-08"])] = None) -> schemas.RegionDetail:
    return await service.region_detail(session, code, on)


async def _region_hot(request: Request, _: Principal | None) -> schemas.RegionDetail | None:
    code = request.path_params["code"]
    if not REGION_CODE.fullmatch(code):
        return None
    return await service.current_detail(request.app.state.reader, code)


async def _search_hot(request: Request, _: Principal | None) -> Page[schemas.Region] | None:
    given = request.query_params
    q, limit, offset = given.get("q"), given.get("limit", "50"), given.get("offset", "0")
    if (len(given.multi_items()) != len(given) or q is None or not 1 <= len(q) <= SEARCH_MAX or REGION_CODE.fullmatch(q)
            or not all(v.isascii() and v.isdigit() for v in (limit, offset))
            or not (1 <= int(limit) <= MAX_PAGE_SIZE and int(offset) <= MAX_OFFSET)):
        return None
    return await service.name_search(request.app.state.reader, q, PageParams(limit=int(limit), offset=int(offset)))


# Partners look regions up by code and forms search them by name all day: the plain forms are read hot.
HOT_READS = [HotRead("regions_get", _region_hot, stands_for=(SessionDep,)),
             HotRead("regions_list", _search_hot, stands_for=(SessionDep, PageDep),
                     query=frozenset({"q", "limit", "offset"}))]


@router.get("/{code}/children", operation_id="regions_children_list", tags=["regions"],
            dependencies=[public_for(60)],
            summary="The regions directly under a region",
            description="By code, or searched by name within the parent.", responses=problem_responses(404, 422))
async def list_children(code: CodePath, session: SessionDep, _: Public, page: PageDep,
                        q: Annotated[str | None, Query(min_length=1, max_length=SEARCH_MAX)] = None
                        ) -> Page[schemas.Region]:
    await service.get_region(session, code)
    rows, total = await service.search_regions(session, q=q, conditions=service.region_filters(parent=code),
                                               sort=schemas.RegionSort.code if q is None
                                               else schemas.RegionSort.relevance, page=page)
    return Page(items=[schemas.Region.model_validate(r) for r in rows], total=total, limit=page.limit,
                offset=page.offset)
