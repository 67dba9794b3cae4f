"""A 50 MB document through presigned URLs, against the embedded S3 server directly (SeaweedFS on loopback):
upload (PUT bound to the SHA-256, checked by the server), the confirmation's checks (head with the recorded
checksum, first and last bytes), and download, each a median of five. `make bench-documents`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from services.common.documents.storage import ObjectStore
from services.common.settings import Settings
from smartcity.embedded_s3 import EmbeddedS3

MB = 1024 * 1024
SIZE, REPEATS = 50 * MB, 5


async def main() -> None:
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), s3_port=int(os.environ.get("BENCH_S3_PORT", "29733")))
        s3 = EmbeddedS3(settings)
        started = time.perf_counter()
        s3.start()
        s3.wait_ready()
        print(f"embedded S3 ready in {time.perf_counter() - started:.1f}s")
        store = ObjectStore(settings)
        body = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
        started = time.perf_counter()
        sha = hashlib.sha256(body).hexdigest()
        print(f"SHA-256 of 50 MB on the client: {time.perf_counter() - started:.3f}s")
        up, checks, down = [], [], []
        try:
            async with httpx.AsyncClient(timeout=60) as client:
                for i in range(REPEATS):
                    key = f"bench/{i}"
                    url, headers = await store.presign_put(key, sha, SIZE, "application/pdf")
                    t = time.perf_counter()
                    r = await client.put(url, content=body, headers=headers)
                    up.append(time.perf_counter() - t)
                    r.raise_for_status()
                    t = time.perf_counter()
                    head = await store.head(key)
                    await store.read_range(key, "bytes=0-15")
                    await store.read_range(key, "bytes=-262144")
                    checks.append(time.perf_counter() - t)
                    assert head is not None and head.size == SIZE
                    url = await store.presign_get(key, "bench.pdf", "application/pdf")
                    t = time.perf_counter()
                    got = await client.get(url)
                    down.append(time.perf_counter() - t)
                    assert hashlib.sha256(got.content).hexdigest() == sha
        finally:
            await store.close()
            s3.stop()
    for name, runs in (("upload (presigned PUT)", up), ("download (presigned GET)", down)):
        median = statistics.median(runs)
        print(f"{name:<26} median {median:.3f}s  {SIZE / MB / median:7.1f} MB/s  (runs: "
              + ", ".join(f"{r:.3f}" for r in runs) + ")")
    checked = statistics.median(checks) * 1000
    print(f"{'confirmation checks':<26} median {checked:.1f} ms (head, first 16 B, last 256 KiB)")


if __name__ == "__main__":
    asyncio.run(main())
