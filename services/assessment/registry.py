"""What the assessment service asks the region registry, over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from services.common.errors import Unprocessable
from services.common.upstream import Upstream


async def registry(request: Request) -> Upstream:
    return Upstream(request, "regions")


Registry = Annotated[Upstream, Depends(registry)]


async def lookup(registry: Upstream, codes: list[str], on: date) -> list[dict[str, Any]]:
    """Today's records of the kabupaten/kota these codes named on `on`, once each, with `requested` (the codes
    asked that led to it) and `code_on` (its code that day: the code an act of that day records);
    422 naming any code that never named one."""
    answer = await registry.call("POST", "/api/v1/regions/lookup", json_body={"codes": codes, "on": on.isoformat()})
    if answer["missing"]:
        raise Unprocessable(f"Not kabupaten/kota codes in the registry: {', '.join(answer['missing'])}",
                            errors=[{"loc": ["body", "region_codes", c], "msg": "not in the registry",
                                     "type": "value_error"} for c in answer["missing"]])
    regions = {r["code"]: {**r, "requested": []} for r in answer["found"]}
    for resolved in answer["resolved"]:
        region = regions[resolved["code"]]
        region["code_on"] = resolved["code_on"]
        region["requested"].append(resolved["requested"])
    return list(regions.values())


async def regencies_matching(registry: Upstream, *, type_: str | None, province: str | None,
                             island_group: str | None) -> list[dict[str, Any]]:
    params = {"level": "regency", **{k: v for k, v in (("type", type_), ("province", province),
                                                        ("island_group", island_group)) if v}}
    return await registry.pages("/api/v1/regions", params)


async def indicator_values(registry: Upstream, code: str, year: int) -> dict[str, str]:
    """Region code -> the indicator's value for that year, as text."""
    items = await registry.pages(f"/api/v1/regions/indicators/{code}/values", {"year": year})
    return {item["region_code"]: str(item["value"]) for item in items}


async def indicator_definition(registry: Upstream, code: str) -> dict[str, Any]:
    return dict(await registry.call("GET", f"/api/v1/regions/indicators/{code}"))
