"""Views composed from every service: a region's dossier and the programme funnel.

The registry and the assessment service are asked over HTTP with the caller's own token, concurrently, so
each still decides what the caller may see; this service's own part is read here. A part that is slow or
down is named as missing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.errors import NotFound, ProblemError, ServiceUnavailable
from services.common.upstream import Upstream, UpstreamRefused

from . import schemas
from .service import funnel_rows, region_summary

T = TypeVar("T")


async def _within(call: Awaitable[T], seconds: float) -> T:
    async with asyncio.timeout(seconds):
        return await call


async def _part(name: str, call: Awaitable[T], seconds: float, missing: list[schemas.MissingPart]) -> T | None:
    try:
        return await _within(call, seconds)
    except TimeoutError:
        missing.append(schemas.MissingPart(part=name, reason=f"the {name} service did not answer within {seconds}s"))
    except ProblemError as exc:
        missing.append(schemas.MissingPart(part=name, reason=exc.detail))
    return None


async def dossier(session: AsyncSession, registry: Upstream, assessment: Upstream, code: str, as_of: date,
                  part_seconds: float) -> schemas.Dossier:
    missing: list[schemas.MissingPart] = []
    # The profile is required, so its failure is the dossier's; the other parts may go missing.
    region, indicators, history = await asyncio.gather(
        _within(registry.call("GET", f"/api/v1/regions/{code}"), part_seconds),
        _part("indicators", registry.call("GET", f"/api/v1/regions/{code}/indicators", params={"limit": 200}),
              part_seconds, missing),
        _part("assessment", assessment.call("GET", f"/api/v1/assessment/regions/{code}/history"), part_seconds,
              missing),
        return_exceptions=True)
    if isinstance(region, UpstreamRefused) and region.status_code == 404:
        raise NotFound(f"Region {code} is not in the registry")
    if isinstance(region, BaseException):
        raise ServiceUnavailable("The region registry is not reachable; the dossier needs at least the profile",
                                 extra={"missing": [m.model_dump() for m in missing]})
    if region["level"] != "regency":
        raise NotFound(f"{code} is not a kabupaten/kota")
    return schemas.Dossier(region=region, indicators=indicators["items"] if indicators else None,
                           assessment=history["items"] if history else None,
                           masterplan=await region_summary(session, region["code"], as_of), missing=missing)


async def funnel(session: AsyncSession, registry: Upstream, assessment: Upstream, as_of: date,
                 province: str | None, island_group: str | None) -> schemas.Funnel:
    try:
        invitations, population, tertinggal = await asyncio.gather(
            assessment.call("GET", "/api/v1/assessment/funnel"),
            # Kabupaten/kota only: a village-level load (83,762 values a year) is not the funnel's business.
            registry.pages("/api/v1/regions/indicators/population/values", {"level": "regency"}),
            registry.pages("/api/v1/regions/indicators/tertinggal/values", {"level": "regency"}))
    except ProblemError as exc:
        raise ServiceUnavailable(f"The funnel needs every service: {exc.detail}") from None
    plans = (await funnel_rows(session, as_of)).items
    # One region under any of its codes: counted, filtered by province and given its population by today's code.
    rows = [{**r, "region_code": r["region_code_today"]} for r in invitations["items"]
            if (province is None or r["region_code_today"][:2] == province)
            and (island_group is None or r["island_group"] == island_group)]
    in_scope = {r["region_code"] for r in rows}
    plan_rows = [p for p in plans if p.region_code_today in in_scope]
    series: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for v in population:
        series[v["region_code"]].append((v["year"], int(Decimal(str(v["value"])))))

    status = {(v["region_code"], v["year"]): str(v["value"]) for v in tertinggal}
    listed_years = {year for _, year in status}

    def disadvantaged(cohort: dict[str, int]) -> int | None:
        """Regions on the 3T list of their cohort year; None when no year of theirs has a list loaded."""
        if not listed_years & set(cohort.values()):
            return None
        return sum(1 for code, year in cohort.items() if status.get((code, year)) == "tertinggal")

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

    def figures(year: int, invited: list[dict[str, Any]], signed: list[schemas.MouFunnelRow]) -> schemas.FunnelYear:
        first: dict[str, dict[str, Any]] = {}
        for r in sorted(invited, key=lambda r: r["year"]):
            first.setdefault(r["region_code"], r)
        selected = {r["region_code"]: r["year"] for r in invited if r["selected"]}
        by_region: dict[str, schemas.MouFunnelRow] = {}
        for p in sorted(signed, key=lambda p: p.cohort_year):
            by_region[p.region_code_today] = p  # the latest MoU of a region speaks for it
        approved = {c: p.cohort_year for c, p in by_region.items() if p.masterplan_approved}
        pop_selected, years_a, unknown_a = people(selected)
        pop_approved, years_b, unknown_b = people(approved)
        return schemas.FunnelYear(
            year=year, invited=len(first), attended=len({r["region_code"] for r in invited if r["attended"]}),
            selected=len(selected), mou_signed=sum(1 for p in by_region.values() if p.mou_signed),
            masterplans_approved=len(approved),
            quick_wins_delivered=sum(p.quick_wins_delivered for p in by_region.values()),
            programmes_late=sum(p.programmes_late for p in by_region.values()),
            population_selected=pop_selected, population_with_masterplan=pop_approved,
            population_years=sorted(years_a | years_b), population_unknown=len(unknown_a | unknown_b),
            selected_tertinggal=disadvantaged(selected))

    years = sorted({r["year"] for r in rows} | {p.cohort_year for p in plan_rows})
    per_year = [figures(y, [r for r in rows if r["year"] == y], [p for p in plan_rows if p.cohort_year == y])
                for y in years]
    cumulative = [figures(y, [r for r in rows if r["year"] <= y], [p for p in plan_rows if p.cohort_year <= y])
                  for y in years]
    return schemas.Funnel(per_year=per_year, cumulative=cumulative,
                          filters={"province": province, "island_group": island_group})
