"""Services learn revoked tokens from the gateway within a second, as the gateway itself does."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from .background import running

log = logging.getLogger("smartcity.revocations")
PATH = "/auth/revocations"


async def refresh(app: FastAPI, gateway: httpx.AsyncClient) -> None:
    answer = await gateway.get(PATH)
    answer.raise_for_status()
    app.state.verifier.revoked_digests = {k: float(v) for k, v in answer.json()["revoked"].items()}


async def _watch(app: FastAPI, gateway: httpx.AsyncClient, interval: float) -> None:
    while True:
        try:
            await refresh(app, gateway)
        except (httpx.HTTPError, ValueError, KeyError) as exc:  # the gateway may be restarting; the last list holds
            log.debug("revocations not refreshed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


@asynccontextmanager
async def revocation_watch(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    async with httpx.AsyncClient(base_url=settings.service_url("gateway"), timeout=2.0) as gateway:
        async with running(_watch(app, gateway, 1.0)):
            yield
