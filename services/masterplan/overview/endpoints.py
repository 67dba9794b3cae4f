"""A region's summary and dossier, the programme funnel, and open data."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from services.common import clock, geojson
from services.common.auth import Public, region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.export import ExportDep, export_content, export_response, stream_rows
from services.common.lineage import code_today
from services.common.routing import contract_router
from services.common.schemas import IsoDate, RegencyCodePath

from ..auth import Reader, RegionParty
from ..deps import Assessment, Registry
from ..models import records
from . import composed, schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["masterplans"],
                         dependencies=[Depends(region_scope)])
OPEN_LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0), Kementerian Komunikasi dan Informatika"
AsOf = Annotated[IsoDate | None, Query(description="Default: today (WIB)", examples=["2021-06-01"])]


@router.get("/regions/{region_code}/summary", operation_id="masterplan_region_summary_get",
            summary="A region's MoUs, current masterplan, roadmap summary and late reports",
            description="The current masterplan is the approved version, else the newest. By today's code or a "
                        "former one: what was recorded under either is the region's.",
            responses=ERR(404, 422, 502, 503))
async def region_summary(region_code: RegencyCodePath, session: SessionDep, _: RegionParty, registry: Registry,
                         as_of: AsOf = None) -> schemas.RegionSummary:
    return await service.region_summary(session, await code_today(registry, region_code), as_of or clock.today())


@router.get("/regions/{region_code}/dossier", operation_id="masterplan_region_dossier_get",
            summary="Everything about one kabupaten/kota, from every service at once",
            description="Profile and current head, indicator values, rounds and results, MoU, masterplan with "
                        "roadmap summary and late reports, under today's code or a former one (92.71 finds 96.71 "
                        "with what was recorded under either). A part whose service is slow or down is listed in "
                        "`missing`; the rest still answers.", responses=ERR(404, 422, 503))
async def region_dossier(region_code: RegencyCodePath, request: Request, session: SessionDep, _: RegionParty,
                         registry: Registry, assessment: Assessment, as_of: AsOf = None) -> schemas.Dossier:
    return await composed.dossier(session, registry, assessment, region_code, as_of or clock.today(),
                                  request.app.state.settings.dossier_part_timeout)


@router.get("/funnel", operation_id="masterplan_funnel_get",
            summary="Invited → attended → selected → MoU → masterplan → quick wins, per year and cumulative",
            description="Counts are distinct regions (a region under a former code is the same region; the "
                        "province filter is today's province); population is each region's value for its cohort "
                        "year (or the latest before it), so loading later years never changes a year's figures.",
            responses=ERR(422, 503))
async def programme_funnel(session: SessionDep, _: Reader, registry: Registry, assessment: Assessment,
                           as_of: AsOf = None,
                           province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                           island_group: Annotated[str | None, Query(pattern=r"^[a-z_]{4,20}$")] = None,
                           ) -> schemas.Funnel:
    return await composed.funnel(session, registry, assessment, as_of or clock.today(), province, island_group)


MEMBER_PROPERTIES = {"cohort_year": {"type": "integer", "example": 2017},
                     "recorded_code": {"type": "string", "example": "92.71",
                                       "description": "The code its first MoU recorded (`code` is today's)"},
                     "mou_signed_on": {"type": "string", "format": "date"},
                     "masterplan_approved": {"type": "boolean"}}


@router.get("/members/map", operation_id="masterplan_members_map_get",
            summary="The programme's members on a map: a GeoJSON FeatureCollection",
            description="Each kabupaten/kota that signed an MoU, with its cohort (the year of its first MoU) and "
                        "whether its masterplan is approved; drawn where it is today, at `zoom`.",
            response_class=Response,
            responses={200: {"content": geojson.content(geojson.collection_schema(MEMBER_PROPERTIES))},
                       **ERR(422, 502, 503)})
async def members_map(session: SessionDep, _: Public, registry: Registry, zoom: geojson.Zoom = None,
                      cohort_year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> Response:
    body = await geojson.records_map(registry, await service.member_properties(session, cohort_year), zoom)
    return Response(body, media_type=geojson.MEDIA_TYPE, headers={"Cache-Control": "public, max-age=300"})


@router.get("/open-data/masterplans", operation_id="masterplan_open_data_export",
            summary="Approved masterplan summaries as CSV, XLSX or JSON (no token, no personal data)",
            description="Streamed; with the licence and the extraction time.",
            response_class=Response,
            responses={200: {"content": export_content(schemas.OpenDataMasterplan)}, **ERR(422)})
async def open_data_masterplans(request: Request, _: Public, export: ExportDep) -> Response:
    return export_response(export, "masterplan-smart-city", service.OPEN_DATA_COLUMNS,
                           stream_rows(request, service.open_data(), service.open_data_row),
                           title="Ringkasan masterplan smart city", licence=OPEN_LICENCE, public_for=300)
