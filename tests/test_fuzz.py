"""Schemathesis over the merged OpenAPI of the real running stack, with a token of an allowed role per operation.

Bounded by FUZZ_EXAMPLES (default 3 per operation) to keep `make test` within minutes;
`FUZZ_EXAMPLES=50 make test` runs deeper. Checks: no 5xx, documented status codes and content
types, responses matching their schemas.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.keys import access_claims, ensure_dev_keys
from services.common.settings import Settings
from smartcity import migrate
from smartcity.seed import seed

from .conftest import ROOT, fresh_database
from .test_processes import _ports, _smartcity, _wait_for_line

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def running_stack(pg_server, tmp_path_factory):
    url = asyncio.run(fresh_database(pg_server, "smartcity_fuzz"))
    migrate.upgrade(url)
    asyncio.run(seed(url, progress=lambda _: None))
    gateway, regions, assessment, masterplan = _ports(4, start=18200)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")),
           "SMARTCITY_GATEWAY_PORT": str(gateway), "SMARTCITY_REGIONS_PORT": str(regions),
           "SMARTCITY_ASSESSMENT_PORT": str(assessment), "SMARTCITY_MASTERPLAN_PORT": str(masterplan),
           "SMARTCITY_LOG_LEVEL": "WARNING", "SMARTCITY_RATE_LIMIT_PER_MINUTE": "1000000",
           "SMARTCITY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000", "PYTHONUNBUFFERED": "1"}
    log = tmp_path_factory.mktemp("fuzz-logs") / "stack.log"
    with log.open("w") as sink:  # a file, not a pipe: a full pipe would stall the servers
        proc = subprocess.Popen(_smartcity("up"), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=sink, text=True)
        try:
            _wait_for_line(proc, "is ready", timeout=90)
            yield f"http://127.0.0.1:{gateway}", env
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    errors = [line for line in log.read_text().splitlines() if '"level": "error"' in line]
    assert errors == [], errors[:5]


def _token(role: str, env: dict[str, str]) -> str:
    """What `smartcity dev-token` prints, signed with the stack's development key."""
    settings = Settings(data_dir=Path(env["SMARTCITY_DATA_DIR"]))
    claims = access_claims(settings, sub=f"fuzz:{role}", roles=[role], organisation="fuzz",
                           region_code="21.72" if role == "pemda" else None, minutes=60)
    return ensure_dev_keys(settings).sign(claims)


def test_fuzz_every_operation(running_stack, tmp_path):
    base, env = running_stack
    t0 = time.monotonic()
    spec = httpx.get(f"{base}/openapi.json").json()
    tokens: dict[str, str] = {}
    config = []
    for item in spec["paths"].values():
        for op in item.values():
            roles = op["x-roles"]
            if roles == ["public"]:
                continue
            role = "kominfo_admin" if "kominfo_admin" in roles else roles[0]
            tokens.setdefault(role, _token(role, env))
            config.append(f'[[operations]]\ninclude-operation-id = "{op["operationId"]}"\n'
                          f'headers = {{ Authorization = "Bearer {tokens[role]}" }}\n')
    (tmp_path / "schemathesis.toml").write_text("\n".join(config))
    print(f"spec and tokens: {time.monotonic() - t0:.0f}s")
    examples = os.environ.get("FUZZ_EXAMPLES", "3")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"), "run",
         f"{base}/openapi.json", "-n", examples, "--phases", "examples,coverage,fuzzing", "--checks", CHECKS,
         "--no-color", "--generation-database", "none", "--seed", "2019"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    summary = result.stdout[-2500:]
    print(f"schemathesis: {time.monotonic() - started:.0f}s, {examples} examples per operation")
    assert result.returncode == 0, result.stdout[-12000:]
    assert " passed" in summary and "failure" not in summary, summary
