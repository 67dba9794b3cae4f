"""Boundaries for maps through the gateway, checked with stock GeoJSON tooling (geojson-pydantic, shapely)."""

import shapely
from geojson_pydantic import Feature, FeatureCollection

BASE = "/api/v1/regions"


async def test_the_whole_country_is_514_valid_features_that_caches_may_keep(gw):
    r = await gw.get(f"{BASE}/boundaries", params={"zoom": 5})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    assert r.headers["cache-control"].startswith("public")
    collection = FeatureCollection.model_validate_json(r.content)
    assert len(collection.features) == 514
    geometries = shapely.from_geojson([f.geometry.model_dump_json() for f in collection.features])
    assert shapely.is_valid(geometries).all()
    # Exterior rings counter-clockwise (RFC 7946 §3.1.6): shapely agrees nothing needs turning.
    assert shapely.equals_exact(shapely.orient_polygons(geometries, exterior_cw=False), geometries).all()
    full = await gw.get(f"{BASE}/boundaries")
    assert len(r.content) < len(full.content) / 3
    again = await gw.get(f"{BASE}/boundaries", params={"zoom": 5}, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # 3 MB unzipped passes the gateway in chunks; a cache holding it still gets a 304, not the 3 MB again.
    plain = {"Accept-Encoding": "identity"}
    whole = await gw.get(f"{BASE}/boundaries", headers=plain)
    assert len(whole.content) > 3_000_000 and whole.headers["etag"] == full.headers["etag"]
    cached = await gw.get(f"{BASE}/boundaries", headers={**plain, "If-None-Match": whole.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""


async def test_one_region_by_a_former_code_with_its_points(gw):
    r = await gw.get(f"{BASE}/92.71/boundary", params={"zoom": 8})
    feature = Feature.model_validate_json(r.content)
    assert feature.id == "96.71" and feature.properties["name"] == "Kota Sorong"
    label = shapely.Point(feature.properties["label_point"])
    assert shapely.from_geojson(feature.geometry.model_dump_json()).contains(label)
    some = await gw.get(f"{BASE}/boundaries", params=[("code", "21.72"), ("code", "92.71")])
    assert [f.id for f in FeatureCollection.model_validate_json(some.content).features] == ["21.72", "96.71"]


async def test_no_boundary_for_a_province_and_a_bad_zoom_is_422(gw):
    assert (await gw.get(f"{BASE}/31/boundary")).status_code == 404
    assert (await gw.get(f"{BASE}/boundaries", params={"zoom": 23})).status_code == 422
