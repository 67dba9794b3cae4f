"""The edge holds: bad bytes end in 4xx, paths stay inside their service, answers carry the right headers,
and a pemda user reads only its own region's events."""

import httpx
import pytest

from scenarios.masterplans import BINTAN, TPI, M, sign
from scenarios.rounds import publish_round
from tests.kit import closed_port

pytestmark = pytest.mark.xdist_group("stack")  # running_stack: one worker under pytest-xdist


async def test_a_pemda_user_reads_only_its_own_regions_events(gw, auth):
    await publish_round(gw, auth, year=2019, selected=[TPI, BINTAN])
    await sign(gw, auth, TPI, "2019-05-08", "NK/2019/TPI")
    await sign(gw, auth, BINTAN, "2019-05-08", "NK/2019/BTN")
    everyone = (await gw.get(f"{M}/events", headers=auth("kominfo_officer"))).json()["items"]
    assert {e["subject"] for e in everyone} >= {TPI, BINTAN}
    own = (await gw.get(f"{M}/events", headers=auth("pemda", region=BINTAN))).json()["items"]
    assert own and {e["subject"] for e in own} == {BINTAN}


async def test_bad_bytes_end_in_4xx_never_500(gw, auth):
    kemendagri = auth("kemendagri")
    nul = await gw.post("/api/v1/regions/21.72/heads", headers=kemendagri, json={
        "head_name": "H. Syah\u0000rul", "title": "walikota", "start_date": "2018-09-24"})
    assert nul.status_code == 422 and nul.headers["content-type"].startswith("application/problem+json")
    assert (await gw.get("/api/v1/regions/21.72/heads")).json()["total"] == 0  # nothing was written
    assert (await gw.get("/api/v1/regions", params={"q": "tanjung\u0000pinang"})).status_code in (200, 422)
    huge = await gw.get("/api/v1/assessment/rounds", params={"year": str(2**80)}, headers=kemendagri)
    assert huge.status_code == 422
    accented = await gw.get("/api/v1/regions/21.72", headers={"X-Note": "café".encode("latin-1"),
                                                              "Accept-Language": "é".encode("latin-1")})
    assert accented.status_code == 200 and accented.json()["code"] == "21.72"


async def test_paths_stay_inside_their_service(gw):
    for path in ("/api/v1/regions/%2e%2e/%2e%2e/metrics", "/api/v1/regions/%2E%2E%2Fopenapi.json",
                 "/api/v1/regions/..%2f..%2fmetrics"):
        r = await gw.get(path)
        assert r.status_code == 404, path
        assert "smartcity_http_requests" not in r.text


async def test_answers_carry_safe_headers(gw, auth):
    r = await gw.get("/api/v1/regions/21.72", headers=auth("bappenas"))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"  # an answer for a signed-in caller is theirs alone
    assert len(r.headers.get_list("date")) <= 1 and len(r.headers.get_list("server")) <= 1
    token = await gw.post("/auth/token", data={"grant_type": "password", "username": "nobody", "password": "x"})
    assert token.headers["cache-control"] == "no-store"
    slash = await gw.get("/api/v1/regions/21.72/")
    assert slash.status_code == 404 and "location" not in slash.headers


