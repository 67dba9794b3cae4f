"""Load the kabupaten/kota boundaries (cahyadsn/wilayah_boundaries, MIT) at four levels of detail.

A map at zoom z draws about 360 / (256 * 2^z) degrees per pixel; each level keeps about half a pixel at the
coarsest zoom it serves (islands smaller than that dropped), simplified per region with its topology kept, so
every polygon stays valid.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import Boundary, RegionPoint
from .levels import FULL, LEVELS

BOUNDARIES_DIR = Path(__file__).parent.parent / "data" / "boundaries"
def _without_specks(geometries: Any, tolerance: float) -> Any:
    """Drop the islands smaller than two tolerances square (invisible at that zoom); each largest part stays."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    areas = shapely.area(parts)
    largest = np.zeros(len(parts), dtype=bool)
    order = np.lexsort((-areas, owner))  # by owner, largest first
    firsts = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    largest[firsts] = True
    keep = largest | (areas >= 4 * tolerance * tolerance)
    return shapely.multipolygons(parts[keep], indices=owner[keep])


def boundary_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with (BOUNDARIES_DIR / "regencies.geojson").open(encoding="utf-8") as f:
        features = json.load(f)["features"]
    codes = [f["properties"]["code"] for f in features]
    # As shipped: valid, oriented (RFC 7946 §3.1.6) and at five decimals.
    boundaries = [{"region_code": code, "zoom": FULL, "geometry": json.dumps(f["geometry"], separators=(",", ":"))}
                  for code, f in zip(codes, features, strict=True)]
    shipped = shapely.from_geojson([b["geometry"] for b in boundaries])
    for level, tolerance in LEVELS.items():
        if tolerance is None:
            continue
        geometries = shapely.simplify(_without_specks(shipped, tolerance), tolerance, preserve_topology=True)
        # A simplification that is not valid keeps the shipped geometry (none is, today).
        geometries = np.where(shapely.is_valid(geometries) & ~shapely.is_empty(geometries), geometries, shipped)
        geometries = shapely.orient_polygons(geometries, exterior_cw=False)
        boundaries += [{"region_code": code, "zoom": level, "geometry": text}
                       for code, text in zip(codes, shapely.to_geojson(geometries), strict=True)]
    with (BOUNDARIES_DIR / "centroids.csv").open(newline="", encoding="utf-8") as f:
        points = [{"region_code": r["code"], "centroid_lng": r["lng"], "centroid_lat": r["lat"],
                   "label_lng": r["label_lng"], "label_lat": r["label_lat"]} for r in csv.DictReader(f)]
    return boundaries, points


async def import_boundaries(conn: AsyncConnection) -> int:
    """Replace the boundaries with the shipped ones; inside the caller's transaction."""
    boundaries, points = boundary_rows()
    await conn.execute(delete(Boundary))
    await conn.execute(delete(RegionPoint))
    await conn.execute(insert(Boundary), boundaries)
    await conn.execute(insert(RegionPoint), points)
    return len(points)
