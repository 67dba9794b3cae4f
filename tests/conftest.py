"""A real PostgreSQL for the whole run; every test inside transactions that are rolled back.

The server is the embedded one (or DATABASE_URL's); the test database is created fresh,
migrated with the real migrations and seeded with the real region tree once per run.
The four apps are served in this process by uvicorn on real sockets, and call each other with the
production upstream client (the gateway's hop and every service-to-service call), so a call goes
gateway -> service -> database exactly as in production. Each process has its own connection,
as each has its own pool in production, with one transaction per test that is rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.keys import KeyRing, access_claims, ensure_dev_keys
from gateway.proxy import SERVICES
from gateway.ratelimit import RateLimiter
from services.common.db import async_url
from services.common.runtime import tune_collector
from services.common.server import KEEP_ALIVE, HeadDeadlineProtocol
from services.common.settings import Settings
from services.common.upstream import Upstreams
from smartcity.embedded_pg import EmbeddedPostgres
from smartcity.embedded_s3 import PORTS, EmbeddedS3
from tests.kit import (
    ROOT,
    SECRETS_USED,
    STARTED,
    WORKER,
    Server,
    free_block,
    free_ports,
    log_tails,
    seeded_database,
    smartcity_command,
    wait_for_line,
)

TEST_DB = "smartcity_test"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    if os.environ.get("DATABASE_URL"):
        yield Server(os.environ["DATABASE_URL"], None)
        return
    pg = EmbeddedPostgres(ROOT / ".data" / f"test-pg{'-' + WORKER if WORKER else ''}", free_ports(1, start=54400)[0])
    pg.start()
    yield Server(pg.url, pg)
    pg.stop()


@pytest.fixture(scope="session")
def database_url(pg_server: Server) -> str:
    return seeded_database(pg_server, TEST_DB)


# Which processes each process calls, as in production (their upstreams hooks).
CALLS = {"gateway": SERVICES, "regions": ("gateway",), "assessment": ("regions", "masterplan", "gateway"),
         "masterplan": ("assessment", "regions", "gateway")}


@functools.cache
def all_apps() -> dict[str, FastAPI]:
    """The four apps by name, imported when a fixture first needs them: pytest-xdist's controller loads this file
    too and runs no test, and importing them there kept the workers waiting 3 s."""
    from gateway.main import app as gateway_app
    from services.assessment.main import app as assessment_app
    from services.masterplan.main import app as masterplan_app
    from services.regions.main import app as regions_app

    return {"regions": regions_app, "assessment": assessment_app, "masterplan": masterplan_app,
            "gateway": gateway_app}


@pytest.fixture(scope="session")
def ports() -> dict[str, int]:
    return dict(zip(CALLS, free_ports(len(CALLS), start=18600), strict=True))


@pytest.fixture(scope="session")
def settings(database_url: str, ports: dict[str, int], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(env="test", database_url=database_url, data_dir=tmp_path_factory.mktemp("data"),
                    s3_port=free_block(PORTS, start=19100),  # the server starts with the first test that needs it
                    rate_limit_per_minute=100_000, rate_limit_anonymous_per_minute=100_000,
                    webhook_allow_private=True,  # the test receivers listen on 127.0.0.1
                    service_key=os.urandom(24).hex(),
                    **{f"{name}_url": f"http://127.0.0.1:{port}" for name, port in ports.items()})


@pytest.fixture(scope="session")
def object_store(settings: Settings) -> Iterator[str]:
    """The embedded S3 server (SeaweedFS) the services' settings name; its S3 URL."""
    s3 = EmbeddedS3(settings)
    s3.start()
    STARTED.append(("s3", s3.log_file))
    try:
        s3.wait_ready()
        yield s3.url
    finally:
        s3.stop()


@pytest.fixture(scope="session")
def ring(settings: Settings) -> KeyRing:
    return ensure_dev_keys(settings)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


class QuietServer(uvicorn.Server):
    """uvicorn inside the test run: pytest keeps its own signal handling."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_in_process(app: object, port: int) -> tuple[QuietServer, asyncio.Task[None]]:
    """An ASGI app on a real socket, served on the test's event loop (no lifespan: the fixtures set its state)."""
    server = QuietServer(uvicorn.Config(app, host="127.0.0.1", port=port, http=HeadDeadlineProtocol, ws="none",
                                        lifespan="off", log_level="warning", access_log=False, server_header=False,
                                        timeout_keep_alive=KEEP_ALIVE))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the server could not start: say why
        await asyncio.sleep(0.01)
    return server, task


