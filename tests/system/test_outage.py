"""A real PostgreSQL restart under load, through the real gateway and region registry processes.

The server is this test's own (the rest of the suite keeps its connections to the shared one): it is restarted
with `pg_ctl restart -m fast` while a writer and a reader keep calling. Every answer must be a success or a
503 problem with Retry-After; every acknowledged write must be stored; the gateway keeps counting its rate
limit in memory meanwhile; and both processes serve again without being restarted themselves.
"""

import asyncio
import io
import os
import signal
import time
import zipfile

import httpx
import pytest

from smartcity import migrate
from smartcity.database import ensure_database
from smartcity.embedded_pg import EmbeddedPostgres
from smartcity.seed import seed
from tests.kit import free_ports, serve, stack_settings, wait_ready

# One worker runs this file's tests in order on one server and one pair of processes; the last one stops them.
pytestmark = pytest.mark.xdist_group("outage")
CODES = [f"{p}.{c:02d}" for p in ("11", "12", "13", "32", "33", "35") for c in range(1, 8)]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    port, = free_ports(1, start=54600)
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("outage") / "pg", port)
    pg.start()
    try:
        url = asyncio.run(ensure_database(pg.url, "smartcity_outage"))
        migrate.upgrade(url)
        asyncio.run(seed(url, progress=lambda _: None))
        yield pg, url
    finally:
        pg.stop()


@pytest.fixture(scope="module")
def processes(own_server, tmp_path_factory):
    from gateway.keys import access_claims, ensure_dev_keys

    _, url = own_server
    tmp_path = tmp_path_factory.mktemp("processes")
    gateway, regions = free_ports(2, start=18600)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path), "SMARTCITY_ENV": "test",
           "SMARTCITY_GATEWAY_PORT": str(gateway), "SMARTCITY_REGIONS_PORT": str(regions),
           "SMARTCITY_RATE_LIMIT_PER_MINUTE": "100000", "SMARTCITY_EVENT_POLL_SECONDS": "0"}
    settings = stack_settings(env)
    token = ensure_dev_keys(settings).sign(access_claims(settings, sub="dev:kemendagri", roles=["kemendagri"],
                                                         organisation="Kemendagri", minutes=10))
    procs = [serve(name, port, env) for name, port in (("regions", regions), ("gateway", gateway))]
    try:
        wait_ready(regions)
        wait_ready(gateway)
        yield f"http://127.0.0.1:{gateway}", {"Authorization": f"Bearer {token}"}, procs
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)


async def test_a_database_restart_under_load_answers_503_loses_nothing_and_recovers(own_server, processes):
    pg, _ = own_server
    base, auth, _ = processes
    answers: list[httpx.Response] = []
    acknowledged: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=auth) as gw:
        async def writer() -> None:
            for i, code in enumerate(CODES):
                r = await gw.post("/api/v1/regions/indicators/population/values/bulk",
                                  json=[{"region_code": code, "year": 2030, "value": 1000 + i,
                                         "source": "restart test"}])
                answers.append(r)
                if r.status_code == 200:
                    acknowledged.append(code)
                await asyncio.sleep(0.05)

        async def reader() -> None:
            for _ in range(120):
                answers.append(await gw.get("/api/v1/regions/21.72"))
                await asyncio.sleep(0.02)

        tasks = [asyncio.create_task(writer()), asyncio.create_task(reader())]
        await asyncio.sleep(0.5)
        await asyncio.to_thread(pg.restart)
        await asyncio.gather(*tasks)

        statuses = sorted({r.status_code for r in answers})
        unavailable = [r for r in answers if r.status_code == 503]
        print(f"restart under load: {len(answers)} answers {statuses}, {len(unavailable)} × 503, "
              f"{len(acknowledged)} of {len(CODES)} writes acknowledged")
        assert set(statuses) <= {200, 503}, [(r.status_code, r.text) for r in answers if r.status_code >= 500
                                              and r.status_code != 503][:3]
        for r in unavailable:
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["retry-after"] and r.json()["type"].endswith("/unavailable")
        assert all("ratelimit" in r.headers for r in answers)  # the limiter counted through the outage

        deadline = time.monotonic() + 15
        while (await gw.get("/api/v1/regions/21.72")).status_code != 200:
            assert time.monotonic() < deadline, "not serving again 15 s after the restart"
            await asyncio.sleep(0.1)
        stored = await gw.get("/api/v1/regions/indicators/population/values", params={"year": 2030,
                                                                                     "limit": 200})
        present = {v["region_code"] for v in stored.json()["items"]}
        assert set(acknowledged) <= present
        assert acknowledged, "no write got through at all"


async def test_stopping_lets_a_download_in_flight_finish(processes):
    """Ctrl-C signals every process at once; a full-tree workbook being sent still arrives whole."""
    base, _, procs = processes
    async with httpx.AsyncClient(base_url=base, timeout=60) as client, \
            client.stream("GET", "/api/v1/regions/export", params={"format": "xlsx"}) as answer:
        chunks = answer.aiter_bytes()
        body = await anext(chunks)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        body += b"".join([chunk async for chunk in chunks])
    book = zipfile.ZipFile(io.BytesIO(body))
    assert book.testzip() is None  # every part complete, its checksum right
    assert b">91599<" in book.read("xl/worksheets/sheet2.xml")  # the about sheet counts every row
    # Both stopped once the answer was out (uvicorn re-raises the signal it drained on).
    assert [await asyncio.to_thread(p.wait, 60) for p in procs] == [-signal.SIGTERM] * 2
