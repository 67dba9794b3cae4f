"""Hot reads: the few GETs partners poll and publication day brings, answered without FastAPI's work per request.

The operation stays a FastAPI route: its spec, its validation and its refusals are the route's. Its hot reader
answers the plain form of the request (path parameters of the declared shape, only the query parameters it
names) from the same service code, after the route's own gates and region scope, and returns None for anything
else, which then goes the full way. It runs where the route would run: inside request IDs, metrics, tracing,
gzip, conditional GETs and the app's exception handlers, so a problem it raises answers as the route's would.
Solving a route's dependencies, validating its answer again and opening a session was half of a region read's
CPU (make bench-load).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import FastAPI, Request, Response, params
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from .auth import Gate, Principal, optional_principal, region_scope
from .conditional import Cacheable

Reader = Callable[[Request, Principal | None], Awaitable[BaseModel | None]]


@dataclass(frozen=True)
class HotRead:
    operation_id: str
    read: Reader
    # The route's other dependencies (a session, a path aggregate, a page), as the endpoint names them: the reader
    # does their work itself.
    stands_for: tuple[Any, ...]
    # Query parameters the reader reads; any other sends the request the full way.
    query: frozenset[str] = frozenset()


def _shares_paths(earlier: APIRoute, route: APIRoute) -> bool:
    """Whether an earlier route might take some of a hot route's paths: segment by segment, a parameter or the
    same literal (a `:path` parameter takes the rest)."""
    mine, theirs = route.path.split("/"), earlier.path.split("/")
    for index, segment in enumerate(theirs):
        if segment.endswith(":path}"):
            return True
        if index >= len(mine):
            return False
        if not (segment.startswith("{") or mine[index].startswith("{") or segment == mine[index]):
            return False
    return len(theirs) == len(mine)


def path_id(request: Request, name: str) -> int | None:
    """A record's id in the path, in the plain form its `Path(ge=1, le=2**62)` takes; None otherwise."""
    value: str = request.path_params[name]
    return int(value) if value.isascii() and value.isdigit() and 1 <= int(value) <= 2**62 else None


def _dependency(alias: Any) -> Any:
    """The callable behind an `Annotated[..., Depends(...)]` alias."""
    return next((m.dependency for m in get_args(alias)[1:] if isinstance(m, params.Depends)), alias)


class _Hot:
    def __init__(self, route: APIRoute, read: HotRead, earlier: list[APIRoute]):
        self.route, self.read = route, read
        # Earlier routes that would take a path first: a literal GET path is compared as it is.
        self.literal = frozenset(r.path for r in earlier if "{" not in r.path and "GET" in (r.methods or ()))
        self.earlier = [r for r in earlier if "{" in r.path]
        self.guards: list[Callable[[Request], Awaitable[Any]]] = []
        self.headers: list[tuple[bytes, bytes]] = []
        stands_for = {_dependency(alias) for alias in read.stands_for}
        for dependency in route.dependant.dependencies:
            call = dependency.call
            if isinstance(call, Gate) or call is region_scope:
                self.guards.append(call)
            elif isinstance(call, Cacheable):
                self.headers.append((b"cache-control", call.header.encode()))
            elif call not in stands_for:
                raise TypeError(f"{read.operation_id}: the hot reader does not stand for {call!r}")
        if route.response_field is None:
            raise TypeError(f"{read.operation_id}: a hot read answers the route's response model")
        self.serialize = route.response_field.serialize_json


class HotReads:
    """Router middleware: a hot route's plain request to its reader, everything else to the router."""

    def __init__(self, app: ASGIApp, routes: Sequence[Any], reads: Sequence[HotRead]):
        self.app = app
        by_id = {r.operation_id: (i, r) for i, r in enumerate(routes) if isinstance(r, APIRoute)}
        self.hot = []
        for read in reads:
            index, route = by_id[read.operation_id]
            if route.methods != {"GET"}:
                raise TypeError(f"{read.operation_id}: only a GET is read hot")
            earlier = [r for r in routes[:index] if isinstance(r, APIRoute) and _shares_paths(r, route)]
            self.hot.append(_Hot(route, read, earlier))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            for hot in self.hot:
                match, child = hot.route.matches(scope)
                if match is not Match.FULL:
                    continue
                if scope["path"] not in hot.literal and not scope.get("root_path") and \
                        not any(r.matches(scope)[0] is Match.FULL for r in hot.earlier) and \
                        await self._answer(hot, scope, child, receive, send):
                    return
                break
        await self.app(scope, receive, send)

    async def _answer(self, hot: _Hot, scope: Scope, child: Scope, receive: Receive, send: Send) -> bool:
        request = Request(scope, receive)
        if not hot.read.query.issuperset(request.query_params.keys()):
            return False
        scope.update(child)  # the route, for metrics, tracing and the region scope's path parameters
        for guard in hot.guards:
            await guard(request)
        answer = await hot.read.read(request, await optional_principal(request))
        if answer is None:
            return False
        response = Response(hot.serialize(answer), status_code=hot.route.status_code or 200,
                            media_type="application/json")
        response.headers.raw.extend(hot.headers)
        await response(scope, receive, send)
        return True


def read_hot(app: FastAPI, reads: Sequence[HotRead]) -> None:
    """Put the hot readers in front of the app's router (after its routes are added)."""
    if reads:
        app.router.middleware_stack = HotReads(app.router.middleware_stack, app.router.routes, reads)
