"""Boundaries for maps: a kabupaten/kota's outline and points, or many at once, as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from services.common import geojson
from services.common.auth import Public
from services.common.db import SessionDep
from services.common.errors import NotFound, problem_responses
from services.common.routing import contract_router

from ..deps import CodePath
from ..history import service as history
from ..models import records
from . import service

router = contract_router(records, prefix="/api/v1/regions", tags=["regions"])
SOURCE = "Boundaries: cahyadsn/wilayah_boundaries (MIT), simplified; for maps, not legal boundary questions"


@router.get("/boundaries", operation_id="regions_boundaries_list",
            summary="Kabupaten/kota boundaries as a GeoJSON FeatureCollection",
            description="The whole country, a province, or the codes asked for, each with its centroid and a "
                        "label point inside it. " + SOURCE + ".", response_class=Response,
            responses={200: {"content": geojson.content(geojson.collection_schema())},
                       **problem_responses(422)})
async def list_boundaries(session: SessionDep, _: Public, zoom: geojson.Zoom = None,
                          code: Annotated[list[str] | None, Query(max_length=514, description="Kabupaten/kota codes, "
                                                                  "repeated; former codes count too",
                                                                  examples=[["96.71", "21.72"]])] = None,
                          province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None) -> Response:
    codes = None if code is None else list((await history.resolve_many(session, code)).values())
    rows = await service.boundaries(session, zoom=zoom, codes=codes, province=province)
    return Response(service.collection([service.feature(r) for r in rows]), media_type=geojson.MEDIA_TYPE,
                    headers=service.CACHEABLE)


@router.get("/{code}/boundary", operation_id="regions_boundary_get",
            summary="A kabupaten/kota's boundary as a GeoJSON Feature",
            description="With its centroid and a label point inside it. " + SOURCE + ".", response_class=Response,
            responses={200: {"content": geojson.content(geojson.feature_schema())},
                       **problem_responses(404, 422)})
async def get_boundary(code: CodePath, session: SessionDep, _: Public, zoom: geojson.Zoom = None) -> Response:
    today = await history.resolve(session, code)
    rows = await service.boundaries(session, zoom=zoom, codes=[today] if today else [])
    if not rows:
        raise NotFound(f"No boundary of {code}: boundaries are kept for kabupaten/kota")
    return Response(service.feature(rows[0]).encode(), media_type=geojson.MEDIA_TYPE, headers=service.CACHEABLE)