def test_cors_for_the_configured_frontend_only(running_stack):
    base, _ = running_stack
    preflight = {"Origin": "https://gm100.kominfo.go.id", "Access-Control-Request-Method": "PATCH",
                 "Access-Control-Request-Headers": "authorization, if-match, idempotency-key, accept-language"}
    ok = httpx.options(f"{base}/api/v1/admin/users/00000000-0000-0000-0000-000000000000", headers=preflight)
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "https://gm100.kominfo.go.id"
    allowed = ok.headers["access-control-allow-headers"].lower()
    assert all(h in allowed for h in ("authorization", "if-match", "idempotency-key", "accept-language"))
    other = httpx.options(f"{base}/api/v1/admin/users", headers={**preflight, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    exposed = httpx.get(f"{base}/api/v1/regions/21.72", headers={"Origin": "https://gm100.kominfo.go.id"})
    assert "etag" in exposed.headers.get("access-control-expose-headers", "").lower()


async def test_a_slow_body_is_cut_off_before_any_upstream_connection(gw, apps, auth):
    import asyncio

    settings = apps["gateway"].state.settings
    apps["gateway"].state.settings = settings.model_copy(update={"body_read_timeout": 0.3})
    try:
        async def trickle():
            yield b'{"codes": ['
            await asyncio.sleep(1.0)
            yield b'"21.72"]}'

        slow = await gw.post("/api/v1/regions/lookup", content=trickle(),
                             headers={**auth("bappenas"), "content-type": "application/json"})
        assert slow.status_code == 408 and slow.json()["type"].endswith("/request-timeout")
    finally:
        apps["gateway"].state.settings = settings
    fast = await gw.post("/api/v1/regions/lookup", json={"codes": ["21.72"]}, headers=auth("bappenas"))
    assert fast.status_code == 200


async def test_one_client_cannot_hold_every_upstream_connection(gw, apps, auth):
    in_flight = apps["gateway"].state.in_flight
    settings = apps["gateway"].state.settings
    key = "test:ksp:national"
    in_flight.counts[key] = settings.max_in_flight_per_client  # as if that many were still running
    try:
        assert (await gw.get("/api/v1/regions/21.72", headers=auth("ksp"))).status_code == 429
        assert (await gw.get("/api/v1/regions/21.72", headers=auth("bappenas"))).status_code == 200
    finally:
        del in_flight.counts[key]


async def test_a_database_outage_is_503_with_retry_after_never_500(apps, direct, auth):
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.pool import NullPool

    service = apps["masterplan"]
    healthy = service.state.sessionmaker
    # The real driver and pool, aimed where no database listens: as while PostgreSQL restarts.
    away = create_async_engine(f"postgresql+asyncpg://postgres@{closed_port().removeprefix('http://')}/smartcity",
                               poolclass=NullPool)
    service.state.sessionmaker = service.state.reader = async_sessionmaker(away, expire_on_commit=False)
    try:
        async with direct("masterplan") as client:
            for method, path, body in (("GET", "/api/v1/masterplan/masterplans", None),
                                       ("POST", "/api/v1/masterplan/evaluation-schemes",
                                        {"code": "evaluasi-gm100", "weights": {"output": 50, "outcome": 50}})):
                r = await client.request(method, path, json=body, headers=auth("kominfo_officer"))
                assert r.status_code == 503, (path, r.text)
                assert r.headers["retry-after"] == "1" and r.json()["type"].endswith("/unavailable")
    finally:
        service.state.sessionmaker = service.state.reader = healthy
        await away.dispose()


async def test_an_undeclared_method_is_405_naming_the_documented_ones(gw, auth):
    officer = auth("kominfo_officer")
    programme = await gw.request("OPTIONS", "/api/v1/masterplan/masterplans/1/programmes/1", headers=officer)
    assert programme.status_code == 405 and programme.headers["allow"] == "DELETE, PUT"
    lookup = await gw.request("PATCH", "/api/v1/regions/lookup", headers=officer)
    assert lookup.status_code == 405 and lookup.headers["allow"] == "POST"
    # GET reaches /regions/{code} first, where "lookup" is no code: still the path's 405, not a 422.
    lookup = await gw.get("/api/v1/regions/lookup", headers=officer)
    assert lookup.status_code == 405 and lookup.headers["allow"] == "POST", lookup.text
    users = await gw.put("/api/v1/admin/users", headers=auth("kominfo_admin"), json={})
    assert users.status_code == 405 and users.headers["allow"] == "GET, HEAD, POST"
    assert users.json()["type"].endswith("/method-not-allowed")
    seconds = await gw.get("/api/v1/masterplan/funnel", params={"as_of": "0"}, headers=officer)
    assert seconds.status_code == 422  # a date is written as the schema says, not as seconds since 1970


def test_odd_header_bytes_through_the_real_hop(running_stack):
    base, _ = running_stack
    r = httpx.get(f"{base}/api/v1/regions/21.72", headers={"X-Note": "café".encode("latin-1"),
                                                           "X-Utf8": "café".encode(), "Accept-Language": b"\xe9"})
    assert r.status_code == 200 and r.json()["code"] == "21.72"
    big = httpx.get(f"{base}/api/v1/regions/21.72", headers={"X-Pad": "a" * 60_000})
    assert 400 <= big.status_code < 500 or big.status_code == 200
