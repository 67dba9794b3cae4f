"""Boundaries as GeoJSON (RFC 7946): features assembled from the stored geometry text, never re-parsed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import Boundary, Region, RegionPoint
from .importer import level_for

# Boundaries change only with a new load: any cache may keep them a day (and revalidate by ETag).
CACHEABLE = {"Cache-Control": "public, max-age=86400"}


def feature(row: Any, extra: dict[str, Any] | None = None) -> str:
    properties = {"code": row.code, "name": row.name, "province_code": row.province_code, "type": row.type,
                  "centroid": [float(row.centroid_lng), float(row.centroid_lat)],
                  "label_point": [float(row.label_lng), float(row.label_lat)], **(extra or {})}
    return (f'{{"type":"Feature","id":{json.dumps(row.code)},"properties":'
            f'{json.dumps(properties, separators=(",", ":"), ensure_ascii=False)},"geometry":{row.geometry}}}')


def collection(features: Sequence[str]) -> bytes:
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


async def boundaries(session: AsyncSession, *, zoom: int | None, codes: Sequence[str] | None = None,
                     province: str | None = None) -> Sequence[Any]:
    stmt = (select(Region.code, Region.name, Region.province_code, Region.type, Boundary.geometry,
                   RegionPoint.centroid_lng, RegionPoint.centroid_lat, RegionPoint.label_lng, RegionPoint.label_lat)
            .join(Boundary, Boundary.region_code == Region.code)
            .join(RegionPoint, RegionPoint.region_code == Region.code)
            .where(Boundary.zoom == level_for(zoom)).order_by(Region.code))
    if codes is not None:
        stmt = stmt.where(Region.code.in_(codes))
    if province is not None:
        stmt = stmt.where(Region.province_code == province)
    return (await session.execute(stmt)).all()
