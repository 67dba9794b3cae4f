"""Indicators per region and year, loaded by the ministry that owns each: operations under /api/v1/regions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from services.common.auth import Public, SignedIn, region_scope
from services.common.db import SessionDep
from services.common.errors import Unprocessable, problem_responses
from services.common.etag import set_etag, with_etag
from services.common.export import ExportDep, export_content, export_response, stream_rows
from services.common.numbers import DecimalMark
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router
from services.common.tables import XLSX, request_rows

from ..auth import IndicatorAdmin, IndicatorLoader
from ..crosswalks.schemas import Coding
from ..deps import CodePath, IndicatorForUpdate, IndicatorPath
from ..models import records
from ..registry import schemas as registry_schemas
from ..registry import service as registry_service
from . import schemas, service

router = contract_router(records, prefix="/api/v1/regions")


LICENCE = "Kode wilayah: Kepmendagri 300.2.2-2138/2025 (public decree); indicator values: owning ministry"


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
    region: Annotated[str | None, Query(pattern=registry_schemas.REGION_CODE_PATTERN)] = None,
    province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    level: Annotated[registry_schemas.Level | None,
                     Query(description="Only regions of this level, e.g. regency")] = None,
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
                         "in UTF-8 (with or without BOM), UTF-16 with BOM, or the `charset` its Content-Type "
                         "declares (`windows-1252` for Excel's 'CSV (Comma delimited)'). A number is never guessed: "
                         "`12,5`, `1.234,5` and `1.056.896` read one way only, but `205.000` or `1,250` mean a "
                         "thousand times more under a decimal comma than under a decimal point, so such a cell is "
                         "refused by row and column unless `decimal` declares the convention. A workbook's first "
                         "sheet is read, its first row naming the columns; number cells are taken as numbers. "
                         "At most 100,000 rows (every village in one file) "
                         "and 32 MB (`SMARTCITY_MAX_UPLOAD_BYTES`) per request, whatever the format. "
                         "Every row is checked first; one bad row refuses the whole file with a per-row report "
                         "(`errors[].loc = ['row', n, field]`). Sending the same file again changes nothing. "
                         "A changed value supersedes the old one, which stays in the history. Values are kept "
                         "under today's Kemendagri code, whatever `coding` and `coding_year` the file used.",
             responses=problem_responses(403, 404, 409, 415, 422))
async def bulk_upsert_values(
    indicator: IndicatorPath, request: Request, session: SessionDep, actor: IndicatorLoader,
    decimal: Annotated[DecimalMark | None, Query(
        description="The decimal separator of numbers written as text: `comma` as Excel writes them under "
                    "Indonesian settings (1.234,5), `point` (1,234.5). Without it, a number whose meaning depends "
                    "on it (`205.000`) is refused.")] = None,
    coding: Annotated[Coding, Query(description="How the file codes regions: `kemendagri` (31.71) or `bps` (3171, "
                                                "mapped through the crosswalk loaded for `coding_year`)")]
    = Coding.kemendagri,
    coding_year: Annotated[int | None, Query(ge=2000, le=2100, examples=[2018], description=(
        "The year of the file's codes: Kemendagri codes of that year's list (former codes mapped to today's), "
        "or the BPS crosswalk of that year (required for `bps`). Without it, Kemendagri codes of today"))] = None,
) -> schemas.BulkResult:
    if coding == Coding.bps and coding_year is None:
        raise Unprocessable.field("coding_year", "required with coding=bps", where="query")
    definition = await service.get_indicator(session, indicator)
    rows = await request_rows(request, service.VALUE_FIELDS)
    return await service.bulk_upsert(session, definition, rows, actor, decimal, coding, coding_year)


@router.get("/indicators/{indicator}/values/export", operation_id="regions_indicator_values_export",
            tags=["indicators"],
            summary="Download current values of an indicator as CSV or XLSX", response_class=Response,
            description="Streamed, with who loaded each value and when.",
            responses={200: {"content": export_content(schemas.IndicatorValueRow)}, **problem_responses(404, 422)})
async def export_indicator_values(
    indicator: IndicatorPath, request: Request, session: SessionDep, actor: SignedIn,
    export: ExportDep, year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    await service.get_indicator(session, indicator)
    conditions = service.value_filters(indicator=indicator, region=None, year=year, province=None,
                                       history=False, actor=actor)
    return export_response(export, f"indicator-{indicator}", service.VALUE_COLUMNS,
                           stream_rows(request, service.values_export(conditions), service.value_row),
                           title=f"Indicator {indicator}", licence=LICENCE)


@router.get("/{code}/indicators", operation_id="regions_region_indicators_list", tags=["indicators"],
            dependencies=[Depends(region_scope)], summary="Current indicator values of one region",
            description="By today's code or a former one (values are kept under today's). A pemda user reads "
                        "its own region only.", responses=problem_responses(404, 422))
async def region_indicator_values(
    code: CodePath, session: SessionDep, actor: SignedIn, page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    history: Annotated[bool, Query(description="Include superseded values")] = False,
) -> Page[schemas.IndicatorValue]:
    code = (await registry_service.region_today(session, code)).code
    conditions = service.value_filters(indicator=None, region=code, year=year, province=None, history=history,
                                       actor=actor)
    return await paginate(session, service.values(conditions), page, service.value_out)
