"""Views composed at the gateway from several services: the region dossier and the programme funnel.

The gateway asks each service over HTTP with the caller's own token, concurrently; each service
still decides what the caller may see. A part that is slow or down is named as missing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from services.common.auth import ALL_ROLES, KOMINFO, MINISTRIES, Gate, Principal
from services.common.errors import NotFound, ServiceUnavailable, problem_responses
from services.common.upstream import Upstream, UpstreamRefused, UpstreamUnreachable

from .proxy import rate_limited

router = APIRouter(dependencies=[Depends(rate_limited)])
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
    invited: int = Field(description="Distinct regions invited (cumulative: ever invited up to this year)")
    attended: int
    selected: int
    mou_signed: int
    masterplans_approved: int
    quick_wins_delivered: int
    programmes_late: int
    population_selected: int = Field(description="Population of the selected regions, each taken for its cohort "
                                     "year (or the latest year before it): later data never changes it")
    population_with_masterplan: int = Field(description="Population of those with an approved masterplan, "
                                            "taken the same way")
    population_years: list[int] = Field(description="The data years the population figures use")
    population_unknown: int = Field(description="Regions counted with no population value at or before their "
                                    "cohort year")


class Funnel(BaseModel):
    per_year: list[FunnelYear]
    cumulative: list[FunnelYear] = Field(description="Up to each year, each region counted once")
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


@router.get("/api/v1/regions/{code}/dossier", operation_id="views_dossier_get", tags=["views"],
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
    return Dossier(region=region, indicators=indicators["items"] if indicators else None,
                   assessment=history["items"] if history else None, masterplan=summary, missing=missing)


async def _all_pages(request: Request, service: str, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = await _get(request, service, path, {**params, "limit": 200, "offset": len(items)})
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items


@router.get("/api/v1/programme/funnel", operation_id="views_funnel_get", tags=["views"],
            summary="Invited → attended → selected → MoU → masterplan → quick wins, per year and cumulative",
            description="Counts are distinct regions; population is each region's value for its cohort year (or "
                        "the latest before it), so loading later years never changes a year's figures.",
            responses=problem_responses(422, 503))
async def funnel(request: Request, _: Overseer,
                 province: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
                 island_group: Annotated[str | None, Query(pattern=r"^[a-z_]{4,20}$")] = None) -> Funnel:
    try:
        invitations, plans, population = await asyncio.gather(
            _get(request, "assessment", "/api/v1/assessment/funnel"),
            _get(request, "masterplan", "/api/v1/masterplan/funnel"),
            # Kabupaten/kota only: a village-level load (83,762 values a year) is not the funnel's business.
            _all_pages(request, "regions", "/api/v1/regions/indicators/population/values", {"level": "regency"}))
    except (UpstreamRefused, UpstreamUnreachable) as exc:
        raise ServiceUnavailable(f"The funnel needs every service: {exc.detail}") from None
    rows = [r for r in invitations["items"] if (province is None or r["province_code"] == province)
            and (island_group is None or r["island_group"] == island_group)]
    in_scope = {r["region_code"] for r in rows}
    plan_rows = [p for p in plans["items"] if p["region_code"] in in_scope]
    series: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for v in population:
        series[v["region_code"]].append((v["year"], int(Decimal(str(v["value"])))))

    def people(cohort: dict[str, int]) -> tuple[int, set[int], set[str]]:
        """Each region's population for its cohort year, or the latest year before it."""
        total, years, unknown = 0, set(), set()
        for code, year in cohort.items():
            known = [(y, n) for y, n in series[code] if y <= year]
            if not known:
                unknown.add(code)
                continue
            y, n = max(known)
            total += n
            years.add(y)
        return total, years, unknown

    def figures(year: int, invited: list[dict[str, Any]], signed: list[dict[str, Any]]) -> FunnelYear:
        first: dict[str, dict[str, Any]] = {}
        for r in sorted(invited, key=lambda r: r["year"]):
            first.setdefault(r["region_code"], r)
        selected = {r["region_code"]: r["year"] for r in invited if r["selected"]}
        by_region: dict[str, dict[str, Any]] = {}
        for p in sorted(signed, key=lambda p: p["cohort_year"]):
            by_region[p["region_code"]] = p  # the latest MoU of a region speaks for it
        approved = {c: p["cohort_year"] for c, p in by_region.items() if p["masterplan_approved"]}
        pop_selected, years_a, unknown_a = people(selected)
        pop_approved, years_b, unknown_b = people(approved)
        return FunnelYear(
            year=year, invited=len(first), attended=len({r["region_code"] for r in invited if r["attended"]}),
            selected=len(selected), mou_signed=sum(1 for p in by_region.values() if p["mou_signed"]),
            masterplans_approved=len(approved),
            quick_wins_delivered=sum(p["quick_wins_delivered"] for p in by_region.values()),
            programmes_late=sum(p["programmes_late"] for p in by_region.values()),
            population_selected=pop_selected, population_with_masterplan=pop_approved,
            population_years=sorted(years_a | years_b), population_unknown=len(unknown_a | unknown_b))

    years = sorted({r["year"] for r in rows} | {p["cohort_year"] for p in plan_rows})
    per_year = [figures(y, [r for r in rows if r["year"] == y], [p for p in plan_rows if p["cohort_year"] == y])
                for y in years]
    cumulative = [figures(y, [r for r in rows if r["year"] <= y], [p for p in plan_rows if p["cohort_year"] <= y])
                  for y in years]
    return Funnel(per_year=per_year, cumulative=cumulative, filters={"province": province,
                                                                     "island_group": island_group})
