"""Slow clients against the real gateway: bodies trickling in one byte at a time hold no upstream connection,
so everyone else is still answered; the trickling ones get 408 once the body deadline passes."""

import asyncio
import statistics
import time

import httpx

FLOOD = 60


async def _trickle(host: str, port: int, answers: list[bytes]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /api/v1/regions/lookup HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 64\r\n\r\n")
    await writer.drain()

    async def feed() -> None:
        try:
            for _ in range(64):
                writer.write(b" ")
                await writer.drain()
                await asyncio.sleep(1.0)
        except (ConnectionError, OSError):
            pass  # the gateway gave up on us, as it should

    feeding = asyncio.create_task(feed())
    answers.append(await reader.read(200))  # whatever the gateway says, once it says it
    feeding.cancel()
    writer.close()


async def test_a_flood_of_slow_bodies_leaves_everyone_else_answered(running_stack):
    base, env = running_stack
    host, port = "127.0.0.1", int(env["SMARTCITY_GATEWAY_PORT"])
    answers: list[bytes] = []
    flood = [asyncio.create_task(_trickle(host, port, answers)) for _ in range(FLOOD)]
    await asyncio.sleep(0.5)
    latencies = []
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        for _ in range(20):
            started = time.perf_counter()
            r = await client.get("/api/v1/regions/21.72")
            latencies.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
    await asyncio.wait_for(asyncio.gather(*flood), timeout=30)
    print(f"{FLOOD} slow bodies: others answered in median {statistics.median(latencies):.1f} ms, "
          f"worst {max(latencies):.1f} ms")
    assert statistics.median(latencies) < 500
    assert len(answers) == FLOOD and all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:2]
