"""Event feeds (read from each service's outbox) and a cursor-keeping consumer of another service's feed."""


import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .auth import scope_to_region
from .db import SessionDep
from .errors import problem_responses
from .records import RecordModels
from .upstream import Upstreams

log = logging.getLogger("smartcity.events")


class Payload(BaseModel):
    """What an event type's `data` holds; services may add fields over time, so it allows more than it names."""

    model_config = ConfigDict(extra="allow")


class Event(BaseModel):
    id: int = Field(description="Increasing; receivers de-duplicate by it")
    type: str = Field(examples=["head_term.created"])
    subject: str = Field(examples=["21.72"])
    payload: dict[str, Any] = Field(description="What happened: the schema of each event type's payload is in the "
                                                "merged spec's `webhooks` section")
    created_at: datetime


class EventPage(BaseModel):
    """The one other list shape, for feeds: a cursor instead of a total, since a feed grows while it is read.
    Pass `next_after` as `after` to read on; an empty `items` means you are up to date."""

    items: list[Event]
    next_after: int = Field(description="Pass as `after` to read on")


def events_router(prefix: str, models: RecordModels, gate: Any, operation_id: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix)

    @router.get("/events", operation_id=operation_id, tags=[tag], summary="This service's events, oldest first",
                description="Every state change other parties care about, written in the same transaction as the "
                            "change. Read on with `after`. A pemda user reads its own region's events only.",
                responses=problem_responses(422))
    async def feed(session: SessionDep, principal: gate,
                   after: Annotated[int, Query(ge=0, le=2**62)] = 0,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100,
                   type_: Annotated[str | None, Query(alias="type", pattern=r"^[a-z_.]{3,80}$")] = None) -> EventPage:
        stmt = scope_to_region(select(models.outbox).where(models.outbox.id > after), models.outbox.subject, principal)
        if type_:
            stmt = stmt.where(models.outbox.type == type_)
        rows = (await session.scalars(stmt.order_by(models.outbox.id).limit(limit))).all()
        items = [Event(id=r.id, type=r.type, subject=r.subject, payload=r.payload, created_at=r.created_at)
                 for r in rows]
        return EventPage(items=items, next_after=items[-1].id if items else after)

    return router


Handler = Callable[[AsyncSession, Event], Awaitable[None]]


async def consume_once(sessionmaker: async_sessionmaker[AsyncSession], upstreams: Upstreams, *, source: str,
                       path: str, cursor_model: Any, handler: Handler, batch: int = 100,
                       headers: dict[str, str] | None = None) -> int:
    """Read the next batch and apply it; the cursor moves in the same transaction as the effects.

    The cursor row is locked with SKIP LOCKED, so with several replicas exactly one consumes at a time.
    """
    async with sessionmaker() as session, session.begin():
        await session.execute(insert(cursor_model).values(source=source, position=0).on_conflict_do_nothing())
        cursor = await session.scalar(select(cursor_model).where(cursor_model.source == source)
                                      .with_for_update(skip_locked=True))
        if cursor is None:
            return 0  # another replica is consuming
        page = EventPage.model_validate(await upstreams.call(source, "GET", path, headers=headers,
                                                            params={"after": cursor.position, "limit": batch}))
        for event in page.items:
            await handler(session, event)
        cursor.position = page.next_after
        return len(page.items)


async def consume_forever(sessionmaker: async_sessionmaker[AsyncSession], upstreams: Upstreams, *,
                          interval: float, **kw: Any) -> None:
    while True:
        try:
            while await consume_once(sessionmaker, upstreams, **kw) > 0:
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a source that is down is retried at the next tick
            log.warning("event consumer %s: %s", kw.get("source"), type(exc).__name__)
        await asyncio.sleep(interval)
