"""HTTP endpoints of the region registry, served under /api/v1/regions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status

from services.common.auth import Public, SignedIn, region_scope
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import Unprocessable, UnsupportedMediaType, problem_responses
from services.common.etag import IfMatch, check_if_match, set_etag, with_etag
from services.common.export import ExportFormat, export_content, export_response, stream_rows
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router
from services.common.schemas import IslandGroup
from services.common.tables import TABLE_TYPES, XLSX, read_table

from . import schemas, service
from .auth import HeadWriter, IndicatorAdmin, IndicatorLoader
from .exceptions import HeadTermsOverlap
from .models import HeadTerm, Indicator, records

router = contract_router(records, prefix="/api/v1/regions")
CodePath = Annotated[str, Path(pattern=schemas.REGION_CODE_PATTERN, description="Kemendagri region code",
                               examples=["21.72"])]
IndicatorPath = Annotated[str, Path(pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])]
TermId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]


async def _indicator_for_update(indicator: IndicatorPath, session: SessionDep, if_match: IfMatch = None) -> Indicator:
    row = await service.get_indicator(session, indicator, lock=True)
    check_if_match(if_match, row.etag)
    return row


async def _head_for_update(code: CodePath, term_id: TermId, session: SessionDep, if_match: IfMatch = None) -> HeadTerm:
    term = await service.get_head(session, code, term_id, lock=True)
    check_if_match(if_match, term.etag)
    return term


IndicatorForUpdate = Annotated[Indicator, Depends(_indicator_for_update)]
HeadForUpdate = Annotated[HeadTerm, Depends(_head_for_update)]
LICENCE = "Kode wilayah: Kepmendagri 300.2.2-2138/2025 (public decree); indicator values: owning ministry"


# Regions ----------------------------------------------------------------------------------------

@router.get("", operation_id="regions_list", tags=["regions"],
            dependencies=[public_for(60)], summary="List and search regions",
            description="The Kemendagri region tree (provinces, kabupaten/kota, kecamatan, desa/kelurahan), "
                        "filtered by level, parent, province, type or island group, or searched by name.",
            responses=problem_responses(422))
async def list_regions(
    session: SessionDep, _: Public, page: PageDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100,
                                   description="Name search: case-, accent- and space-insensitive; exact and "
                                               "prefix matches rank first", examples=["tanjung pinang"])] = None,
    level: schemas.Level | None = None,
    parent: Annotated[str | None, Query(pattern=schemas.REGION_CODE_PATTERN)] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    type_: Annotated[schemas.RegionType | None, Query(alias="type")] = None,
    island_group: IslandGroup | None = None,
    sort: schemas.RegionSort = schemas.RegionSort.relevance,
) -> Page[schemas.Region]:
    conditions = service.region_filters(level=level, parent=parent, province=province, type_=type_,
                                        island_group=island_group)
    rows, total = await service.search_regions(session, q=q, conditions=conditions, sort=sort, page=page)
    return Page(items=[schemas.Region.model_validate(r) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


@router.post("/lookup", operation_id="regions_lookup", tags=["regions"],
             summary="Check many codes at once (used by other services)",
             description="The kabupaten/kota found, and the codes that are not kabupaten/kota in the registry.",
             responses=problem_responses(422))
async def lookup_regions(body: schemas.LookupIn, session: SessionDep, _: SignedIn) -> schemas.LookupOut:
    found, missing = await service.lookup(session, body.codes)
    return schemas.LookupOut(found=[schemas.Region.model_validate(r) for r in found], missing=missing)


@router.get("/export", operation_id="regions_export", tags=["regions"], summary="Download regions as CSV or XLSX",
            description="Streamed; with the decree the codes come from.",
            response_class=Response,
            responses={200: {"content": export_content(schemas.RegionRow)}, **problem_responses(422)})
async def export_regions(
    request: Request, _: Public, format: ExportFormat = ExportFormat.csv, level: schemas.Level | None = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
) -> Response:
    return export_response(format, "regions", service.EXPORT_COLUMNS,
                           stream_rows(request, service.export_statement(level, province), tuple),
                           title="Kode wilayah", licence=LICENCE, public_for=3600)


# Indicators (static paths before /{code}) --------------------------------------------------------

@router.get("/indicators", operation_id="regions_indicators_list", tags=["indicators"],
            summary="Indicator definitions", description="What each indicator measures, its scale and its owner.",
            responses=problem_responses(422))
async def list_indicators(session: SessionDep, _: Public, page: PageDep) -> Page[schemas.Indicator]:
    return await paginate(session, service.indicators(), page, schemas.Indicator.model_validate)


@router.get("/indicators/{indicator}", operation_id="regions_indicators_get", tags=["indicators"],
            summary="One indicator definition", description="Its scale, unit, direction and owning ministry.",
            responses={**problem_responses(404, 422), **with_etag()})
async def get_indicator(indicator: IndicatorPath, session: SessionDep, _: Public,
                        response: Response) -> schemas.Indicator:
    row = await service.get_indicator(session, indicator)
    set_etag(response, row.etag)
    return schemas.Indicator.model_validate(row)


@router.patch("/indicators/{indicator}", operation_id="regions_indicators_update", tags=["indicators"],
              summary="Edit an indicator's names and notes", description="Its scale and kind stay as defined.",
              responses={**problem_responses(404, 412, 422, 428), **with_etag()})
async def update_indicator(row: IndicatorForUpdate, patch: schemas.IndicatorPatch, response: Response,
                           session: SessionDep, actor: IndicatorAdmin) -> schemas.Indicator:
    row = await service.update_indicator(session, row, patch, actor)
    set_etag(response, row.etag)
    return schemas.Indicator.model_validate(row)


@router.get("/indicators/{indicator}/values", operation_id="regions_indicator_values_list", tags=["indicators"],
            summary="Values of an indicator (a pemda user sees only its own region)",
            description="Current values by default; `history=true` adds superseded ones.",
            responses=problem_responses(404, 422))
async def list_indicator_values(
    indicator: IndicatorPath, session: SessionDep, actor: SignedIn, page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    region: Annotated[str | None, Query(pattern=schemas.REGION_CODE_PATTERN)] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    level: Annotated[schemas.Level | None, Query(description="Only regions of this level, e.g. regency")] = None,
    history: Annotated[bool, Query(description="Include superseded values")] = False,
) -> Page[schemas.IndicatorValue]:
    await service.get_indicator(session, indicator)
    conditions = service.value_filters(indicator=indicator, region=region, year=year, province=province,
                                       history=history, actor=actor, level=level)
    return await paginate(session, service.values(conditions), page, service.value_out)


BULK_BODY = {
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "maxItems": service.MAX_ROWS,
                                        "items": schemas.IndicatorValueIn.model_json_schema()}},
        "text/csv": {"schema": {"type": "string"},
                     "example": "region_code;year;value;source\n21.72;2019;12,5;BPS 2019\n"},
        XLSX: {"schema": {"type": "string", "format": "binary"}}}}}


@router.post("/indicators/{indicator}/values/bulk", operation_id="regions_indicator_values_load",
             tags=["indicators"], openapi_extra=BULK_BODY,
             summary="Load many values at once, all or nothing, from JSON, CSV or an Excel workbook",
             description="CSV may be separated by commas, semicolons (Excel under Indonesian settings) or tabs, "
                         "and numbers may use a decimal comma (`12,5`, `1.234,5`); a workbook's first sheet is "
                         "read, its first row naming the columns. At most 100,000 rows (every village in one file) "
                         "and 32 MB (`SMARTCITY_MAX_UPLOAD_BYTES`) per request, whatever the format. "
                         "Every row is checked first; one bad row refuses the whole file with a per-row report "
                         "(`errors[].loc = ['row', n, field]`). Sending the same file again changes nothing. "
                         "A changed value supersedes the old one, which stays in the history.",
             responses=problem_responses(403, 404, 409, 415, 422))
async def bulk_upsert_values(indicator: IndicatorPath, request: Request, session: SessionDep,
                             actor: IndicatorLoader) -> schemas.BulkResult:
    definition = await service.get_indicator(session, indicator)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type in TABLE_TYPES:
        rows = read_table(content_type, body, service.VALUE_FIELDS)
    elif content_type == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            raise Unprocessable("The body is not valid JSON") from None
        if not isinstance(parsed, list) or not all(isinstance(r, dict) for r in parsed):
            raise Unprocessable("Send a JSON array of {region_code, year, value, source} objects")
        rows = parsed
    else:
        raise UnsupportedMediaType(f"Send application/json, text/csv or {XLSX}")
    return await service.bulk_upsert(session, definition, rows, actor)


@router.get("/indicators/{indicator}/values/export", operation_id="regions_indicator_values_export",
            tags=["indicators"],
            summary="Download current values of an indicator as CSV or XLSX", response_class=Response,
            description="Streamed, with who loaded each value and when.",
            responses={200: {"content": export_content(schemas.IndicatorValueRow)}, **problem_responses(404, 422)})
async def export_indicator_values(
    indicator: IndicatorPath, request: Request, session: SessionDep, actor: SignedIn,
    format: ExportFormat = ExportFormat.csv, year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    await service.get_indicator(session, indicator)
    conditions = service.value_filters(indicator=indicator, region=None, year=year, province=None,
                                       history=False, actor=actor)
    return export_response(format, f"indicator-{indicator}", service.VALUE_COLUMNS,
                           stream_rows(request, service.values_export(conditions), service.value_row),
                           title=f"Indicator {indicator}", licence=LICENCE)


# One region -------------------------------------------------------------------------------------

@router.get("/{code}", operation_id="regions_get", tags=["regions"],
            summary="A region with its parent and current head",
            description="The head in office today, for a kabupaten/kota.", responses=problem_responses(404, 422))
async def get_region(code: CodePath, session: SessionDep, _: Public) -> schemas.RegionDetail:
    return await service.region_detail(session, code)


@router.get("/{code}/children", operation_id="regions_children_list", tags=["regions"],
            dependencies=[public_for(60)],
            summary="The regions directly under a region",
            description="By code, or searched by name within the parent.", responses=problem_responses(404, 422))
async def list_children(code: CodePath, session: SessionDep, _: Public, page: PageDep,
                        q: Annotated[str | None, Query(min_length=1, max_length=100)] = None
                        ) -> Page[schemas.Region]:
    await service.get_region(session, code)
    rows, total = await service.search_regions(session, q=q, conditions=service.region_filters(parent=code),
                                               sort=schemas.RegionSort.code if q is None
                                               else schemas.RegionSort.relevance, page=page)
    return Page(items=[schemas.Region.model_validate(r) for r in rows], total=total, limit=page.limit,
                offset=page.offset)


@router.get("/{code}/indicators", operation_id="regions_region_indicators_list", tags=["indicators"],
            dependencies=[Depends(region_scope)], summary="Current indicator values of one region",
            description="A pemda user reads its own region only.", responses=problem_responses(404, 422))
async def region_indicator_values(
    code: CodePath, session: SessionDep, actor: SignedIn, page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    history: Annotated[bool, Query(description="Include superseded values")] = False,
) -> Page[schemas.IndicatorValue]:
    await service.get_region(session, code)
    conditions = service.value_filters(indicator=None, region=code, year=year, province=None, history=history,
                                       actor=actor)
    return await paginate(session, service.values(conditions), page, service.value_out)


# Regional heads ---------------------------------------------------------------------------------

@router.get("/{code}/heads", operation_id="regions_heads_list", tags=["heads"],
            summary="Terms of office of a kabupaten/kota's heads, newest first",
            description="Each term with its dates and when it was recorded.", responses=problem_responses(404, 422))
async def list_heads(code: CodePath, session: SessionDep, _: Public, page: PageDep) -> Page[schemas.HeadTerm]:
    await service.get_region(session, code)
    return await paginate(session, service.heads(code), page, schemas.HeadTerm.model_validate)


@router.post("/{code}/heads", operation_id="regions_heads_create", tags=["heads"],
             status_code=status.HTTP_201_CREATED, summary="Record a head's term (terms never overlap)",
             description="An overlapping term is refused, naming the term it clashes with. Masterplans approved "
                         "before the term began are flagged for reconfirmation.",
             responses={**problem_responses(404, 409, 422, HeadTermsOverlap), **with_etag(201, created=True)})
async def create_head(code: CodePath, body: schemas.HeadTermIn, session: SessionDep, actor: HeadWriter,
                      response: Response) -> schemas.HeadTerm:
    term = await service.add_head(session, code, body, actor)
    set_etag(response, term.etag)
    response.headers["Location"] = f"/api/v1/regions/{code}/heads/{term.id}"
    return schemas.HeadTerm.model_validate(term)


@router.get("/{code}/heads/{term_id}", operation_id="regions_heads_get", tags=["heads"],
            summary="One term of office", description="With its dates and when it was recorded.",
            responses={**problem_responses(404, 422), **with_etag()})
async def get_head(code: CodePath, term_id: TermId, session: SessionDep, _: Public,
                   response: Response) -> schemas.HeadTerm:
    term = await service.get_head(session, code, term_id)
    set_etag(response, term.etag)
    return schemas.HeadTerm.model_validate(term)


@router.patch("/{code}/heads/{term_id}", operation_id="regions_heads_update", tags=["heads"],
              summary="Correct or end a term", description="An end date may not make terms overlap.",
              responses={**problem_responses(404, 409, 412, 422, 428, HeadTermsOverlap), **with_etag()})
async def update_head(term: HeadForUpdate, patch: schemas.HeadTermPatch, response: Response, session: SessionDep,
                      actor: HeadWriter) -> schemas.HeadTerm:
    term = await service.update_head(session, term, patch, actor)
    set_etag(response, term.etag)
    return schemas.HeadTerm.model_validate(term)
