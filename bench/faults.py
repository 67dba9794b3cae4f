"""Fault and concurrency benchmark of the real stack. Prints figures; asserts nothing.

    .venv/bin/python bench/faults.py

Faults: a service killed under load; PostgreSQL restarted under writes; a slow upstream.
Concurrency: many clients editing one masterplan draft with If-Match, and posting with one
Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from harness import EmbeddedPostgres, free_port
from stack import Stack, prepare, seeded_server


async def kill_under_load(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=5) as gw:
        stack.kill("regions")
        worst, statuses = 0.0, []
        for _ in range(50):
            t = time.perf_counter()
            r = await gw.get("/api/v1/regions/21.72")
            worst = max(worst, time.perf_counter() - t)
            statuses.append(r.status_code)
        stack.start("regions")
        t = time.perf_counter()
        for _ in range(600):  # poll until the restarted process answers
            if (await gw.get("/api/v1/regions/21.72")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        back = time.perf_counter() - t
    print(f"\nFault: regions killed  -> {statuses.count(503)}/50 answered 503 problem+json, "
          f"slowest {worst * 1000:.1f} ms; serving again {back:.2f} s after restart")


async def postgres_restart(stack: Stack, pg: EmbeddedPostgres) -> None:
    acknowledged, failed = [], 0
    headers = {**stack.auth("kemendagri")}
    codes = [f"{p}.{c:02d}" for p in ("11", "12", "13", "32", "33", "35") for c in range(1, 8)]
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=10) as gw:
        async def writer() -> None:
            nonlocal failed
            for i, code in enumerate(codes):
                r = await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=headers,
                                  json=[{"region_code": code, "year": 2030, "value": 1000 + i,
                                         "source": "bench restart"}])
                if r.status_code == 200:
                    acknowledged.append(code)
                else:
                    failed += 1
                await asyncio.sleep(0.05)

        task = asyncio.create_task(writer())
        await asyncio.sleep(0.6)
        t = time.perf_counter()
        await asyncio.to_thread(pg.restart)
        restart = time.perf_counter() - t
        await task
        stored = await gw.get("/api/v1/regions/indicators/population/values", headers=headers,
                              params={"year": 2030, "limit": 200})
        present = {v["region_code"] for v in stored.json()["items"]}
    lost = [c for c in acknowledged if c not in present]
    print(f"Fault: PostgreSQL restart ({restart:.2f} s) under writes -> {len(acknowledged)} acknowledged, "
          f"{failed} refused (503 while down), {len(lost)} acknowledged writes lost")


async def slow_upstream() -> None:
    import uvicorn
    from fastapi import FastAPI

    slow = FastAPI()

    @slow.get("/{path:path}")
    async def hang(path: str) -> dict:
        await asyncio.sleep(10)
        return {}

    port, gw_port = free_port(18500), free_port(18510)
    server = uvicorn.Server(uvicorn.Config(slow, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    await asyncio.sleep(0.5)
    print("Fault: slow upstream (answers after 10 s; gateway read timeout 1 s) ->", end=" ")
    return port, gw_port, server, task


async def concurrency(stack: Stack, plan_id: str) -> None:
    pemda = stack.auth("pemda", "21.72")
    url = f"/api/v1/masterplan/masterplans/{plan_id}"
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30,
                                 limits=httpx.Limits(max_connections=50)) as gw:
        async def editor(i: int) -> int:
            current = await gw.get(url, headers=pemda)
            r = await gw.patch(url, json={"vision": f"Visi versi penyunting {i:02d} untuk kota"},
                               headers={**pemda, "If-Match": current.headers["etag"]})
            return r.status_code

        # After the restart above, each process's first query finds its pool stale (one 503, then fresh).
        for _ in range(3):
            first = await gw.get(url, headers=pemda)
            if first.status_code == 200:
                break
        before = first.headers["etag"]
        results = await asyncio.gather(*(editor(i) for i in range(40)))
        after = await gw.get(url, headers=pemda)
        version = lambda etag: int(etag.strip('"').rsplit("-v", 1)[1])  # noqa: E731
        applied = version(after.headers["etag"]) - version(before)
        ok, conflicts = results.count(200), results.count(412)
        print(f"\nConcurrency: 40 editors, one draft -> {ok} applied, {conflicts} refused with 412, "
              f"versions moved {applied}: lost updates {ok - applied}")

        officer = stack.auth("kominfo_officer")
        body = {"code": "bench-idem", "title": "Idempotent rubric", "components": [
            {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0, "scale_max": 100}]}
        answers = await asyncio.gather(*(gw.post("/api/v1/assessment/rubrics", json=body,
                                                 headers={**officer, "Idempotency-Key": "bench-rubric-1"})
                                         for _ in range(40)))
        listed = (await gw.get("/api/v1/assessment/rubrics", params={"code": "bench-idem"}, headers=officer)).json()
        replayed = sum(1 for a in answers if a.headers.get("idempotency-replayed"))
        statuses = sorted({a.status_code for a in answers})
        print(f"Concurrency: 40 POSTs, one Idempotency-Key -> statuses {statuses}, {replayed} replays, "
              f"{len(listed)} created: duplicates {len(listed) - 1}")


def main() -> None:
    with seeded_server("smartcity_bench_faults") as (pg, url, tmp):
        stack = Stack(url, tmp / "data", SMARTCITY_EVENT_POLL_SECONDS="0")
        with stack.running():
            ids = asyncio.run(prepare(stack))
            asyncio.run(kill_under_load(stack))
            asyncio.run(postgres_restart(stack, pg))
            asyncio.run(concurrency(stack, ids["plan"]))
        slow_check(url, tmp)


def slow_check(url: str, tmp: Path) -> None:
    async def run() -> None:
        port, _, server, task = await slow_upstream()
        stack = Stack(url, tmp / "data2", SMARTCITY_MASTERPLAN_URL=f"http://127.0.0.1:{port}",
                      SMARTCITY_UPSTREAM_READ_TIMEOUT="1", SMARTCITY_EVENT_POLL_SECONDS="0")
        stack.start("gateway")
        await asyncio.to_thread(stack.wait_ready, "gateway")
        async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=10) as gw:
            t = time.perf_counter()
            r = await gw.get("/api/v1/masterplan/dimensions")
            print(f"{r.status_code} {r.json()['title']!r} after {time.perf_counter() - t:.2f} s")
        stack.procs["gateway"].terminate()
        server.should_exit = True
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main()
