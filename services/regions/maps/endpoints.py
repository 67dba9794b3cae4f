"""Boundaries for maps: a kabupaten/kota's outline and points, or many at once, as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from services.common import geojson
from services.common.auth import Public
from services.common.conditional import matches
from services.common.db import SessionDep
from services.common.errors import NotFound, problem_responses
from services.common.routing import contract_router

from ..deps import CodePath
from ..history import service as history
from ..models import records
from . import service
from .levels import level_for

router = contract_router(records, prefix="/api/v1/regions", tags=["regions"])
SOURCE = "Boundaries: cahyadsn/wilayah_boundaries (MIT), simplified; for maps, not legal boundary questions"


@router.get("/boundaries", operation_id="regions_boundaries_list",
            summary="Kabupaten/kota boundaries as a GeoJSON FeatureCollection",
            description="The whole country, a province, or the codes asked for, each with its centroid and a "
                        "label point inside it. " + SOURCE + ".", response_class=Response,
            responses={200: {"content": geojson.content(geojson.collection_schema())},
                       **problem_responses(422)})
async def list_boundaries(request: Request, session: SessionDep, _: Public, zoom: geojson.Zoom = None,
                          code: Annotated[list[str] | None, Query(max_length=514, description="Kabupaten/kota codes, "
                                                                  "repeated; former codes count too",
                                                                  examples=[["96.71", "21.72"]])] = None,
                          province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None) -> Response:
    codes = None if code is None else sorted(set((await history.resolve_many(session, code)).values()))
    key = (await service.data_version(session), level_for(zoom), province, None if codes is None else tuple(codes))
    headers = {**service.CACHEABLE, "ETag": service.etag_of(key), "Vary": "Accept-Encoding"}
    if matches(request.headers.get("if-none-match", "").encode("latin-1"), headers["ETag"].encode()):
        return Response(status_code=304, headers=headers)
    packed = "gzip" in request.headers.get("accept-encoding", "")
    body = await service.collection_bytes(session, key, zoom=zoom, codes=codes, province=province, packed=packed)
    if packed:
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=geojson.MEDIA_TYPE, headers=headers)


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
