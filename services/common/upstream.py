"""Every call from one of our processes to another: the gateway's hop and service-to-service calls alike.

One keep-alive pool per process (`http1.Pool`) to each process it calls. `send` passes raw headers and bytes
(the hop); `call` is a JSON call made with `send` on behalf of a request (its token, request ID and trace go
along) or of the process itself. Tests run this same client against servers on real sockets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request

from .errors import BadGateway, BadRequest, GatewayTimeout, ServiceUnavailable
from .http1 import Answer, Broken, Pool, TimedOut, Unreachable, Unsendable
from .logs import request_id_var
from .settings import Settings
from .tracing import inject

log = logging.getLogger("smartcity.upstream")
# Answers up to this size (with a Content-Length) are read whole; larger ones are streamed.
WHOLE = 256 * 1024


class UpstreamUnreachable(ServiceUnavailable):
    def __init__(self, name: str, cause: str):
        super().__init__(f"The {name} service is not reachable; try again shortly ({cause})",
                         headers={"Retry-After": "1"})
        self.cause = cause


class UpstreamRefused(BadGateway):
    """The other service answered with an error; `status_code` is what it answered."""

    def __init__(self, name: str, status: int, detail: str):
        super().__init__(f"The {name} service answered {status}: {detail}")
        self.status_code = status


class Upstreams:
    """The process's one client to the other processes it calls, by name ("regions", "gateway", ...)."""

    def __init__(self, settings: Settings, names: Iterable[str]):
        self.bases = {name: settings.service_url(name).rstrip("/") for name in names}
        # Idle connections are dropped well before the server would close them (server.KEEP_ALIVE).
        self.pool = Pool(connect_timeout=settings.upstream_connect_timeout,
                         read_timeout=settings.upstream_read_timeout, whole=WHOLE, idle_seconds=30)

    async def send(self, name: str, method: str, target: str, headers: Iterable[tuple[bytes, bytes]],
                   body: bytes = b"") -> Answer:
        """One request, headers and body as given; the answer whole when small, else as chunks."""
        try:
            return await self.pool.request(self.bases[name], method, target, headers, body)
        except Unsendable:
            raise BadRequest("The request cannot be forwarded") from None
        except Unreachable as exc:
            log.warning("%s unreachable for %s %s: %s", name, method, target.partition("?")[0], exc)
            raise UpstreamUnreachable(name, str(exc)) from None
        except TimedOut:
            log.warning("%s did not answer %s %s in time", name, method, target.partition("?")[0])
            raise GatewayTimeout(f"The {name} service did not answer in time") from None
        except Broken as exc:
            # Every 502 the hop answers is logged with its cause.
            log.warning("%s failed on %s %s: %s", name, method, target.partition("?")[0], exc)
            raise BadGateway(f"The {name} service failed: {exc}") from None

    async def call(self, name: str, method: str, path: str, *, headers: Mapping[str, str] | None = None,
                   params: Mapping[str, Any] | None = None, json_body: Any = None) -> Any:
        """A JSON call; an error answer raises UpstreamRefused with the service's detail."""
        sent = {"accept": "application/json", **(headers or {})}
        inject(sent)
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["content-type"] = "application/json"
        target = path + ("?" + urlencode(params, doseq=True) if params else "")
        answer = await self.send(name, method, target, [(k.encode(), v.encode()) for k, v in sent.items()], body)
        try:
            data = await answer.read()
        except (Broken, TimedOut) as exc:
            log.warning("%s broke off its answer to %s %s: %s", name, method, path, exc)
            raise BadGateway(f"The {name} service failed: {exc}") from None
        if answer.status >= 400:
            if answer.status >= 500:
                log.warning("%s answered %s to %s %s", name, answer.status, method, path)
            detail = ""
            if answer.header(b"content-type").endswith(b"json"):
                detail = str(json.loads(data).get("detail", ""))
            raise UpstreamRefused(name, answer.status, detail)
        return json.loads(data)

    async def close(self) -> None:
        await self.pool.close()


def upstreams_hook(*names: str) -> Callable[[FastAPI], Any]:
    """A lifespan hook that keeps the process's client to the named processes in app.state.upstreams."""

    @asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = Upstreams(app.state.settings, names)
        try:
            yield
        finally:
            await app.state.upstreams.close()

    return hook


class Upstream:
    """Calls to one other service on behalf of the current request: its token, request ID and trace go along."""

    def __init__(self, request: Request, name: str):
        self.name = name
        self.upstreams: Upstreams = request.app.state.upstreams
        auth = request.headers.get("authorization")
        self.headers = {"authorization": auth} if auth else {}
        request_id = request_id_var.get()
        if request_id:
            self.headers["x-request-id"] = request_id

    async def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   json_body: Any = None) -> Any:
        return await self.upstreams.call(self.name, method, path, headers=self.headers, params=params,
                                         json_body=json_body)

    async def pages(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every item of one of our paginated lists, read on page by page."""
        items: list[dict[str, Any]] = []
        while True:
            page = await self.call("GET", path, params={**params, "limit": 200, "offset": len(items)})
            items.extend(page["items"])
            if len(items) >= page["total"] or not page["items"]:
                return items
