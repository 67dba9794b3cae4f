"""Pass requests to the owning service: the gateway's hot path.

Every call of every user comes through here, so it runs below the web framework: `ProxyHop` is ASGI in
front of the app that takes every path under a service's prefix straight to it, through request IDs, metrics,
tracing and CORS only (token check, rate limit, in-flight cap, body deadline, then one upstream call), and
leaves the rest to the gateway's routes.
Upstream calls go over the process's one upstream client (`services.common.upstream`); small answers
are sent in one piece, large ones streamed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.auth import Principal, TokenVerifier, bearer_token
from services.common.conditional import ConditionalMiddleware, matches, send_whole
from services.common.errors import (
    NotFound,
    ProblemError,
    RequestTimeout,
    TooManyRequests,
    answer_problem,
)
from services.common.http1 import Broken, TimedOut
from services.common.logs import request_id_var
from services.common.metrics import UPSTREAM, child
from services.common.settings import Settings
from services.common.tracing import PROPAGATION_HEADERS, inject
from services.common.upstream import Upstreams

from .ratelimit import Quota, RateLimiter

log = logging.getLogger("smartcity.gateway")

SERVICES = ("regions", "assessment", "masterplan")
# RFC 9110 §7.6.1 hop-by-hop headers, plus the ones we set ourselves.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "host", "x-forwarded-for", "x-forwarded-proto",
                        "x-forwarded-host", "x-request-id"})


# As the ASGI server hands header names over: lower-case bytes.
NOT_FORWARDED = frozenset(name.encode() for name in HOP_BY_HOP.union(PROPAGATION_HEADERS))
# The gateway's own server writes these once; the service's copies would double them.
ANSWERED_HERE = frozenset(name.encode() for name in HOP_BY_HOP | {"date", "server"})


def _forward_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    # Raw bytes both ways: a header value that is not ASCII goes on as it came instead of failing to encode.
    headers = [(k, v) for k, v in scope["headers"] if k not in NOT_FORWARDED]
    trace_headers: dict[str, str] = {}
    inject(trace_headers)
    headers.extend((k.encode(), v.encode()) for k, v in trace_headers.items())
    client = scope.get("client")
    headers.append((b"x-forwarded-for", client[0].encode() if client else b"unknown"))
    headers.append((b"x-forwarded-proto", scope["scheme"].encode()))
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


async def _body(request: Request, named: dict[bytes, bytes], seconds: float) -> bytes:
    """The whole body (capped by the middleware), before any upstream connection is taken."""
    if named.get(b"content-length", b"0") == b"0" and b"transfer-encoding" not in named:
        return b""  # nothing to wait for (RFC 9112 §6.3): most calls are reads
    try:
        async with asyncio.timeout(seconds):
            return await request.body()
    except TimeoutError:
        raise RequestTimeout(f"The request body did not arrive within {seconds:g}s") from None


async def rate_limited(request: Request, response: Response) -> None:
    """The gateway's own operations count against the same limit as the proxied ones."""
    quota = await admit(request)
    if quota is not None:
        response.headers.update(quota.headers())




PREFIX = "/api/v1/"


def service_of(path: str) -> str | None:
    if not path.startswith(PREFIX):
        return None
    name = path[len(PREFIX):].partition("/")[0]
    return name if name in SERVICES else None


