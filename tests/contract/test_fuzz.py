"""Schemathesis over the merged OpenAPI of the real running stack, with a token of an allowed role per operation.

`make test` keeps it to about 7,000 cases, 90-115 s on two cores, half of it Schemathesis's own CPU:
FUZZ_EXAMPLES (default 1 per operation), and of the coverage phase only its invalid boundary cases
(FUZZ_COVERAGE=negative: every limit of every field broken, which must be a 4xx), not its valid ones nor its
unexpected methods. `make fuzz` runs 20 per operation and the whole coverage phase (FUZZ_COVERAGE=all), as
kominfo_admin and again as a pemda user (FUZZ_AS). Checks: no 5xx, documented status codes and content types,
responses matching their schemas.
"""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from gateway.keys import access_claims, ensure_dev_keys
from tests.kit import stack_settings

pytestmark = pytest.mark.xdist_group("stack")  # running_stack: one worker under pytest-xdist

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _token(role: str, env: dict[str, str]) -> str:
    """What `smartcity dev-token` prints, signed with the stack's development key."""
    settings = stack_settings(env)
    claims = access_claims(settings, sub=f"fuzz:{role}", roles=[role], organisation="fuzz",
                           region_code="21.72" if role == "pemda" else None, minutes=60)
    return ensure_dev_keys(settings).sign(claims)


@pytest.mark.parametrize("as_", os.environ.get("FUZZ_AS", "kominfo_admin").split(","))
def test_fuzz_every_operation(running_stack, tmp_path, as_):
    base, env = running_stack
    t0 = time.monotonic()
    spec = httpx.get(f"{base}/openapi.json").json()
    by_role: dict[str, list[str]] = {}
    for item in spec["paths"].values():
        for op in item.values():
            roles = op["x-roles"]
            if roles == ["public"] or (as_ == "pemda" and "pemda" not in roles):
                continue
            by_role.setdefault(as_ if as_ in roles else roles[0], []).append(op["operationId"])
    # One block per role, not per operation: Schemathesis matches every case against every block, and 135 of
    # them were a quarter of its time.
    config = [f'[[operations]]\ninclude-operation-id = {json.dumps(ids)}\n'
              f'headers = {{ Authorization = "Bearer {_token(role, env)}" }}\n' for role, ids in by_role.items()]
    coverage = "" if os.environ.get("FUZZ_COVERAGE", "negative") == "all" else (
        '[phases.coverage]\nunexpected-methods = []\n[phases.coverage.generation]\nmode = "negative"\n')
    (tmp_path / "schemathesis.toml").write_text(coverage + "\n".join(config))
    print(f"spec and tokens: {time.monotonic() - t0:.0f}s")
    examples = os.environ.get("FUZZ_EXAMPLES", "1")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"), "run",
         f"{base}/openapi.json", "-n", examples, "--phases", "examples,coverage,fuzzing", "--checks",
         os.environ.get("FUZZ_CHECKS", CHECKS),
         "--no-color", "--generation-database", "none", "--seed", "2019",
         # One worker by default: with several, Hypothesis parses source in threads at once and CPython 3.11's
         # ast can fail ("AST constructor recursion depth mismatch"), a runtime error of the tool, not of the API.
         "--workers", os.environ.get("FUZZ_WORKERS", "1")],
        # Only the variables it needs: its HTTP client reads the whole environment for proxies on every request.
        env={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")},
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    summary = result.stdout[-2500:]
    print(f"schemathesis as {as_}: {time.monotonic() - started:.0f}s, {examples} examples per operation")
    print(summary)
    failures = result.stdout.find("FAILURES")
    assert result.returncode == 0, result.stdout[max(failures, 0):][:12000]
    assert " passed" in summary and "failure" not in summary, summary
