"""The app factory every service uses: same middleware, errors, health and OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import text

from .auth import TokenVerifier
from .conditional import ConditionalMiddleware
from .db import SessionDep, create_engine, reader_for, sessionmaker_for
from .documents.storage import ObjectStore
from .errors import ServiceUnavailable, install_error_handlers
from .hot import HotRead, read_hot
from .logs import configure_logging
from .metrics import metrics_router
from .middleware import RequestContextMiddleware
from .openapi import install_openapi
from .routing import Replayed, answer_replayed
from .runtime import tune_collector
from .settings import Settings, get_settings
from .tracing import configure_tracing

Hook = Callable[[FastAPI], AbstractAsyncContextManager[None]]


class Health(BaseModel):
    status: str
    service: str


def health_router(service: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> Health:
        return Health(status="ok", service=service)

    @router.get("/readyz")
    async def readyz(session: SessionDep) -> Health:
        try:
            await session.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means "not ready", never a 500
            raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from None
        return Health(status="ready", service=service)

    return router


def attach_resources(app: FastAPI, settings: Settings) -> None:
    """State a request needs; tests call this too, then override the session."""
    app.state.settings = settings
    app.state.verifier = TokenVerifier.from_settings(settings)
    store = getattr(app.state, "object_store", None)
    if store is None or store.settings is not settings:  # opened on first use, closed with the app
        app.state.object_store = ObjectStore(settings)


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """A router's operations, added to the app's own list. `include_router` keeps a tree that FastAPI walks twice per
    request, recounting every route each time: a fifth of a read's time went there. The routers carry their own
    prefix and dependencies, so nothing of the include is lost."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only operations are added flat")
        app.router.routes.append(route)


def create_app(*, service: str, title: str, description: str, version: str = "1.0.0",
               routers: Sequence[APIRouter], tags: list[dict[str, Any]],
               hooks: Sequence[Hook] = (), settings: Settings | None = None,
               openapi_url: str | None = "/openapi.json", outbox_model: object | None = None,
               events: Mapping[str, type[BaseModel]] | None = None,
               hot_reads: Sequence[HotRead] = ()) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service, settings.log_level)
        configure_tracing(service)
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = sessionmaker_for(engine)
        app.state.reader = reader_for(engine)
        async with AsyncExitStack() as stack:
            for hook in hooks:
                await stack.enter_async_context(hook(app))
            tune_collector()
            yield
        await app.state.object_store.close()
        await engine.dispose()

    # The gateway serves its own merged /openapi.json and /docs, so it passes openapi_url=None.
    docs: dict[str, Any] = {} if openapi_url else {"docs_url": None, "redoc_url": None}
    # FastAPI's own telemetry is off: it would add a second server span to ours (tracing.server_span) whenever a
    # tracer provider is set, and it asked the providers on every request.
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  openapi_tags=tags, separate_input_output_schemas=False, openapi_url=openapi_url,
                  telemetry={"tracing": False, "metrics": False, "logs": False}, **docs)
    attach_resources(app, settings)
    install_error_handlers(app)
    app.add_exception_handler(Replayed, answer_replayed)
    # Innermost first: conditional requests and compression shape the answers; request IDs, metrics, tracing and
    # CORS are around everything (the gateway's hop too, gateway.proxy.hop_first).
    app.add_middleware(ConditionalMiddleware)
    # Answers of 1 KiB or more are compressed for callers that accept gzip (a region page is ~20 KiB of JSON).
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes, service=service)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                           allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match",
                                          "Idempotency-Key", "Accept-Language", "X-Request-ID"],
                           expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "Idempotency-Replayed",
                                           "RateLimit", "RateLimit-Policy"], max_age=600)
    # A missing or extra slash is a 404, not a redirect that would name this process's own address.
    app.router.redirect_slashes = False
    for router in (health_router(service), metrics_router(service, outbox_model), *routers):
        add_routes(app, router)
    read_hot(app, hot_reads)
    install_openapi(app, routers, events)
    return app
