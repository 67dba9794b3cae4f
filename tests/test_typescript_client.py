"""Frontend teams generate a TypeScript client from the merged spec; it must compile with no hand edits."""

import asyncio
import json
import shutil
import subprocess

import pytest

from .conftest import ROOT

TOOLS = ROOT / ".data" / "ts-tools"
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


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")),
                    reason="node and npm are not installed; the spec itself is validated by test_openapi")
async def test_generated_typescript_client_compiles(gw, tmp_path):
    spec = (await gw.get("/openapi.json")).json()
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    await asyncio.to_thread(_generate_and_compile, tmp_path)


def _generate_and_compile(tmp_path):
    if not (TOOLS / "node_modules" / ".bin" / "tsc").exists():
        TOOLS.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(["npm", "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", "--silent",
                                    "openapi-typescript@7", "typescript@5"], capture_output=True, text=True,
                                   timeout=300)
        if installed.returncode != 0:
            # The generator comes from the npm registry; without it there is nothing to compile with.
            pytest.skip(f"could not install openapi-typescript from the npm registry: {installed.stderr[-300:]}")
    bin_ = TOOLS / "node_modules" / ".bin"
    generated = subprocess.run([str(bin_ / "openapi-typescript"), "openapi.json", "-o", "api.d.ts"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert generated.returncode == 0, generated.stderr
    (tmp_path / "client.ts").write_text(USE)
    compiled = subprocess.run([str(bin_ / "tsc"), "--noEmit", "--strict", "--target", "es2022", "--module",
                               "es2022", "--moduleResolution", "bundler", "client.ts"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
