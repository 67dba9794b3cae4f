"""Frontend teams generate a TypeScript client from the merged spec; it must compile with no hand edits."""

import asyncio
import hashlib
import json
import shutil
import subprocess

import pytest

from tests.kit import USER_CACHE

USE = """
import type { components, operations, paths } from "./api";

type Region = components["schemas"]["Region"];
type Problem = components["schemas"]["Problem"];
type Results = operations["assessment_results_get"]["responses"][200]["content"]["application/json"];
type RoadmapOp = paths["/api/v1/masterplan/masterplans/{plan_id}/roadmap"]["get"];
type Roadmap = RoadmapOp["responses"][200]["content"]["application/json"];

const region: Region = {
  code: "21.72", level: "regency", name: "Kota Tanjung Pinang", name_short: "Tanjung Pinang", type: "kota",
  parent_code: "21", province_code: "21", island_group: "sumatera", postal_code: null,
};
const problem: Problem = { type: "about:blank", title: "Tidak ditemukan", status: 404, detail: "Region 99.99" };
export function selected(r: Results): string[] { return r.items.filter((i) => i.selected).map((i) => i.region_code); }
export function years(r: Roadmap): number[] { return r.years.map((y) => y.year); }
export const checked = [region.code, problem.status];

// The contracts are typed parameters: a frontend passes If-Match and Idempotency-Key by name.
type UpdateRound = operations["assessment_rounds_update"]["parameters"]["header"];
type CreateRound = operations["assessment_rounds_create"]["parameters"]["header"];
const update: NonNullable<UpdateRound> = { "If-Match": '"round-1-v3"' };
const create: NonNullable<CreateRound> = { "Idempotency-Key": "8e0f6c1e-5f55-4a4e-9d1b-2f3f5b1f0d2a" };
type Rounds = operations["assessment_rounds_list"]["responses"][200]["content"]["application/json"];
export function total(p: Rounds): number { return p.total + p.items.length; }
export const headers = [update["If-Match"], create["Idempotency-Key"]];
"""


GENERATORS = ("openapi-typescript@7", "@hey-api/openapi-ts@0.95", "orval@7", "typescript@5")
# Installed once per machine; the folder is named after the versions asked for.
TOOLS = USER_CACHE / f"ts-tools-{hashlib.sha256(' '.join(GENERATORS).encode()).hexdigest()[:12]}"
TSC = ["--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler",
       "--lib", "es2022,dom,dom.iterable"]


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")),
                    reason="node and npm are not installed; the spec itself is validated by test_openapi")
async def test_generated_typescript_clients_compile_without_warnings(gw, tmp_path):
    """openapi-typescript, hey-api and orval: what frontend teams use, each generating and compiling strictly."""
    spec = (await gw.get("/openapi.json")).json()
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    await asyncio.to_thread(_generate_and_compile, tmp_path)


def _run(args: list[str], cwd) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, (args[0], done.stdout[-3000:], done.stderr[-3000:])
    output = done.stdout + done.stderr
    warnings = [line for line in output.splitlines() if "warn" in line.lower()]
    assert warnings == [], (args[0], warnings)
    return output


def _generate_and_compile(tmp_path):
    bin_ = TOOLS / "node_modules" / ".bin"
    if not all((bin_ / tool).exists() for tool in ("openapi-typescript", "openapi-ts", "orval", "tsc")):
        TOOLS.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--silent",
                                    *GENERATORS], capture_output=True, text=True, timeout=300)
        if installed.returncode != 0:
            # The generators come from the npm registry; without them there is nothing to compile with.
            pytest.skip(f"could not install the generators from the npm registry: {installed.stderr[-300:]}")
    _run([str(bin_ / "openapi-typescript"), "openapi.json", "-o", "api.d.ts"], tmp_path)
    (tmp_path / "client.ts").write_text(USE)
    _run([str(bin_ / "openapi-ts"), "-i", "openapi.json", "-o", "hey"], tmp_path)
    _run([str(bin_ / "orval"), "--input", "openapi.json", "--output", "orval/api.ts", "--client", "fetch"], tmp_path)
    # One strict compilation of all three (each file a module of its own): half the time of three, the same checks.
    hey = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "hey").rglob("*.ts"))
    _run([str(bin_ / "tsc"), *TSC, "client.ts", *hey, "orval/api.ts"], tmp_path)
