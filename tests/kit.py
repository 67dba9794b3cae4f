"""What tests share besides fixtures: real processes with their logs kept, addresses, and refusal checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.common.server import serve_command
from services.common.settings import Settings
from smartcity.database import drop_database, ensure_database
from smartcity.embedded_pg import EmbeddedPostgres, port_is_free
from smartcity.lifetime import die_with

ROOT = Path(__file__).resolve().parents[1]
# Tools and caches kept per machine, outside the checkout, so a fresh clone (as CI runs) reuses them.
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smartcity"
# Under pytest-xdist each worker ("gw0", "gw1", ...) gets its own databases, data folder and band of ports.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# The bands do not overlap: a worker's ports run from 18000 to past 19300 (the S3 servers' blocks), so 2000 apart.
PORT_OFFSET = 2000 * int(WORKER.removeprefix("gw") or 0)
PROBLEM = "https://smartcity.kominfo.go.id/problems/"
SECRETS_USED = ["cli password that must not leak"]

# Every real process a test starts, with its log: a failing test shows their last lines (conftest's report hook).
STARTED: list[tuple[str, Path]] = []


@dataclass
class Server:
    url: str  # the server's maintenance database; tests create their own databases on it
    embedded: EmbeddedPostgres | None


async def fresh_database(server: Server, name: str) -> str:
    name = f"{name}_{WORKER}" if WORKER else name
    await drop_database(server.url, name)
    return await ensure_database(server.url, name)


SEEDED: set[str] = set()  # servers holding this worker's migrated and seeded template


def seeded_database(server: Server, name: str) -> str:
    """A fresh database with every schema migrated and the reference data seeded, as `smartcity up` leaves it:
    a copy (CREATE DATABASE ... TEMPLATE) of one made once per server, a file copy instead of seconds of seeding."""
    from smartcity import migrate
    from smartcity.seed import seed

    template = f"smartcity_seeded_{WORKER}" if WORKER else "smartcity_seeded"
    if server.url not in SEEDED:
        url = asyncio.run(fresh_database(server, "smartcity_seeded"))
        migrate.upgrade(url)
        asyncio.run(seed(url, progress=lambda _: None))
        SEEDED.add(server.url)
    name = f"{name}_{WORKER}" if WORKER else name
    asyncio.run(drop_database(server.url, name))
    return asyncio.run(ensure_database(server.url, name, template=template))


def free_ports(n: int, start: int = 18000) -> list[int]:
    ports, port = [], start + PORT_OFFSET
    while len(ports) < n:
        if port_is_free(port):
            ports.append(port)
        port += 1
    return ports


def free_block(n: int, start: int) -> int:
    """The first of n consecutive free ports (the embedded S3 server listens on eight)."""
    port = start + PORT_OFFSET
    while not all(port_is_free(p) for p in range(port, port + n)):
        port += n
    return port


def stack_settings(env: dict[str, str]) -> Settings:
    """The settings a process started with `env` reads (ports, data folder, the tokens' issuer)."""
    with mock.patch.dict(os.environ, env, clear=True):
        return Settings()


def smartcity_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "smartcity", *args]


def serve(name: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One real process (`smartcity serve NAME`), its output kept in a log file; it does not outlive the test
    worker that started it, even when a failing test leaves it running. Call it from the worker's main thread:
    the kernel ties the process to the thread that started it."""
    log = Path(tempfile.mkstemp(prefix=f"{name}-{port}-", suffix=".log")[1])
    with log.open("wb") as sink:
        proc = subprocess.Popen(serve_command(name, port), env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                                preexec_fn=die_with(os.getpid(), signal.SIGKILL))
    STARTED.append((f"{name} :{port}", log))
    return proc


def log_tails(lines: int = 30) -> str:
    """The last lines of every process the current test started."""
    out = []
    for label, log in STARTED:
        tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else ["(no log)"]
        out.append(f"--- {label}, last {len(tail)} lines of {log}\n" + "\n".join(tail))
    return "\n".join(out)


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    # One client for the whole wait: each new one loads the CA bundle, 50 ms of CPU taken from the starting process.
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise AssertionError(f"port {port} not ready after {timeout:.0f}s\n{log_tails()}")


def wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float) -> list[str]:
    assert proc.stdout is not None
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


@contextlib.contextmanager
def upstream_at(app: FastAPI, name: str, base: str) -> Iterator[None]:
    """For a while, one process's calls to `name` go to `base` instead (a closed port: the service is down)."""
    bases = app.state.upstreams.bases
    original, bases[name] = bases[name], base
    try:
        yield
    finally:
        bases[name] = original


def closed_port() -> str:
    """The address of a port nothing listens on."""
    return f"http://127.0.0.1:{free_ports(1, start=18900)[0]}"


def refused(r: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The answer is the problem of that rule, as problem+json."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["type"] == PROBLEM + slug, body
    return body


async def rows(conn: Any, schema: str) -> dict[str, int]:
    """Row counts of every table of a schema: what "nothing was written" is checked against."""
    names = (await conn.execute(text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s "
                                     "AND table_type = 'BASE TABLE'"), {"s": schema})).scalars().all()
    return {n: (await conn.execute(text(f'SELECT count(*) FROM {schema}."{n}"'))).scalar_one() for n in names}
