"""A real PostgreSQL for the whole run; every test inside one transaction that is rolled back.

The server is the embedded one (or DATABASE_URL's); the test database is created fresh,
migrated with the real migrations and seeded with the real region tree once per run.
Apps run in-process over httpx.ASGITransport; the gateway reaches the services the same way,
so a call goes gateway -> service -> database exactly as in production, inside the test's
transaction.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.keys import KeyRing, access_claims, ensure_dev_keys
from gateway.main import app as gateway_app
from gateway.main import attach_gateway
from gateway.proxy import HttpxHop
from gateway.ratelimit import RateLimiter
from services.assessment.main import app as assessment_app
from services.common.app import attach_resources
from services.common.db import async_url
from services.common.server import serve_command
from services.common.settings import Settings
from services.masterplan.main import app as masterplan_app
from services.regions.main import app as regions_app
from smartcity import migrate
from smartcity.database import drop_database, ensure_database
from smartcity.embedded_pg import EmbeddedPostgres, port_is_free
from smartcity.seed import seed

ROOT = Path(__file__).resolve().parents[1]
TEST_DB = "smartcity_test"
SERVICE_APPS: dict[str, FastAPI] = {"regions": regions_app, "assessment": assessment_app,
                                    "masterplan": masterplan_app}


def _free_port(start: int) -> int:
    port = start
    while not port_is_free(port):
        port += 1
    return port


@dataclass
class Server:
    url: str  # the server's maintenance database; tests create their own databases on it
    embedded: EmbeddedPostgres | None


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    if os.environ.get("DATABASE_URL"):
        yield Server(os.environ["DATABASE_URL"], None)
        return
    pg = EmbeddedPostgres(ROOT / ".data" / "test-pg", _free_port(54400))
    pg.start()
    yield Server(pg.url, pg)
    pg.stop()


async def fresh_database(server: Server, name: str) -> str:
    await drop_database(server.url, name)
    return await ensure_database(server.url, name)


@pytest.fixture(scope="session")
def database_url(pg_server: Server) -> str:
    url = asyncio.run(fresh_database(pg_server, TEST_DB))
    migrate.upgrade(url)
    asyncio.run(seed(url, progress=lambda _: None))
    return url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(env="test", database_url=database_url, data_dir=tmp_path_factory.mktemp("data"),
                    rate_limit_per_minute=100_000, rate_limit_anonymous_per_minute=100_000,
                    webhook_allow_private=True)  # the test receivers listen on 127.0.0.1


@pytest.fixture(scope="session")
def ring(settings: Settings) -> KeyRing:
    return ensure_dev_keys(settings)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        yield connection
        await outer.rollback()


@pytest.fixture
def sessionmaker(conn: AsyncConnection) -> async_sessionmaker:
    # Each request's "commit" releases a savepoint; the test's outer transaction is rolled back.
    return async_sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")


class _OneAtATime(httpx.AsyncBaseTransport):
    """All in-process services share the test's one connection, so the gateway's concurrent calls
    (the dossier asks three services at once) take turns here; in production each has its own pool."""

    def __init__(self, app: FastAPI, lock: asyncio.Lock):
        self.inner, self.lock = httpx.ASGITransport(app=app), lock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self.lock:
            response = await self.inner.handle_async_request(request)
            body = b"".join([chunk async for chunk in response.aiter_raw()])  # still compressed, as sent
        return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(body))


def in_process(app: FastAPI, name: str, lock: asyncio.Lock | None = None) -> httpx.AsyncClient:
    transport = _OneAtATime(app, lock) if lock else httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=f"http://{name}")


@pytest.fixture
def apps(settings: Settings, ring: KeyRing, sessionmaker: async_sessionmaker) -> dict[str, FastAPI]:
    for app in [*SERVICE_APPS.values(), gateway_app]:
        attach_resources(app, settings)
        app.state.sessionmaker = sessionmaker
    # Services that ask the registry over HTTP reach it in-process, inside the same transaction.
    assessment_app.state.upstreams = {"regions": in_process(regions_app, "regions")}
    masterplan_app.state.upstreams = {"regions": in_process(regions_app, "regions"),
                                      "assessment": in_process(assessment_app, "assessment")}
    attach_gateway(gateway_app, settings, ring)
    turns = asyncio.Lock()
    gateway_app.state.upstreams = {name: in_process(app, name, turns) for name, app in SERVICE_APPS.items()}
    gateway_app.state.hop = HttpxHop(gateway_app.state.upstreams)
    gateway_app.state.rate_limiter = RateLimiter(sessionmaker, per_minute=settings.rate_limit_per_minute,
                                                 anonymous_per_minute=settings.rate_limit_anonymous_per_minute)
    return {**SERVICE_APPS, "gateway": gateway_app}


@pytest.fixture
async def gw(apps: dict[str, FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway, as frontend teams and partner systems reach it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["gateway"]),
                                 base_url="http://gateway") as client:
        yield client


@pytest.fixture
def direct(apps: dict[str, FastAPI]) -> Callable[[str], httpx.AsyncClient]:
    """A service reached without the gateway."""
    def make(name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[name]), base_url=f"http://{name}")
    return make


TokenFactory = Callable[..., str]


@pytest.fixture
def token(settings: Settings, ring: KeyRing) -> TokenFactory:
    def make(role: str, *, region: str | None = None, sub: str | None = None, **overrides: object) -> str:
        claims = access_claims(settings, sub=sub or f"test:{role}:{region or 'national'}", roles=[role],
                               organisation=f"test {role}", region_code=region)
        claims.update(overrides)
        return ring.sign(claims)
    return make


@pytest.fixture
def auth(token: TokenFactory) -> Callable[..., dict[str, str]]:
    def make(role: str, **kw: object) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(role, **kw)}"}
    return make


# Real processes --------------------------------------------------------------------------------

def free_ports(n: int, start: int = 18000) -> list[int]:
    ports, port = [], start
    while len(ports) < n:
        if port_is_free(port):
            ports.append(port)
        port += 1
    return ports


def smartcity_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "smartcity", *args]


def serve(name: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    """One real process (`smartcity serve NAME`), quiet."""
    return subprocess.Popen(serve_command(name, port), env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"port {port} not ready after {timeout:.0f}s")


def wait_for_line(proc: subprocess.Popen, needle: str, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"no {needle!r} within {timeout}s; output:\n{''.join(seen)[-3000:]}")


@pytest.fixture(scope="session")
def running_stack(pg_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`smartcity up` on a database of its own, shared by the tests that need the real processes."""
    url = asyncio.run(fresh_database(pg_server, "smartcity_stack"))
    migrate.upgrade(url)
    asyncio.run(seed(url, progress=lambda _: None))
    gateway, regions, assessment, masterplan = free_ports(4, start=18200)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path_factory.mktemp("stack")),
           "SMARTCITY_GATEWAY_PORT": str(gateway), "SMARTCITY_REGIONS_PORT": str(regions),
           "SMARTCITY_ASSESSMENT_PORT": str(assessment), "SMARTCITY_MASTERPLAN_PORT": str(masterplan),
           "SMARTCITY_LOG_LEVEL": "INFO", "SMARTCITY_RATE_LIMIT_PER_MINUTE": "1000000",
           "SMARTCITY_CORS_ORIGINS": '["https://gm100.kominfo.go.id"]', "SMARTCITY_BODY_READ_TIMEOUT": "2",
           "SMARTCITY_HEADER_READ_TIMEOUT": "2",
           "SMARTCITY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000", "PYTHONUNBUFFERED": "1"}
    log = tmp_path_factory.mktemp("stack-logs") / "stack.log"
    with log.open("w") as sink:  # a file, not a pipe: a full pipe would stall the servers
        proc = subprocess.Popen(smartcity_command("up"), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=sink,
                                text=True)
        try:
            wait_for_line(proc, "is ready", timeout=90)
            env["STACK_LOG"] = str(log)
            yield f"http://127.0.0.1:{gateway}", env
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    text = log.read_text()
    errors = [line for line in text.splitlines() if '"level": "error"' in line]
    assert errors == [], errors[:5]
    # Secrets never reach the logs: no tokens, keys or the passwords the tests used.
    for secret in ("eyJhbGciOi", "PRIVATE KEY", "client_secret", *SECRETS_USED):
        assert secret not in text, f"{secret[:12]}... appears in the logs"


SECRETS_USED = ["cli password that must not leak"]
