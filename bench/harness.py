"""Shared pieces of the benchmarks: a database, real processes, and a small load generator.

The load generator is Python (httpx over keep-alive connections, N concurrent workers) so the
benchmarks run anywhere `make test` runs; wrk gives higher absolute numbers on the same machine.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common.server import serve_command  # noqa: E402
from smartcity.database import drop_database, ensure_database  # noqa: E402
from smartcity.embedded_pg import EmbeddedPostgres, port_is_free  # noqa: E402


def free_port(start: int) -> int:
    while not port_is_free(start):
        start += 1
    return start


@contextmanager
def database(name: str):
    """A fresh database on DATABASE_URL's server, or on an embedded one under .data/bench-pg."""
    pg = None
    server = os.environ.get("DATABASE_URL")
    if not server:
        pg = EmbeddedPostgres(ROOT / ".data" / "bench-pg", free_port(54500))
        pg.start()
        server = pg.url
    asyncio.run(drop_database(server, name))
    url = asyncio.run(ensure_database(server, name))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server, name))
        if pg:
            pg.stop()


@contextmanager
def process(name: str, port: int, env: dict[str, str]):
    proc = subprocess.Popen(serve_command(name, port),
                            env={**os.environ, **env, "SMARTCITY_LOG_LEVEL": "WARNING"}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{name} did not start")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Result:
    name: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    def line(self) -> str:
        return (f"{self.name:<34} c={self.concurrency:<3} {self.rps:8.0f} req/s  p50 {self.pct(0.5):7.2f} ms  "
                f"p99 {self.pct(0.99):7.2f} ms  errors {self.errors}")


async def load(name: str, url_for: Callable[[int], str], *, concurrency: int, requests: int,
               headers: dict[str, str] | None = None, expect: int = 200) -> Result:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:
        async def worker() -> None:
            nonlocal errors
            for i in counter:
                t = time.perf_counter()
                try:
                    r = await client.get(url_for(i))
                    if r.status_code != expect:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name, concurrency, requests, errors, elapsed, latencies)


def median(values: list[float]) -> float:
    return statistics.median(values)
