"""GeoJSON answers through the gateway: the whole country at each level of detail, one province, and the map of
a published round of 107 kabupaten/kota (the size of 2019's), cold and from a cache holding its ETag.
`make bench-maps`."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
from stack import Stack, seeded_server

from scenarios.rounds import publish_round
from services.regions.importer import load_rows

REPEATS = 5


def timed(client: httpx.Client, path: str, params: dict[str, object]) -> tuple[float, float, float, int, int]:
    """(seconds of the first request, median seconds of the next, median seconds revalidated (304), bytes, bytes
    gzipped as a browser fetches it)."""
    runs, etag, size = [], "", 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        r = client.get(path, params=params)
        r.raise_for_status()
        runs.append(time.perf_counter() - started)
        etag, size = r.headers["etag"], len(r.content)
    revalidated = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        r = client.get(path, params=params, headers={"If-None-Match": etag})
        assert r.status_code == 304, r.status_code
        revalidated.append(time.perf_counter() - started)
    with client.stream("GET", path, params=params, headers={"Accept-Encoding": "gzip"}) as r:
        wire = sum(len(chunk) for chunk in r.iter_raw())
    return runs[0], statistics.median(runs[1:]), statistics.median(revalidated), size, wire


def main() -> None:
    with seeded_server("smartcity_bench_maps") as (_, url, tmp):
        stack = Stack(url, tmp / "data")
        with stack.running(), httpx.Client(base_url=stack.url("gateway"), timeout=60) as client:
            codes = sorted(r[0] for r in load_rows() if r[1] == "regency")[::4][:107]

            async def round_() -> int:
                async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=60) as gw:
                    return await publish_round(gw, stack.auth, year=2019, selected=codes[:25], others=codes[25:])

            rid = asyncio.run(round_())
            cases = [(f"country, zoom {z if z is not None else 'none (as shipped)'}", "/api/v1/regions/boundaries",
                      {} if z is None else {"zoom": z}) for z in (4, 6, 8, None)]
            cases += [("province 35 (Jawa Timur), zoom 8", "/api/v1/regions/boundaries", {"province": "35", "zoom": 8}),
                      ("round of 107 results, zoom 6", f"/api/v1/assessment/public/rounds/{rid}/results/map",
                       {"zoom": 6}),
                      ("round of 107 results, as shipped", f"/api/v1/assessment/public/rounds/{rid}/results/map", {})]
            print(f"{'answer':38} {'first':>9} {'then (median)':>14} {'304 (median)':>13} {'size':>12} {'gzip':>11}")
            for name, path, params in cases:
                first, then, revalidated, size, wire = timed(client, path, params)
                print(f"{name:38} {first * 1000:6.1f} ms {then * 1000:11.1f} ms {revalidated * 1000:10.1f} ms "
                      f"{size:>10,} B {wire:>9,} B")


if __name__ == "__main__":
    main()
