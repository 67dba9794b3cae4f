"""Bad and hostile input: always a 4xx problem, never a 500, never a change."""

import pytest

BASE = "/api/v1/regions"
PROBLEM = "application/problem+json"

NASTY = ["' OR 1=1 --", "'; DROP TABLE regions.region; --", "%_%", "\\", "\x00", "ä" * 5, "a" * 5000,
         "${jndi:ldap://x}", "<script>alert(1)</script>", "🙂"]


@pytest.mark.parametrize("value", NASTY)
async def test_search_with_hostile_text(gw, value):
    r = await gw.get(BASE, params={"q": value})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert r.headers["content-type"] == PROBLEM
    still_there = await gw.get(f"{BASE}/21.72")
    assert still_there.status_code == 200


@pytest.mark.parametrize("param", ["parent", "province", "level", "type", "island_group", "sort"])
@pytest.mark.parametrize("value", ["' OR 1=1 --", "x" * 3000])
async def test_filters_with_hostile_text(gw, param, value):
    r = await gw.get(BASE, params={param: value})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("limit", ["100000", "-1", "0", "1e9", "abc"])
async def test_page_size_is_capped(gw, limit):
    r = await gw.get(BASE, params={"limit": limit})
    assert r.status_code == 422


async def test_oversized_body_is_413(gw, auth):
    row = b'{"region_code":"21.72","year":2019,"value":1,"source":"xxx"},'
    lookup = await gw.post(f"{BASE}/lookup", content=b"[" + row * 40_000 + b"{}]",  # 2.4 MB: over 2 MB
                           headers={**auth("kemendagri"), "content-type": "application/json"})
    assert lookup.status_code == 413 and lookup.headers["content-type"] == PROBLEM
    # An upload may be larger (a village-level file is about 4 MB), up to its own cap of 32 MB.
    upload = await gw.post(f"{BASE}/indicators/population/values/bulk", content=b"[" + row * 560_000 + b"{}]",
                           headers={**auth("kemendagri"), "content-type": "application/json"})
    assert upload.status_code == 413 and "32000000" in upload.json()["detail"]


async def test_oversized_body_direct_to_the_service_is_413(direct, auth):
    async with direct("regions") as client:
        r = await client.post(f"{BASE}/lookup", content=b"x" * 3_000_000,
                              headers={**auth("kemendagri"), "content-type": "application/json"})
    assert r.status_code == 413


async def test_deeply_nested_json_is_a_4xx(gw, auth):
    deep = "[" * 10_000 + "]" * 10_000
    r = await gw.post(f"{BASE}/lookup", content=deep, headers={**auth("kemendagri"),
                                                              "content-type": "application/json"})
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"] == PROBLEM


async def test_wrong_content_type_is_a_4xx(gw, auth):
    r = await gw.post(f"{BASE}/lookup", content="codes=21.72",
                      headers={**auth("kemendagri"), "content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500


async def test_unknown_route_and_method(gw, direct):
    r = await gw.get("/nowhere")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = await gw.get("/api/v1/nowhere/at/all")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    async with direct("regions") as client:
        r = await client.delete(f"{BASE}/21.72")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


async def test_request_id_is_kept_or_made(gw):
    r = await gw.get(f"{BASE}/21.72", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await gw.get(f"{BASE}/21.72", headers={"X-Request-ID": "bad id with spaces\n"})
    assert r.headers["x-request-id"] != "bad id with spaces"
    assert len(r.headers["x-request-id"]) == 32


async def test_health_and_readiness(gw, direct):
    assert (await gw.get("/healthz")).json() == {"status": "ok", "service": "gateway"}
    for name in ("regions", "assessment", "masterplan"):
        async with direct(name) as client:
            r = await client.get("/readyz")
        assert r.status_code == 200 and r.json()["status"] == "ready"


@pytest.mark.parametrize(("header", "title", "language"), [
    (None, "Tidak ditemukan", "id"), ("en", "Not found", "en"), ("en-GB,en;q=0.9", "Not found", "en"),
    ("id-ID,en;q=0.5", "Tidak ditemukan", "id"), ("fr", "Tidak ditemukan", "id")])
async def test_problem_titles_follow_accept_language(gw, header, title, language):
    r = await gw.get(f"{BASE}/99.99", headers={"Accept-Language": header} if header else {})
    assert r.status_code == 404
    assert r.json()["title"] == title and r.headers["content-language"] == language
    assert r.json()["type"].endswith("/not-found")  # the stable code machines match on


async def test_labels_follow_accept_language_and_cover_every_code(gw):
    from services.assessment.types import RoundState
    from services.common.roles import Role
    from services.masterplan.plan.schemas import MasterplanState
    from services.masterplan.programme.schemas import Funding
    from services.masterplan.progress.schemas import ReportStatus

    indonesian = (await gw.get("/api/v1/labels")).json()
    english = (await gw.get("/api/v1/labels", headers={"Accept-Language": "en-US,en;q=0.8"})).json()
    assert indonesian["language"] == "id" and english["language"] == "en"
    assert indonesian["labels"]["masterplan_state"]["approved"] == "Disetujui"
    assert english["labels"]["masterplan_state"]["approved"] == "Approved"
    for name, enum in (("round_state", RoundState), ("masterplan_state", MasterplanState),
                       ("report_status", ReportStatus), ("funding", Funding), ("role", Role)):
        assert set(english["labels"][name]) == {e.value for e in enum}, name
