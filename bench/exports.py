"""The full region tree (91,599 rows) downloaded through the gateway as CSV, JSON and XLSX: time to the first
byte, to the last, and the size. `make bench-exports`."""

from __future__ import annotations

import statistics
import time

import httpx
from stack import Stack, seeded_server

FORMATS = ("csv", "json", "xlsx")
REPEATS = 3


def timed(client: httpx.Client, fmt: str) -> tuple[float, float, int]:
    started = time.perf_counter()
    first, size = None, 0
    with client.stream("GET", "/api/v1/regions/export", params={"format": fmt}) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes():
            first = first or time.perf_counter()
            size += len(chunk)
    done = time.perf_counter()
    assert first is not None
    return first - started, done - started, size


def main() -> None:
    with seeded_server("smartcity_bench_exports") as (_, url, tmp):
        stack = Stack(url, tmp / "data")
        with stack.running(), httpx.Client(base_url=stack.url("gateway"), timeout=60) as client:
            print(f"{'format':6} {'first byte (median)':>20} {'whole file (median)':>20} {'size':>12}")
            for fmt in FORMATS:
                runs = [timed(client, fmt) for _ in range(REPEATS)]
                first = statistics.median(r[0] for r in runs) * 1000
                whole = statistics.median(r[1] for r in runs)
                print(f"{fmt:6} {first:17.1f} ms {whole:18.2f} s {runs[0][2]:>10,} B")


if __name__ == "__main__":
    main()
