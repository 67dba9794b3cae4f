"""Services learn revoked tokens from the gateway within a second, as the gateway itself does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .background import running
from .errors import ProblemError
from .upstream import Upstreams

log = logging.getLogger("smartcity.revocations")
PATH = "/auth/revocations"


async def refresh(app: FastAPI) -> None:
    upstreams: Upstreams = app.state.upstreams
    answer = await upstreams.call("gateway", "GET", PATH)
    app.state.verifier.revoked_digests = {k: float(v) for k, v in answer["revoked"].items()}


async def _watch(app: FastAPI, interval: float) -> None:
    while True:
        try:
            await refresh(app)
        except (ProblemError, ValueError, KeyError) as exc:  # the gateway may be restarting; the last list holds
            log.debug("revocations not refreshed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


@asynccontextmanager
async def revocation_watch(app: FastAPI) -> AsyncIterator[None]:
    """Needs the process's upstreams to name the gateway (`upstreams_hook(..., "gateway")` before it)."""
    async with running(_watch(app, 1.0)):
        yield
