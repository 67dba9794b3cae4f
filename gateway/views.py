"""Views composed at the gateway from several services: the region dossier and the programme funnel.

The gateway asks each service over HTTP with the caller's own token, concurrently; each service
still decides what the caller may see. A part that is slow or down is named as missing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.common.auth import ALL_ROLES, KOMINFO, MINISTRIES, Gate, Principal
from services.common.errors import NotFound, ServiceUnavailable, problem_responses
from services.common.upstream import Upstream, UpstreamRefused, UpstreamUnreachable

router = APIRouter()
SignedIn = Annotated[Principal, Depends(Gate(ALL_ROLES))]
Overseer = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]


class MissingPart(BaseModel):
    part: str = Field(examples=["masterplan"])
    reason: str = Field(examples=["the masterplan service did not answer within 2.0s"])


class Dossier(BaseModel):
    region: dict[str, Any] = Field(description="Registry profile with parent and current head")
    indicators: list[dict[str, Any]] | None = None
    assessment: list[dict[str, Any]] | None = Field(default=None, description="Rounds, answers and results")
    masterplan: dict[str, Any] | None = Field(default=None, description="MoUs, current masterplan, roadmap, late")
    missing: list[MissingPart] = Field(description="Parts that could not be had, and why; empty when complete")


class FunnelYear(BaseModel):
    year: int
    invited: int
    attended: int
    selected: int
    mou_signed: int
    masterplans_approved: int
    quick_wins_delivered: int
    programmes_late: int
    population_selected: int = Field(description="Latest population of the regions selected this year")
    population_with_masterplan: int = Field(description="Latest population of those with an approved masterplan")


class Funnel(BaseModel):
    per_year: list[FunnelYear]
    cumulative: list[FunnelYear] = Field(description="Running totals up to each year (regions counted once)")
    filters: dict[str, str | None]


async def _get(request: Request, service: str, path: str, params: dict[str, Any] | None = None) -> Any:
    return await Upstream(request, service).call("GET", path, params=params)


async def _part(name: str, call: Any, seconds: float, missing: list[MissingPart]) -> Any:
    try:
        return await asyncio.wait_for(call, seconds)
    except TimeoutError:
        missing.append(MissingPart(part=name, reason=f"the {name} service did not answer within {seconds}s"))
    except UpstreamUnreachable as exc:
        missing.append(MissingPart(part=name, reason=f"the {name} service is unreachable ({exc.cause})"))
    except UpstreamRefused as exc:
        missing.append(MissingPart(part=name, reason=exc.detail))
    return None


@router.get("/api/v1/regions/{code}/dossier", operation_id="views_region_dossier", tags=["views"],
            summary="Everything about one kabupaten/kota, from every service at once",
            description="Profile and current head, indicator values, rounds and results, MoU, masterplan with "
                        "roadmap summary and late reports. A part whose service is slow or down is listed in "
                        "`missing`; the rest still answers.", responses=problem_responses(404, 422, 503))
async def dossier(code: Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["21.72"])], request: Request,
                  principal: SignedIn) -> Dossier:
    if not principal.may_see_region(code):
        raise NotFound(f"Region {code} is not in your scope")
    timeout = request.app.state.settings.dossier_part_timeout
    missing: list[MissingPart] = []
    # The profile is required, so its failure is the dossier's; the other parts may go missing.
    region, indicators, history, summary = await asyncio.gather(
        asyncio.wait_for(_get(request, "regions", f"/api/v1/regions/{code}"), timeout),
        _part("indicators", _get(request, "regions", f"/api/v1/regions/{code}/indicators", {"limit": 200}),
              timeout, missing),
        _part("assessment", _get(request, "assessment", f"/api/v1/assessment/regions/{code}/history"),
              timeout, missing),
        _part("masterplan", _get(request, "masterplan", f"/api/v1/masterplan/regions/{code}/summary"),
              timeout, missing),
        return_exceptions=True)
    if isinstance(region, UpstreamRefused) and region.status_code == 404:
        raise NotFound(f"Region {code} is not in the registry")
    if isinstance(region, BaseException):
        raise ServiceUnavailable("The region registry is not reachable; the dossier needs at least the profile",
                                 extra={"missing": [m.model_dump() for m in missing]})
    if region["level"] != "regency":
        raise NotFound(f"{code} is not a kabupaten/kota")
    return Dossier(region=region, indicators=indicators["items"] if indicators else None, assessment=history,
                   masterplan=summary, missing=missing)


async def _all_pages(request: Request, service: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = await _get(request, service, path, {"limit": 200, "offset": len(items)})
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items


@router.get("/api/v1/programme/funnel", operation_id="views_programme_funnel", tags=["views"],
            summary="Invited → attended → selected → MoU → masterplan → quick wins, per year and cumulative",
            responses=problem_responses(422, 503))
async def funnel(request: Request, _: Overseer,
                 province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                 island_group: Annotated[str | None, Query(pattern=r"^[a-z_]{4,20}$")] = None) -> Funnel:
    try:
        invitations, plans, population = await asyncio.gather(
            _get(request, "assessment", "/api/v1/assessment/funnel"),
            _get(request, "masterplan", "/api/v1/masterplan/funnel"),
            _all_pages(request, "regions", "/api/v1/regions/indicators/population/values"))
    except (UpstreamRefused, UpstreamUnreachable) as exc:
        raise ServiceUnavailable(f"The funnel needs every service: {exc.detail}") from None
    rows = [r for r in invitations["items"] if (province is None or r["province_code"] == province)
            and (island_group is None or r["island_group"] == island_group)]
    in_scope = {r["region_code"] for r in rows}
    latest: dict[str, tuple[int, int]] = {}
    for v in population:
        if v["region_code"] not in latest or v["year"] > latest[v["region_code"]][0]:
            latest[v["region_code"]] = (v["year"], int(float(v["value"])))

    def people(codes: set[str]) -> int:
        return sum(latest[c][1] for c in codes if c in latest)

    years = sorted({r["year"] for r in rows} | {p["cohort_year"] for p in plans["items"]
                                                 if p["region_code"] in in_scope})
    per_year, cumulative = [], []
    seen: dict[str, set[str]] = defaultdict(set)
    totals: dict[str, int] = defaultdict(int)
    for year in years:
        these = [r for r in rows if r["year"] == year]
        cohort = [p for p in plans["items"] if p["cohort_year"] == year and p["region_code"] in in_scope]
        selected = {r["region_code"] for r in these if r["selected"]}
        approved = {p["region_code"] for p in cohort if p["masterplan_approved"]}
        counts = {"invited": len(these), "attended": sum(r["attended"] for r in these), "selected": len(selected),
                  "mou_signed": sum(p["mou_signed"] for p in cohort), "masterplans_approved": len(approved),
                  "quick_wins_delivered": sum(p["quick_wins_delivered"] for p in cohort),
                  "programmes_late": sum(p["programmes_late"] for p in cohort)}
        per_year.append(FunnelYear(year=year, **counts, population_selected=people(selected),
                                   population_with_masterplan=people(approved)))
        seen["selected"] |= selected
        seen["approved"] |= approved
        for key, value in counts.items():
            totals[key] += value
        cumulative.append(FunnelYear(
            year=year, **{**totals, "selected": len(seen["selected"]), "masterplans_approved": len(seen["approved"])},
            population_selected=people(seen["selected"]), population_with_masterplan=people(seen["approved"])))
    return Funnel(per_year=per_year, cumulative=cumulative, filters={"province": province,
                                                                     "island_group": island_group})
