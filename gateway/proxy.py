"""Pass requests to the owning service: streamed both ways, pooled, with explicit timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Iterator

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from services.common.auth import Principal, TokenVerifier, bearer_token
from services.common.errors import (
    BadGateway,
    BadRequest,
    GatewayTimeout,
    MethodNotAllowed,
    NotFound,
    RequestTimeout,
    ServiceUnavailable,
    TooManyRequests,
    allowed_methods,
)
from services.common.logs import request_id_var
from services.common.metrics import UPSTREAM
from services.common.settings import Settings
from services.common.tracing import PROPAGATION_HEADERS, inject

from .ratelimit import Quota, RateLimiter

log = logging.getLogger("smartcity.gateway")

SERVICES = ("regions", "assessment", "masterplan")
# RFC 9110 §7.6.1 hop-by-hop headers, plus the ones we set ourselves.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "host", "x-forwarded-for", "x-forwarded-proto",
                        "x-forwarded-host", "x-request-id"})


NOT_FORWARDED = HOP_BY_HOP.union(PROPAGATION_HEADERS)
# The gateway's own server writes these once; the service's copies would double them.
ANSWERED_HERE = HOP_BY_HOP | {"date", "server"}


def upstream_clients(settings: Settings) -> dict[str, httpx.AsyncClient]:
    timeout = httpx.Timeout(connect=settings.upstream_connect_timeout, read=settings.upstream_read_timeout,
                            write=settings.upstream_read_timeout, pool=settings.upstream_connect_timeout)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=30)
    return {name: httpx.AsyncClient(base_url=settings.service_url(name), timeout=timeout, limits=limits)
            for name in SERVICES}


def _forward_headers(request: Request) -> list[tuple[bytes, bytes]]:
    # Raw bytes both ways: a header value that is not ASCII goes on as it came instead of failing to encode.
    headers = [(k, v) for k, v in request.headers.raw if k.decode("latin-1").lower() not in NOT_FORWARDED]
    trace_headers: dict[str, str] = {}
    inject(trace_headers)
    headers.extend((k.encode(), v.encode()) for k, v in trace_headers.items())
    client_ip = request.client.host if request.client else "unknown"
    headers.append((b"x-forwarded-for", client_ip.encode()))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode()))
    headers.append((b"x-request-id", (request_id_var.get() or "").encode()))
    return headers


# A dot segment, plain or percent-encoded: it could climb out of the service's prefix.
DOT_SEGMENT = re.compile(r"(^|/)(\.|%2e){1,2}(/|$|\?)", re.IGNORECASE)


def _client_key(request: Request, principal: Principal | None) -> str:
    return principal.sub if principal else f"ip:{request.client.host if request.client else 'unknown'}"


async def _caller(request: Request) -> Principal | None:
    verifier: TokenVerifier = request.app.state.verifier
    token = bearer_token(request)
    return await verifier.verify(token) if token else None


async def admit(request: Request) -> Quota | None:
    """Refuse bad tokens here already, and count the call against its principal's rate limit."""
    principal = await _caller(request)
    request.state.client_key = _client_key(request, principal)
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return None
    return await limiter.hit(request.state.client_key, anonymous=principal is None)


class InFlight:
    """Requests each client has in flight at this gateway: one client cannot hold every upstream connection."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    @contextlib.contextmanager
    def holding(self, key: str, cap: int) -> Iterator[None]:
        if self.counts.get(key, 0) >= cap:
            raise TooManyRequests(f"At most {cap} requests in flight at once", headers={"Retry-After": "1"})
        self.counts[key] = self.counts.get(key, 0) + 1
        try:
            yield
        finally:
            self.counts[key] -= 1
            if not self.counts[key]:
                del self.counts[key]


async def _body(request: Request, seconds: float) -> bytes:
    """The whole body (capped by the middleware), before any upstream connection is taken."""
    try:
        return await asyncio.wait_for(request.body(), seconds)
    except TimeoutError:
        raise RequestTimeout(f"The request body did not arrive within {seconds:g}s") from None


async def rate_limited(request: Request, response: Response) -> None:
    """The gateway's own operations count against the same limit as the proxied ones."""
    quota = await admit(request)
    if quota is not None:
        response.headers.update(quota.headers())


def _problem_for(service: str, exc: httpx.HTTPError) -> Exception:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ServiceUnavailable(f"The {service} service is not reachable; try again shortly",
                                  headers={"Retry-After": "1"})
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return GatewayTimeout(f"The {service} service did not answer in time")
    return BadGateway(f"The {service} service failed: {type(exc).__name__}")


async def forward(request: Request, service: str) -> Response:
    clients: dict[str, httpx.AsyncClient] = request.app.state.upstreams
    client = clients.get(service)
    if client is None:
        # The gateway's own paths (/api/v1/admin/...) come here for a method they do not have.
        allowed = allowed_methods(request)
        if allowed:
            raise MethodNotAllowed(f"{request.method} is not allowed here", headers={"Allow": ", ".join(allowed)})
        raise NotFound(f"No service answers under /api/v1/{service}")
    quota = await admit(request)
    settings: Settings = request.app.state.settings
    body = await _body(request, settings.body_read_timeout)
    # The path goes on exactly as it came, still percent-encoded.
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("ascii", "replace")
    if DOT_SEGMENT.search(path) or "%2f" in path.lower() or "\\" in path:
        raise NotFound("No such path")
    target = path + (f"?{request.url.query}" if request.url.query else "")
    try:
        upstream_request = client.build_request(request.method, target, headers=_forward_headers(request),
                                                content=body)
    except httpx.InvalidURL:
        raise BadRequest("The request URL cannot be forwarded") from None
    started = time.perf_counter()
    in_flight: InFlight = request.app.state.in_flight
    with in_flight.holding(request.state.client_key, settings.max_in_flight_per_client):
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            UPSTREAM.labels(service, "error").observe(time.perf_counter() - started)
            raise _problem_for(service, exc) from None
    UPSTREAM.labels(service, str(upstream.status_code)).observe(time.perf_counter() - started)
    response = StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                 background=BackgroundTask(upstream.aclose))
    # Raw pairs keep repeated headers; the upstream's own content-length and encoding stay valid for raw bytes.
    response.raw_headers = [(k.encode("latin-1"), v.encode("latin-1"))
                            for k, v in upstream.headers.multi_items() if k.lower() not in ANSWERED_HERE]
    if quota is not None:
        response.raw_headers += [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()]
    return response
