"""Prometheus metrics at /metrics on every process."""

from __future__ import annotations

import functools
import hmac
from collections.abc import MutableMapping
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select

from .errors import Forbidden, Unauthorized
from .settings import Settings

REGISTRY = CollectorRegistry()
# CPU, memory, open files and start time of the process (process_*), Python's version and its collector.
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter("smartcity_http_requests", "Requests served", ["service", "method", "route", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("smartcity_http_request_duration_seconds", "Time to serve a request",
                    ["service", "method", "route"], buckets=BUCKETS, registry=REGISTRY)
UPSTREAM = Histogram("smartcity_upstream_duration_seconds", "Time the gateway waited for a service's answer",
                     ["upstream", "status"], buckets=BUCKETS, registry=REGISTRY)
POOL = Gauge("smartcity_db_pool_connections", "Database pool connections", ["service", "state"], registry=REGISTRY)
OUTBOX = Gauge("smartcity_outbox_last_event_id", "Newest event id written to the outbox (readers compare "
               "their cursor with it)", ["service"], registry=REGISTRY)
WEBHOOK_FAILURES = Counter("smartcity_webhook_delivery_failures", "Webhook attempts that did not get a 2xx",
                           registry=REGISTRY)
WEBHOOK_PENDING = Gauge("smartcity_webhook_pending_deliveries", "Deliveries waiting to be sent", registry=REGISTRY)


@functools.cache
def child(metric: Any, *values: str) -> Any:
    """`metric.labels(*values)`, from a plain dict after the first time: `labels` checks its values and takes a lock
    on every call, and every request makes two or three (the labels are few: route templates, methods, statuses)."""
    return metric.labels(*values)


def route_of(scope: MutableMapping[str, Any]) -> str:
    """The route template (e.g. /api/v1/regions/{code}), so labels stay few."""
    route = scope.get("route")
    return getattr(route, "path", None) or getattr(route, "path_format", None) or "unmatched"


LOOPBACK = ("127.0.0.1", "::1")


async def scraper(request: Request) -> None:
    """Metrics are for the operator's scraper: the metrics key as a bearer token, or (no key set) this machine."""
    settings: Settings = request.app.state.settings
    if settings.metrics_key is None:
        if request.client is None or request.client.host not in LOOPBACK:
            raise Forbidden("Metrics are read from this machine, or with SMARTCITY_METRICS_KEY")
        return
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
    if not hmac.compare_digest(sent, settings.metrics_key.encode()):
        raise Unauthorized("Metrics need the scraper's key", headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


def metrics_router(service: str, outbox_model: Any = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics", dependencies=[Depends(scraper)])
    async def metrics(request: Request) -> Response:
        engine = getattr(request.app.state, "engine", None)
        if engine is not None:
            pool = engine.pool
            POOL.labels(service, "in_use").set(pool.checkedout())
            POOL.labels(service, "idle").set(pool.checkedin())
        if outbox_model is not None:
            async with request.app.state.sessionmaker() as session:
                OUTBOX.labels(service).set(await session.scalar(select(func.coalesce(func.max(outbox_model.id), 0))))
        hook = getattr(request.app.state, "metrics_hook", None)
        if hook is not None:
            await hook(request.app)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router
