"""Records keep the code of their act and the region's code today; a region filter finds them by either."""

from __future__ import annotations

from .upstream import Upstream, UpstreamRefused


async def code_today(registry: Upstream, code: str) -> str:
    """Today's code of the region `code` names: itself, or the region a former code (92.71) led to (96.71).
    A code the registry never knew is returned as it is: nothing can be recorded under it."""
    try:
        region = await registry.call("GET", f"/api/v1/regions/{code}")
    except UpstreamRefused as exc:
        if exc.status_code == 404:
            return code
        raise
    return str(region["code"])
