"""Boundaries as GeoJSON (RFC 7946): features assembled from the stored geometry text, never re-parsed."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.background import off_the_loop

from ..models import Boundary, ReferenceLoad, Region, RegionPoint
from .levels import level_for

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


@dataclass
class Assembled:
    plain: bytes
    packed: bytes | None = None


class Collections:
    """Assembled FeatureCollections, plain and gzipped, by the data they were built from and their filters: a
    country is 3 MB, and gzipping it once took longer than reading it (138 ms against 40 ms)."""

    def __init__(self, size: int = 32):
        self.size = size
        self._kept: OrderedDict[tuple[Any, ...], Assembled] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Assembled | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
        return kept

    def put(self, key: tuple[Any, ...], plain: bytes) -> Assembled:
        self._kept[key] = kept = Assembled(plain)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return kept


COLLECTIONS = Collections()


async def data_version(session: AsyncSession) -> str:
    """The digest of the region data loaded: boundaries change only with it."""
    return await session.scalar(select(ReferenceLoad.digest).where(ReferenceLoad.name == "regions")) or "none"


def etag_of(key: tuple[Any, ...]) -> str:
    # Weak: the plain and the gzipped answer are the same map.
    return 'W/"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


async def collection_bytes(session: AsyncSession, key: tuple[Any, ...], *, zoom: int | None,
                           codes: Sequence[str] | None, province: str | None, packed: bool) -> bytes:
    kept = COLLECTIONS.get(key)
    if kept is None:
        rows = await boundaries(session, zoom=zoom, codes=codes, province=province)
        kept = COLLECTIONS.put(key, collection([feature(r) for r in rows]))
    if not packed:
        return kept.plain
    if kept.packed is None:
        kept.packed = await off_the_loop(gzip.compress, kept.plain, 6)
    return kept.packed
