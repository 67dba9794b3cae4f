"""Calling another service over HTTP with the caller's own token: no service trusts another blindly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request

from .errors import BadGateway, ServiceUnavailable
from .logs import request_id_var
from .settings import Settings
from .tracing import inject


def upstream_hook(name: str) -> Callable[[FastAPI], Any]:
    """A lifespan hook that keeps one pooled client to service `name` in app.state.upstreams."""

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        timeout = httpx.Timeout(connect=settings.upstream_connect_timeout, read=settings.upstream_read_timeout,
                                write=settings.upstream_read_timeout, pool=settings.upstream_connect_timeout)
        client = httpx.AsyncClient(base_url=settings.service_url(name), timeout=timeout)
        app.state.upstreams = {**getattr(app.state, "upstreams", {}), name: client}
        try:
            yield
        finally:
            await client.aclose()

    return hook


class UpstreamRefused(BadGateway):
    """The other service answered with an error; `status` is what it answered."""

    def __init__(self, name: str, status: int, detail: str):
        super().__init__(f"The {name} service answered {status}: {detail}")
        self.status_code = status


class UpstreamUnreachable(ServiceUnavailable):
    def __init__(self, name: str, exc: httpx.HTTPError):
        super().__init__(f"The {name} service could not be reached ({type(exc).__name__})")
        self.cause = type(exc).__name__


class Upstream:
    """Calls to one other service on behalf of the current request: its token, request ID and trace go along."""

    def __init__(self, request: Request, name: str):
        self.name = name
        self.client: httpx.AsyncClient = request.app.state.upstreams[name]
        auth = request.headers.get("authorization")
        self.headers = {"authorization": auth} if auth else {}
        request_id = request_id_var.get()
        if request_id:
            self.headers["x-request-id"] = request_id

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        headers = dict(self.headers)
        inject(headers)
        try:
            resp = await self.client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise UpstreamUnreachable(self.name, exc) from None
        if resp.status_code >= 400:
            detail = resp.json().get("detail", "") if resp.headers.get("content-type", "").endswith("json") else ""
            raise UpstreamRefused(self.name, resp.status_code, detail)
        return resp.json()
