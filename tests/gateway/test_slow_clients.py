"""Slow clients against the real processes: heads and bodies trickling in one byte at a time hold no upstream
connection, so everyone else is still answered; the trickling ones get 408 once their deadline passes."""

import asyncio
import statistics
import time

import httpx
import pytest

from services.regions.importer import load_rows
from tests.kit import stack_settings

pytestmark = pytest.mark.xdist_group("stack")  # running_stack: one worker under pytest-xdist

FLOOD = 60


BODY = (b"POST /api/v1/regions/lookup HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"Content-Length: 64\r\n\r\n", b" " * 64)
# A head that never ends: one more header byte a second.
HEAD = (b"GET /api/v1/regions/21.72 HTTP/1.1\r\nHost: gateway\r\n", b"X-Slow: " + b"a" * 64)
# The same on a kept-alive connection, after one complete request.
HEAD_AFTER_ONE = (b"GET /readyz HTTP/1.1\r\nHost: gateway\r\n\r\n" + HEAD[0], HEAD[1])


async def _trickle(host: str, port: int, answers: list[bytes], sent: tuple[bytes, bytes]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    start, drip = sent
    writer.write(start)
    await writer.drain()
    if start.startswith(b"GET /readyz"):
        await reader.readuntil(b"\r\n\r\n")
        await reader.readuntil(b"}")  # the first answer, complete

    async def feed() -> None:
        try:
            for byte in drip:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1.0)
        except (ConnectionError, OSError):
            pass  # the gateway gave up on us, as it should

    feeding = asyncio.create_task(feed())
    answers.append(await reader.read(200))  # whatever the gateway says, once it says it
    feeding.cancel()
    writer.close()


@pytest.mark.parametrize("process, sent", [("GATEWAY", BODY), ("GATEWAY", HEAD), ("GATEWAY", HEAD_AFTER_ONE),
                                           ("REGIONS", HEAD)], ids=["body", "head", "second-head", "service-head"])
async def test_a_flood_of_slow_clients_leaves_everyone_else_answered(running_stack, process, sent):
    base, env = running_stack
    host, port = "127.0.0.1", int(env[f"SMARTCITY_{process}_PORT"])
    answers: list[bytes] = []
    flood = [asyncio.create_task(_trickle(host, port, answers, sent)) for _ in range(FLOOD)]
    await asyncio.sleep(0.5)
    latencies = []
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        for _ in range(20):
            started = time.perf_counter()
            r = await client.get("/api/v1/regions/21.72")
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
    await asyncio.wait_for(asyncio.gather(*flood), timeout=30)
    print(f"{FLOOD} slow clients: others answered in median {statistics.median(latencies):.1f} ms, "
          f"worst {max(latencies):.1f} ms")
    assert statistics.median(latencies) < 500
    assert len(answers) == FLOOD and all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]


async def test_the_service_answers_while_it_parses_a_large_upload(running_stack):
    """A 1,000,000-row CSV (refused: at most 100,000) is parsed, and a 100,000-row one checked row by row, off the
    event loop: the regions service answers its health check all the while."""

    from gateway.keys import access_claims, ensure_dev_keys

    base, env = running_stack
    service = f"http://127.0.0.1:{env['SMARTCITY_REGIONS_PORT']}"
    settings = stack_settings(env)
    token = ensure_dev_keys(settings).sign(access_claims(settings, sub="parse:kemendagri", roles=["kemendagri"],
                                                         organisation="parse", minutes=10))
    headers = {"Authorization": f"Bearer {token}", "content-type": "text/csv"}

    async def meanwhile(body: bytes) -> tuple[httpx.Response, list[float]]:
        answered: list[float] = []
        async with httpx.AsyncClient(timeout=60) as client:
            upload = asyncio.create_task(client.post(
                f"{service}/api/v1/regions/indicators/population/values/bulk", content=body, headers=headers))
            while not upload.done():
                started = time.perf_counter()
                r = await client.get(f"{service}/healthz")
                assert r.status_code == 200
                answered.append(time.perf_counter() - started)
                await asyncio.sleep(0.02)
            return await upload, sorted(answered)

    header = b"region_code,year,value,source\n"
    refused, answered = await meanwhile(header + b"21.72,2019,1,Dukcapil 2019\n" * 1_000_000)
    assert refused.status_code == 422 and "100,000" in refused.text
    print(f"health checks during the upload: {len(answered)}, p50 {answered[len(answered) // 2] * 1000:.1f} ms, "
          f"max {answered[-1] * 1000:.1f} ms")
    assert len(answered) >= 10  # the loop kept answering (with the parse on it, it answered none until the end)

    # 100,000 rows that parse, each checked (code, year, value, source, duplicates); the last one is wrong.
    codes = [row[0] for row in load_rows()[:1000]]
    lines = [f"{code},{year},1,Dukcapil {year}" for code in codes for year in range(2000, 2100)]
    lines[-1] = f"{codes[-1]},1999,1,Dukcapil"
    refused, answered = await meanwhile(header + "\n".join(lines).encode())
    assert refused.status_code == 422 and [e["loc"] for e in refused.json()["errors"]] == [["row", 100_000, "year"]]
    print(f"health checks while 100,000 rows were checked: {len(answered)}, max {answered[-1] * 1000:.1f} ms")

