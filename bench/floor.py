"""The floor: what the four benchmarked reads cost with nothing but the work, on bare Starlette and asyncpg.

Each route does what its service operation does: the same bearer-token check (the services' own verifier,
with its cache of verified tokens), the same role gate, the same queries and the same JSON bytes
(`bench/load.py` checks byte equality before it measures). No ORM, no validation layer, no middleware, no
transaction around a read. It is what the services are measured against, not something to deploy.

    python bench/floor.py PORT        (DATABASE_URL and the services' settings from the environment)
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import asyncpg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.common.auth import Principal, TokenVerifier
from services.common.errors import ProblemError
from services.common.roles import KOMINFO, MINISTRIES, Role
from services.common.settings import get_settings

settings = get_settings()
verifier = TokenVerifier.from_settings(settings)
pool: asyncpg.Pool | None = None
REGION = "code, level, name, name_short, type, parent_code, province_code, island_group, postal_code"
REGION_KEYS = tuple(REGION.split(", "))
HEAD_KEYS = ("id", "region_code", "head_name", "title", "deputy_name", "start_date", "end_date", "end_reason",
             "revision", "recorded_at")
CHANGE_KEYS = ("old_code", "new_code", "change", "legal_basis", "enacted_on", "effective_on", "list_before",
               "list_after", "name_old", "name_new")
CHANGE = ", ".join(f"'{k}', x.{k}" for k in CHANGE_KEYS)
READERS = KOMINFO | MINISTRIES


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_iso).encode()


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


def answer(value: Any) -> Response:
    return Response(dumps(value), media_type="application/json")


def problem(status: int, detail: str) -> Response:
    return Response(dumps({"status": status, "detail": detail}), status_code=status,
                    media_type="application/problem+json")


class Refused(Exception):
    pass


async def caller(request: Request, roles: frozenset[Role] | None) -> Principal | None:
    header = request.headers.get("authorization")
    principal = await verifier.verify(header.removeprefix("Bearer ")) if header else None
    if roles is not None and (principal is None or not principal.roles & roles):
        raise Refused
    return principal


DETAIL = f"""
SELECT {', '.join(f'r.{c}' for c in REGION_KEYS)}, {', '.join(f'p.{c}' for c in REGION_KEYS)},
       (SELECT count(*) FROM regions.region c WHERE c.parent_code = $1) AS children,
       h.id, h.region_code, h.head_name, h.title, h.deputy_name, h.start_date, h.end_date, h.end_reason,
       h.revision, h.created_at,
       (SELECT coalesce(json_agg(json_build_object({CHANGE}) ORDER BY x.effective_on, x.id), '[]')
        FROM regions.code_change x WHERE x.region_code = $1) AS changes
FROM regions.region r
LEFT JOIN regions.region p ON p.code = r.parent_code
LEFT JOIN regions.head_term h ON h.id = (
    SELECT id FROM regions.head_term WHERE region_code = $1 AND start_date <= $2
    AND (end_date IS NULL OR end_date >= $2) ORDER BY start_date DESC LIMIT 1)
WHERE r.code = $1"""


async def region(request: Request) -> Response:
    await caller(request, None)
    assert pool is not None
    row = await pool.fetchrow(DETAIL, request.path_params["code"], date.today())
    if row is None:
        return problem(404, "not in the registry")
    values = list(row.values())
    own, parent, children, head, changes = values[:9], values[9:18], values[18], values[19:29], values[29]
    return answer({**dict(zip(REGION_KEYS, own, strict=True)), "resolved_from": None,
                   "parent": {**dict(zip(REGION_KEYS, parent, strict=True)), "resolved_from": None}
                   if parent[0] is not None else None,
                   "children_count": children,
                   "current_head": dict(zip(HEAD_KEYS, head, strict=True)) if head[0] is not None else None,
                   "changes": json.loads(changes), "as_on": None})


SEARCH = f"""
SELECT {REGION}, count(*) OVER () AS total FROM regions.region
WHERE search_full LIKE '%' || (SELECT regions.fold_name($1)) || '%'
ORDER BY CASE WHEN search_key = (SELECT regions.fold_name($1)) OR search_full = (SELECT regions.fold_name($1)) THEN 0
              WHEN search_key LIKE (SELECT regions.fold_name($1)) || '%' THEN 1
              WHEN search_full LIKE (SELECT regions.fold_name($1)) || '%' THEN 2 ELSE 3 END,
         CASE level WHEN 'province' THEN 0 WHEN 'regency' THEN 1 WHEN 'district' THEN 2 WHEN 'village' THEN 3 END,
         length(search_key), code
