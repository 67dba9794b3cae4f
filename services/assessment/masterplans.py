"""What the assessment service asks the masterplan service, over HTTP: the yearly evaluations recorded on
masterplans before evaluation rounds existed, which a round may name comparable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from services.common.upstream import Upstream


async def masterplans(request: Request) -> Upstream:
    return Upstream(request, "masterplan")


Masterplans = Annotated[Upstream, Depends(masterplans)]


async def evaluation_history(masterplans: Upstream, schemes: list[str], before_year: int) -> list[dict[str, Any]]:
    """Every region's evaluations under these scheme codes before the year, oldest year first."""
    return await masterplans.pages("/api/v1/masterplan/evaluations", {"scheme": schemes, "before_year": before_year})
