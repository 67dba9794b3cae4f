"""Region registry benchmark: import time, then lookup and search latency under concurrent load.

    .venv/bin/python bench/regions.py            (embedded PostgreSQL, or DATABASE_URL's server)
"""

from __future__ import annotations

import asyncio
import random
import time

from harness import Result, database, free_port, load, median, process
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.common.db import async_url
from services.regions.importer import import_regions, load_rows
from smartcity import migrate

SEARCHES = ["tanjung pinang", "probolinggo", "batam", "muara enim", "sukamaju", "jaya", "kota", "bandung",
            "makmur", "sumber"]


async def timed_import(url: str) -> tuple[float, int, int]:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    started = time.perf_counter()
    async with engine.begin() as conn:
        report = await import_regions(conn)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed, report.inserted, report.updated


def main() -> None:
    codes = [row[0] for row in load_rows()]
    with database("smartcity_bench_regions") as url:
        migrate.upgrade(url, ("regions",))
        first = asyncio.run(timed_import(url))
        second = asyncio.run(timed_import(url))
        print(f"import, empty database : {first[0]:.2f} s  ({first[1]:,} rows inserted)")
        print(f"import, second run     : {second[0]:.2f} s  ({second[1]} inserted, {second[2]} changed)")
        port = free_port(18600)
        with process("regions", port, {"DATABASE_URL": url}):
            base = f"http://127.0.0.1:{port}/api/v1/regions"
            rng = random.Random(7)
            results: list[Result] = []
            for concurrency in (1, 10, 50):
                n = 400 if concurrency == 1 else 2000
                picks = [rng.choice(codes) for _ in range(n)]
                results.append(asyncio.run(load("region by code", lambda i, picks=picks: f"{base}/{picks[i]}",
                                                concurrency=concurrency, requests=n)))
                results.append(asyncio.run(load("name search (91,599 rows)",
                                                lambda i: f"{base}?q={SEARCHES[i % len(SEARCHES)]}&limit=20",
                                                concurrency=concurrency, requests=n)))
            for r in results:
                print(r.line())
            print(f"median p50 over runs: {median([r.pct(0.5) for r in results]):.2f} ms")


if __name__ == "__main__":
    main()