LIMIT $2 OFFSET $3"""


async def search(request: Request) -> Response:
    await caller(request, None)
    assert pool is not None
    limit, offset = int(request.query_params.get("limit", 50)), int(request.query_params.get("offset", 0))
    rows = await pool.fetch(SEARCH, request.query_params["q"], limit, offset)
    # Each row carries the total after the region's columns.
    return answer({"items": [{**dict(zip(REGION_KEYS, r.values(), strict=False)), "resolved_from": None}
                             for r in rows],
                   "total": rows[0]["total"] if rows else 0, "limit": limit, "offset": offset})


ROUND = ("SELECT r.id, r.state, r.result_hash, r.agreement_alpha, r.finalised_at, b.id, b.code, b.version, "
         "r.calibration "
         "FROM assessment.round r JOIN assessment.rubric b ON b.id = r.rubric_id WHERE r.id = $1")
RESULTS = "SELECT explanation FROM assessment.result WHERE round_id = $1"
RESULT_KEYS = ("region_code", "region_name", "province_code", "island_group", "rank", "total", "components",
               "flagged_for_moderation", "selected", "rule", "pushed", "missing", "set_aside", "categories",
               "evaluation")
COMPONENT_KEYS = ("score", "assessors", "std", "range", "value", "year", "weight")
MISSING_KEYS = ("component_key", "reason", "rule")


def _result(explanation: dict[str, Any]) -> dict[str, Any]:
    item = {k: explanation.get(k) for k in RESULT_KEYS}
    item["components"] = {key: {k: c[k] for k in COMPONENT_KEYS if c.get(k) is not None}
                          for key, c in explanation["components"].items()}
    item["missing"] = [{k: m[k] for k in MISSING_KEYS} for m in explanation.get("missing", [])]
    item["set_aside"] = explanation.get("set_aside", [])
    if item["total"] is not None:
        item["total"] = float(item["total"])
    return item


async def results(request: Request) -> Response:
    await caller(request, READERS)
    assert pool is not None
    async with pool.acquire() as connection:
        head = await connection.fetchrow(ROUND, int(request.path_params["round_id"]))
        if head is None:
            return problem(404, "no such round")
        if head[8] is not None and json.loads(head[8]):
            return problem(501, "the floor does not calibrate")
        rows = await connection.fetch(RESULTS, head[0])
    items = sorted((_result(json.loads(r[0])) for r in rows),
                   key=lambda r: (r["rank"] is None, r["rank"] or 0, r["region_code"]))
    alpha = float(head[3]) if head[3] is not None else None
    return answer({"round_id": head[0], "state": head[1], "rubric_id": head[5], "rubric_code": head[6],
                   "rubric_version": head[7], "frozen": head[4] is not None, "result_hash": head[2],
                   "agreement_alpha": alpha, "calibration": None,
                   "selected_count": sum(1 for i in items if i["selected"]), "items": items})


PLAN = "SELECT id, region_code, version, start_year, end_year FROM masterplan.masterplan WHERE id = $1"
DIMENSIONS = "SELECT code FROM masterplan.dimension ORDER BY position"
PROGRAMMES = ("SELECT key, dimension_code, start_year, end_year, quick_win, budget FROM masterplan.programme "
              "WHERE masterplan_id = $1 ORDER BY key")


async def roadmap(request: Request) -> Response:
    principal = await caller(request, READERS | {Role.pemda})
    assert pool is not None and principal is not None
    async with pool.acquire() as connection:
        plan = await connection.fetchrow(PLAN, int(request.path_params["plan_id"]))
        if plan is None or not principal.may_see_region(plan["region_code"]):
            return problem(404, "no such masterplan")
        dimensions = [r[0] for r in await connection.fetch(DIMENSIONS)]
        programmes = [(key, dim, start, end, quick, json.loads(budget))
                      for key, dim, start, end, quick, budget in await connection.fetch(PROGRAMMES, plan["id"])]
    years, by_dimension, by_source = [], dict[str, int](), dict[str, int]()
    for year in range(plan["start_year"], plan["end_year"] + 1):
        cells: dict[str, dict[str, Any]] = {d: {"programmes": [], "budget": 0} for d in dimensions}
        sources: dict[str, int] = {}
        quick = []
        for key, dim, start, end, quick_win, budget in programmes:
            if not start <= year <= end:
                continue
            cells[dim]["programmes"].append(key)
            if quick_win:
                quick.append(key)
            for line in budget:
                if line["year"] == year:
                    cells[dim]["budget"] += line["amount"]
                    sources[line["source"]] = sources.get(line["source"], 0) + line["amount"]
                    by_dimension[dim] = by_dimension.get(dim, 0) + line["amount"]
                    by_source[line["source"]] = by_source.get(line["source"], 0) + line["amount"]
        years.append({"year": year, "dimensions": cells, "budget_total": sum(sources.values()),
                      "budget_by_source": dict(sorted(sources.items())), "quick_wins": quick})
    return answer({"masterplan_id": plan["id"], "region_code": plan["region_code"], "version": plan["version"],
                   "start_year": plan["start_year"], "end_year": plan["end_year"], "years": years,
                   "budget_total": sum(by_source.values()), "budget_by_dimension": dict(sorted(by_dimension.items())),
                   "budget_by_source": dict(sorted(by_source.items()))})


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    global pool
    url = (settings.database_url or "").replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(url, min_size=settings.db_pool_size, max_size=settings.db_pool_size)
    yield
    await pool.close()


async def refused(_: Request, exc: Exception) -> Response:
    return problem(401 if isinstance(exc, Refused) else exc.status, "refused")  # type: ignore[attr-defined]


app = Starlette(routes=[Route("/api/v1/regions", search), Route("/api/v1/regions/{code}", region),
                        Route("/api/v1/assessment/rounds/{round_id}/results", results),
                        Route("/api/v1/masterplan/masterplans/{plan_id}/roadmap", roadmap)],
                lifespan=lifespan, exception_handlers={Refused: refused, ProblemError: refused})

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