@pytest.fixture
async def serve_app() -> AsyncIterator[Callable[[object], Awaitable[str]]]:
    """Serve a stand-in ASGI app (a service that hangs, say) on a real socket for one test; its base URL."""
    running = []

    async def start(app: object) -> str:
        port = free_ports(1, start=18700)[0]
        running.append(await serve_in_process(app, port))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task in running:
        server.should_exit = True
        server.force_exit = True
        await task


@pytest.fixture(scope="session")
async def servers(settings: Settings, ring: KeyRing, ports: dict[str, int]) -> AsyncIterator[dict[str, str]]:
    """The four processes, each on its own port, calling each other as in production."""
    from services.common.app import attach_resources

    running = []
    for name, app in all_apps().items():
        attach_resources(app, settings)
        app.state.upstreams = Upstreams(settings, CALLS[name])
        running.append(await serve_in_process(app, ports[name]))
    yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for server, task in running:
        server.should_exit = True
        await task
    for app in all_apps().values():
        await app.state.upstreams.close()


@pytest.fixture(scope="session")
async def connections(engine: AsyncEngine) -> AsyncIterator[dict[str, AsyncConnection]]:
    opened = {name: await engine.connect() for name in CALLS}
    yield opened
    for connection in opened.values():
        await connection.close()


@pytest.fixture
async def db(connections: dict[str, AsyncConnection]) -> AsyncIterator[dict[str, AsyncConnection]]:
    """Each process's connection, inside a transaction that is rolled back after the test."""
    outer = [await connection.begin() for connection in connections.values()]
    yield connections
    for transaction in outer:
        await transaction.rollback()


class TakingTurns:
    """A process's sessions on its one test connection, one at a time (in production each has a pooled
    connection of its own). Each request's "commit" releases a savepoint; the test's transaction is rolled back."""

    def __init__(self, connection: AsyncConnection):
        self.maker = async_sessionmaker(bind=connection, expire_on_commit=False,
                                        join_transaction_mode="create_savepoint")
        self.turn = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        async with self.turn, self.maker() as session:
            yield session


@pytest.fixture
def sessionmakers(db: dict[str, AsyncConnection]) -> dict[str, TakingTurns]:
    return {name: TakingTurns(connection) for name, connection in db.items()}


@pytest.fixture
def apps(settings: Settings, ring: KeyRing, servers: dict[str, str],
         sessionmakers: dict[str, TakingTurns]) -> dict[str, FastAPI]:
    from gateway.main import attach_gateway
    from services.common.app import attach_resources

    for name, app in all_apps().items():
        attach_resources(app, settings)
        app.state.sessionmaker = app.state.reader = sessionmakers[name]
    gateway_app = all_apps()["gateway"]
    attach_gateway(gateway_app, settings, ring)
    gateway_app.state.rate_limiter = RateLimiter(sessionmakers["gateway"], per_minute=settings.rate_limit_per_minute,
                                                 anonymous_per_minute=settings.rate_limit_anonymous_per_minute)
    return all_apps()


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


@pytest.fixture(scope="session")
def running_stack(pg_server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """`smartcity up` on a database of its own, shared by the tests that need the real processes."""
    url = seeded_database(pg_server, "smartcity_stack")
    gateway, regions, assessment, masterplan = free_ports(4, start=18200)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path_factory.mktemp("stack")),
           "SMARTCITY_GATEWAY_PORT": str(gateway), "SMARTCITY_REGIONS_PORT": str(regions),
           "SMARTCITY_ASSESSMENT_PORT": str(assessment), "SMARTCITY_MASTERPLAN_PORT": str(masterplan),
           "SMARTCITY_S3_PORT": str(free_block(PORTS, start=19200)), "SMARTCITY_LOG_LEVEL": "INFO",
           "SMARTCITY_RATE_LIMIT_PER_MINUTE": "1000000",
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
            # Longer than the supervisor's own deadline for its processes (drain_seconds, 30, then 5 more).
            proc.wait(timeout=45)
    text = log.read_text()
    errors = [line for line in text.splitlines() if '"level": "error"' in line]
    assert errors == [], errors[:5]
    # Secrets never reach the logs: no tokens, keys or the passwords the tests used.
    for secret in ("eyJhbGciOi", "PRIVATE KEY", "client_secret", *SECRETS_USED):
        assert secret not in text, f"{secret[:12]}... appears in the logs"


@pytest.fixture(autouse=True)
def _processes_of_this_test() -> Iterator[None]:
    STARTED.clear()
    yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test shows the last log lines of every real process it started."""
    report = yield
    if report.failed and STARTED:
        report.sections.append(("processes started by this test", log_tails()))
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The system tests first: they start real processes and take longest, and coming last they left one worker
    running them alone while the other had finished."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/system/"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector tuned as in every served process (whose lifespan does it; the apps here run without one)."""
    tune_collector()