async def hop(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI: one call passed to the service that owns its path (its route set by ProxyHop)."""
    request = Request(scope, receive)
    try:
        await forward(request, scope["route"].service, send)
    except ProblemError as exc:
        await answer_problem(request, exc)(scope, receive, send)


class ProxyHop:
    """ASGI in front of the whole app: a service's paths go to `hop` through the app's own outer layers, everything
    else (the gateway's own operations) through the whole stack."""

    def __init__(self, hop: ASGIApp, stack: ASGIApp):
        self.hop = hop
        self.stack = stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        service = service_of(scope["path"]) if scope["type"] == "http" else None
        if service is None:
            await self.stack(scope, receive, send)
            return
        scope["route"] = PROXY_ROUTES[service]
        await self.hop(scope, receive, send)


# What shapes the gateway's own answers; a service's answer comes shaped (compressed, with its ETag).
OWN_ANSWERS = (GZipMiddleware, ConditionalMiddleware)


def hop_first(app: FastAPI) -> None:
    """The hop in front of the app: a service's path passes the app's own outer layers (request IDs, metrics,
    tracing, CORS) but not the framework's (its error page, telemetry and body limit, all of which the request
    context does too): those were a sixth of the hop's CPU."""
    build = app.build_middleware_stack

    def build_with_hop() -> ASGIApp:
        chain: ASGIApp = hop
        for middleware in reversed(app.user_middleware):
            if middleware.cls not in OWN_ANSWERS:  # type: ignore[comparison-overlap]
                chain = middleware.cls(chain, *middleware.args, **middleware.kwargs)
        return ProxyHop(chain, build())

    app.build_middleware_stack = build_with_hop  # type: ignore[method-assign]


@dataclass(frozen=True)
class _ProxyRoute:
    service: str
    path: str  # the metrics label of the calls proxied to one service (the service labels its own routes)


PROXY_ROUTES = {name: _ProxyRoute(name, f"/api/v1/{name}/{{path}}") for name in SERVICES}


@dataclass
class Kept:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored: float
    expires: float


def _public_max_age(headers: list[tuple[bytes, bytes]]) -> int | None:
    """Seconds a shared cache may keep this answer (RFC 9111 §3, §5.2.2), or None when it may not."""
    named = {k: v.lower() for k, v in headers}
    if b"set-cookie" in named or named.get(b"vary", b"").strip() not in (b"", b"accept-encoding"):
        return None
    directives = {d.strip().partition(b"=")[0]: d.strip().partition(b"=")[2]
                  for d in named.get(b"cache-control", b"").split(b",")}
    if b"public" not in directives or directives.keys() & {b"private", b"no-store", b"no-cache"}:
        return None
    seconds = directives.get(b"s-maxage") or directives.get(b"max-age")
    return int(seconds) if seconds and seconds.isdigit() else None


class SharedCache:
    """Answers a service marks `Cache-Control: public, max-age=N` (published results, the region tree), kept
    here for N seconds: revalidations and repeated reads on publication day never reach the service."""

    def __init__(self, entries: int = 512):
        self.entries = entries
        self._kept: OrderedDict[str, Kept] = OrderedDict()

    def get(self, key: str) -> Kept | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        if kept.expires <= time.monotonic():
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return kept

    def offer(self, key: str, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        seconds = _public_max_age(headers) if status == 200 else None
        if not seconds:
            return
        now = time.monotonic()
        self._kept[key] = Kept(headers, body, now, now + seconds)
        self._kept.move_to_end(key)
        while len(self._kept) > self.entries:
            self._kept.popitem(last=False)


async def forward(request: Request, service: str, send: Send) -> None:
    quota = await admit(request)
    settings: Settings = request.app.state.settings
    scope = request.scope
    named = dict(reversed(scope["headers"]))  # the first of each name, as the server hands it over: lower-case
    body = await _body(request, named, settings.body_read_timeout)
    # The path goes on exactly as it came, still percent-encoded.
    path = (scope.get("raw_path") or scope["path"].encode()).decode("ascii", "replace")
    if DOT_SEGMENT.search(path) or "%2f" in path.lower() or "\\" in path:
        raise NotFound("No such path")
    query = scope.get("query_string", b"")
    target = path + ("?" + query.decode("latin-1") if query else "")
    extra = [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()] if quota else []
    method = scope["method"]
    head = method == "HEAD"
    if_none_match = named.get(b"if-none-match") or None
    # GET and HEAD are answered from the shared cache when they may be; the caller can ask to skip it.
    cache: SharedCache = request.app.state.shared_cache
    cacheable = method in ("GET", "HEAD") and b"no-cache" not in named.get(b"cache-control", b"")
    # A compressed and a plain answer are kept apart (the service varies on Accept-Encoding).
    key = target + ("\0gzip" if b"gzip" in named.get(b"accept-encoding", b"") else "")
    kept = cache.get(key) if cacheable else None
    if kept is not None:
        age = str(int(time.monotonic() - kept.stored)).encode()
        await send_whole(send, 200, [*kept.headers, (b"age", age), *extra], kept.body, if_none_match, head,
                         add_etag=False)
        return
    forwarded = _forward_headers(scope)
    if method == "GET":  # the whole answer comes here, so the gateway can keep it; 304 is decided below
        forwarded = [(k, v) for k, v in forwarded if k != b"if-none-match"]
    upstreams: Upstreams = request.app.state.upstreams
    started = time.perf_counter()
    in_flight: InFlight = request.app.state.in_flight
    with in_flight.holding(request.state.client_key, settings.max_in_flight_per_client):
        try:
            answer = await upstreams.send(service, method, target, forwarded, body)
        except ProblemError:
            child(UPSTREAM, service, "error").observe(time.perf_counter() - started)
            raise
    child(UPSTREAM, service, str(answer.status)).observe(time.perf_counter() - started)
    # Raw pairs keep repeated headers; the upstream's own content-length and encoding stay valid for raw bytes.
    headers = [(name, v) for k, v in answer.headers if (name := k.lower()) not in ANSWERED_HERE]
    try:
        if answer.chunks is None:
            body_out = answer.body or b""
            if method == "GET":
                cache.offer(key, answer.status, headers, body_out)
            await send_whole(send, answer.status, headers + extra, body_out, if_none_match, head, add_etag=False)
            return
        etag = next((v for k, v in headers if k == b"etag"), None)
        # A large answer with an ETag (a map) the caller already holds is not sent again: 304.
        if (method == "GET" and answer.status == 200 and etag is not None and if_none_match is not None
                and matches(if_none_match, etag)):
            await send_whole(send, 200, headers + extra, b"", if_none_match, head, add_etag=False)
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": headers + extra})
        async for chunk in answer.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except (Broken, TimedOut) as exc:
        # The answer has begun: all that is left is to end it early.
        log.warning("upstream %s broke off an answer: %s", service, exc)
    finally:
        answer.release()
