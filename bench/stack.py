"""Run the real processes for a benchmark: the three services and the gateway, each its own uvicorn."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from harness import ROOT, EmbeddedPostgres, free_port

from gateway.keys import access_claims, ensure_dev_keys
from scenarios.masterplans import PLAN, PROGRAMMES, SIGNATORIES
from scenarios.rounds import publish_round
from services.common.server import serve_command
from services.common.settings import Settings
from smartcity import migrate
from smartcity.database import drop_database, ensure_database
from smartcity.seed import seed

PROCESSES = ("regions", "assessment", "masterplan", "gateway")


class Stack:
    def __init__(self, database_url: str, data_dir: Path, **settings: str):
        self.ports = {name: free_port(18300 + i * 10) for i, name in enumerate(PROCESSES)}
        self.env = {**os.environ, "DATABASE_URL": database_url, "SMARTCITY_DATA_DIR": str(data_dir),
                    "SMARTCITY_LOG_LEVEL": "WARNING", "SMARTCITY_RATE_LIMIT_PER_MINUTE": "100000000",
                    "SMARTCITY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
                    "SMARTCITY_MAX_IN_FLIGHT_PER_CLIENT": "100000",
                    **{f"SMARTCITY_{n.upper()}_PORT": str(p) for n, p in self.ports.items()}, **settings}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        # As the processes read it: the gateway's port makes the tokens' issuer.
        self.settings = Settings(data_dir=data_dir, gateway_port=self.ports["gateway"])
        ensure_dev_keys(self.settings)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(
            serve_command(name, self.ports[name]), env=self.env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, name: str, timeout: float = 30) -> float:
        started = time.monotonic()
        with httpx.Client(timeout=1) as client:  # one for every poll: each new client loads the CA bundle
            while time.monotonic() - started < timeout:
                try:
                    if client.get(self.url(name) + "/readyz").status_code == 200:
                        return time.monotonic() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"{name} not ready")

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()

    def token(self, role: str, region: str | None = None) -> str:
        claims = access_claims(self.settings, sub=f"bench:{role}", roles=[role], organisation="bench",
                               region_code=region, minutes=120)
        return ensure_dev_keys(self.settings).sign(claims)

    def auth(self, role: str, region: str | None = None, sub: str | None = None) -> dict[str, str]:
        claims = access_claims(self.settings, sub=sub or f"bench:{role}:{region}", roles=[role],
                               organisation="bench", region_code=region, minutes=120)
        return {"Authorization": f"Bearer {ensure_dev_keys(self.settings).sign(claims)}"}

    @contextmanager
    def running(self):
        try:
            for name in PROCESSES:
                self.start(name)
            for name in PROCESSES:
                self.wait_ready(name)
            yield self
        finally:
            for proc in self.procs.values():
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=10)


async def prepare(stack: Stack) -> dict[str, str]:
    """A published 2019 round and a masterplan with programmes: what the load and fault benches read."""
    async with httpx.AsyncClient(base_url=stack.url("gateway"), timeout=30) as gw:
        rid = await publish_round(gw, stack.auth, year=2019, selected=["21.72", "21.71"], others=["16.03", "35.13"])
        officer, pemda = stack.auth("kominfo_officer"), stack.auth("pemda", "21.72")
        await gw.post("/api/v1/masterplan/mous", headers=officer, json={
            "region_code": "21.72", "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
            "document_ref": "NK/2019/TPI"})
        plan = await gw.post("/api/v1/masterplan/masterplans", json=PLAN, headers=pemda)
        etag = plan.headers["etag"]
        for p in PROGRAMMES:
            etag = (await gw.post(f"/api/v1/masterplan/masterplans/{plan.json()['id']}/programmes", json=p,
                                  headers={**pemda, "If-Match": etag})).headers["etag"]
        return {"round": str(rid), "plan": str(plan.json()["id"])}


async def settle(url: str) -> None:
    """Vacuum and analyse the fresh seed now, so no autovacuum of 90,000 new rows runs beside the first loads."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


@contextmanager
def seeded_server(name: str) -> Iterator[tuple[EmbeddedPostgres, str, Path]]:
    """The bench's own PostgreSQL with a fresh, migrated and seeded database `name`, and a scratch folder."""
    tmp = Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    pg = EmbeddedPostgres(ROOT / ".data" / "bench-pg", free_port(54500))
    pg.start()
    try:
        asyncio.run(drop_database(pg.url, name))  # left by a run killed before its cleanup
        url = asyncio.run(ensure_database(pg.url, name))
        migrate.upgrade(url)
        asyncio.run(seed(url, progress=lambda _: None))
        asyncio.run(settle(url))
        yield pg, url, tmp
    finally:
        asyncio.run(drop_database(pg.url, name))
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
