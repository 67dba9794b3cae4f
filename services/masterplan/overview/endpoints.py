"""What the dossier, the funnel and open data read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from services.common import clock
from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.export import EXPORT_CONTENT, ExportFormat, export_response, stream_rows
from services.common.routing import contract_router
from services.common.schemas import IsoDate

from ..auth import Public, Reader, RegionParty
from ..deps import RegionCode
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/masterplan", tags=["masterplans"],
                         dependencies=[Depends(region_scope)])
OPEN_LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0), Kementerian Komunikasi dan Informatika"
AsOf = Annotated[IsoDate | None, Query(description="Default: today (WIB)", examples=["2021-06-01"])]


@router.get("/regions/{region_code}/summary", operation_id="masterplan_region_summary_get",
            summary="A region's MoUs, current masterplan, roadmap summary and late reports",
            description="The current masterplan is the approved version, else the newest.", responses=ERR(404, 422))
async def region_summary(region_code: RegionCode, session: SessionDep, _: RegionParty,
                         as_of: AsOf = None) -> schemas.RegionSummary:
    return await service.region_summary(session, region_code, as_of or clock.today())


@router.get("/funnel", operation_id="masterplan_funnel_list", summary="One row per MoU, for the programme funnel",
            description="Read by the gateway's programme funnel.", responses=ERR(422))
async def funnel_rows(session: SessionDep, _: Reader, as_of: AsOf = None) -> schemas.MouFunnelRows:
    return await service.funnel(session, as_of or clock.today())


@router.get("/open-data/masterplans", operation_id="masterplan_open_data_export",
            summary="Approved masterplan summaries as CSV, XLSX or JSON (no token, no personal data)",
            description="Streamed; with the licence and the extraction time.",
            response_class=Response, responses={200: {"content": EXPORT_CONTENT}, **ERR(422)})
async def open_data_masterplans(request: Request, _: Public, format: ExportFormat = ExportFormat.csv) -> Response:
    return export_response(format, "masterplan-smart-city", service.OPEN_DATA_COLUMNS,
                           stream_rows(request, service.open_data(), service.open_data_row),
                           title="Ringkasan masterplan smart city", licence=OPEN_LICENCE, public_for=300)
