"""Contracts every operation gets from its router, so none is left to an endpoint to remember.

- The role gate runs first, before any path aggregate is loaded or any precondition checked, so a
  caller without the role learns nothing but 401/403.
- Every POST that answers with a body takes an `Idempotency-Key` header: a retry with the same key
  replays the first answer instead of writing twice. The key row is written in the request's own
  transaction, so the first answer is stored exactly when the record is.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Header, Request, params
from fastapi.dependencies.utils import get_typed_signature
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from .auth import Gate, Principal, optional_principal
from .db import SessionDep
from .errors import RequestInProgress, add_problem
from .records import Idempotency, RecordModels

# What the endpoint returned, for the idempotency guard to store before the commit.
_answer: ContextVar[dict[str, Any] | None] = ContextVar("answer", default=None)


class Replayed(Exception):  # noqa: N818 - not an error: the stored first answer
    def __init__(self, response: JSONResponse):
        self.response = response


async def answer_replayed(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Replayed)
    return exc.response


IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200, description="Any unique string (e.g. a UUID); a retry with the same "
    "key and body replays the first answer (`Idempotency-Replayed: true`) instead of creating twice",
    examples=["8e0f6c1e-5f55-4a4e-9d1b-2f3f5b1f0d2a"])]


def _guard(records: RecordModels, status: int) -> Callable[..., AsyncIterator[None]]:
    async def idempotent(request: Request, session: SessionDep,
                         principal: Annotated[Principal | None, Depends(optional_principal)],
                         key: IdempotencyKey = None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        idem = Idempotency(session, records.idempotency, request, key, await request.body())
        if (replayed := await idem.replay(principal)) is not None:
            raise Replayed(replayed)
        holder: dict[str, Any] = {}
        token = _answer.set(holder)
        try:
            yield
        finally:
            _answer.reset(token)
        if "result" in holder:
            await idem.remember(status, jsonable_encoder(holder["result"]))

    return idempotent


def _remembering(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def call(*args: Any, **kwargs: Any) -> Any:
        result = await endpoint(*args, **kwargs)
        holder = _answer.get()
        if holder is not None:
            holder["result"] = result
        return result

    return call


def _gates(call: Callable[..., Any], *, nested: bool = False) -> list[Any]:
    """The role gates a callable depends on, directly or through its dependencies (or only through them)."""
    found = []
    for param in get_typed_signature(call).parameters.values():
        for marker in get_args(param.annotation)[1:]:
            if not isinstance(marker, params.Depends) or marker.dependency is None:
                continue
            if isinstance(marker.dependency, Gate):
                found += [] if nested else [Depends(marker.dependency)]
            elif callable(marker.dependency):
                found += _gates(marker.dependency)
    return found


def contract_router(records: RecordModels, **kw: Any) -> APIRouter:
    """A router whose POSTs are idempotent (and say so in OpenAPI), and whose gates run first."""

    class ContractRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
            if "POST" in (options.get("methods") or ()) and options.get("status_code") != 204:
                endpoint = _remembering(endpoint)
                guard = _guard(records, options.get("status_code") or 200)
                options["dependencies"] = [*(options.get("dependencies") or []), Depends(guard, scope="function")]
                options["responses"] = dict(options.get("responses") or {})
                add_problem(options["responses"], RequestInProgress)  # a retry while the first is still running
            # Gates first, so a caller who may not call learns nothing (not even that a record exists): a gate
            # parameter is solved before the rest; a gate inside another dependency is also the route's own, its
            # second use a cache hit.
            options["dependencies"] = [*_gates(endpoint, nested=True), *(options.get("dependencies") or [])]
            super().__init__(path, endpoint, **options)
            self.dependant.dependencies.sort(key=lambda d: not isinstance(d.call, Gate))
            # The router asks every route in turn; most are turned away by their literal head and their number of
            # segments before FastAPI's matching and the regex (a service has up to 80 routes).
            self.head = path.split("{")[0]
            self.depth = None if ":path}" in path else path.count("/")

        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            path = scope.get("path", "")
            if scope["type"] == "http" and not scope.get("root_path") and (
                    not path.startswith(self.head) or (self.depth is not None and path.count("/") != self.depth)):
                return Match.NONE, {}
            return super().matches(scope)

    return APIRouter(route_class=ContractRoute, **kw)


def no_if_match(reason: str) -> dict[str, Any]:
    """`openapi_extra` of an update that takes no If-Match, saying why (the spec test asks it of every other)."""
    return {"x-no-if-match": reason}
