"""The masterplan process: `uvicorn services.masterplan.main:app`."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.app import create_app
from services.common.audit import audit_router
from services.common.events import consume_forever, events_router
from services.common.upstream import upstream_hook

from .auth import Reader, RegionParty
from .endpoints import router
from .models import ConsumerCursor, records
from .service import on_registry_event

events = events_router("/api/v1/masterplan", records, RegionParty, "masterplan_events", "events")
audit = audit_router("/api/v1/masterplan", records, Reader, "masterplan_audit", "events")


@asynccontextmanager
async def registry_consumer(app: FastAPI) -> AsyncIterator[None]:
    """Learn head changes from the registry's feed, in the background, with the cursor in our schema."""
    settings = app.state.settings
    task = None
    if settings.event_poll_seconds > 0:
        task = asyncio.create_task(consume_forever(
            app.state.sessionmaker, app.state.upstreams["regions"], interval=settings.event_poll_seconds,
            source="regions", path="/api/v1/regions/events", cursor_model=ConsumerCursor,
            handler=on_registry_event))
    try:
        yield
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


app = create_app(
    service="masterplan",
    title="Masterplans",
    description="MoU, versioned masterplans, programmes on a yearly roadmap, quick wins and progress.",
    routers=[events, audit, router],
    outbox_model=records.outbox,
    tags=[
        {"name": "dimensions", "description": "The six smart city dimensions and their elements"},
        {"name": "mou", "description": "Nota kesepahaman of selected regions"},
        {"name": "masterplans", "description": "Versioned masterplans: draft, review, approval, revision"},
        {"name": "programmes", "description": "Programmes and the yearly roadmap"},
        {"name": "progress", "description": "Progress reports and late programmes"},
        {"name": "evaluation", "description": "Yearly evaluation with versioned weights"},
        {"name": "events", "description": "MoUs, approvals, flags and progress, for systems that follow along"},
    ],
    hooks=[upstream_hook("assessment"), upstream_hook("regions"), registry_consumer],
)
