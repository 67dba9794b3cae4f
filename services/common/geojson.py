"""GeoJSON answers (RFC 7946): their media type, their shape in the spec, and maps of records.

The region registry keeps the boundaries; another service draws its records (results, members) by asking it
for the boundaries of their regions and adding each record's facts to the feature's properties.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query

from .upstream import Upstream

MEDIA_TYPE = "application/geo+json"
Zoom = Annotated[int | None, Query(ge=0, le=22, description="The map zoom the geometry is drawn at: lower is "
                                                            "simpler and smaller. Default: as shipped (about 55 m)",
                                   examples=[5])]

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
            "description": "[longitude, latitude] (WGS 84)"}
# Polygon: rings of positions; MultiPolygon: polygons of rings of positions. Left open below the first level:
# a country is 144,000 positions, and a validator walking each would take longer than the answer.
GEOMETRY = {"type": "object", "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                           "coordinates": {"type": "array", "items": {"type": "array", "items": {}},
                                           "description": "RFC 7946 §3.1.6-3.1.7: exterior rings counter-clockwise"}}}


def feature_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": ["type", "id", "properties", "geometry"],
            "properties": {
                "type": {"type": "string", "enum": ["Feature"]}, "id": {"type": "string", "example": "96.71"},
                "properties": {"type": "object", "required": ["code", "name", "centroid", "label_point"],
                               "properties": {"code": {"type": "string", "example": "96.71"},
                                              "name": {"type": "string", "example": "Kota Sorong"},
                                              "province_code": {"type": "string"},
                                              "type": {"type": "string", "enum": ["kabupaten", "kota"]},
                                              "centroid": POSITION,
                                              "label_point": {**POSITION, "description": "A point inside the "
                                                              "region, for its label or pin"},
                                              **(extra or {})}},
                "geometry": GEOMETRY}}


def collection_schema(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": ["type", "features"],
            "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                           "features": {"type": "array", "items": feature_schema(extra)}}}


def content(schema: dict[str, Any]) -> dict[str, Any]:
    return {MEDIA_TYPE: {"schema": schema}}


async def records_map(registry: Upstream, properties: dict[str, dict[str, Any]], zoom: int | None) -> bytes:
    """A FeatureCollection of the kabupaten/kota keyed (by today's code) in `properties`, each feature's
    properties extended with that record's."""
    features: list[dict[str, Any]] = []
    if properties:
        params: dict[str, Any] = {"code": sorted(properties)}
        if zoom is not None:
            params["zoom"] = zoom
        features = (await registry.call("GET", "/api/v1/regions/boundaries", params=params))["features"]
        for feature in features:
            feature["properties"].update(properties[feature["id"]])
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"),
                      ensure_ascii=False).encode()
