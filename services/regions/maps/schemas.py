"""The shape of the GeoJSON answers, as the spec documents them (RFC 7946)."""

from __future__ import annotations

from typing import Any

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
            "description": "[longitude, latitude] (WGS 84)"}
# Polygon: rings of positions; MultiPolygon: polygons of rings of positions.
GEOMETRY = {"type": "object", "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                           "coordinates": {"type": "array", "items": {"type": "array", "items": {
                               "type": "array", "items": {"oneOf": [{"type": "number"}, POSITION]}}}}}}


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


def geojson_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/geo+json": {"schema": schema}}
