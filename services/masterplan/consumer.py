"""What masterplan learns from the region registry's feed: a new head flags approved plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.background import running
from services.common.events import Event, consume_forever
from services.common.records import audit, emit

from .models import ConsumerCursor, Masterplan, records


async def flag_for_reconfirmation(session: AsyncSession, region_code: str, took_office: date, reason: str,
                                  actor: str) -> int:
    """A head who took office after the plan was approved (or last reconfirmed) must reconfirm it or revise it.

    Dates of the acts decide, never when they were entered: a term back-filled years later flags a plan
    approved before it began, and a term that began before the approval flags nothing.
    """
    plans = (await session.scalars(select(Masterplan).where(Masterplan.region_code_today == region_code,
                                                            Masterplan.state == "approved"))).all()
    flagged = 0
    for plan in plans:
        confirmed = max(d for d in (plan.approved_on, plan.reconfirmed_on) if d is not None)
        if took_office <= confirmed or plan.needs_reconfirmation:
            continue
        flagged += 1
        plan.needs_reconfirmation, plan.reconfirmation_reason, plan.flagged_at = True, reason, clock.now()
        audit(session, records, actor=actor, action="masterplan.flag", entity="masterplan", entity_id=plan.id,
              before={"needs_reconfirmation": False}, after={"needs_reconfirmation": True}, reason=reason)
        emit(session, records, "masterplan.flagged", region_code,
             {"masterplan_id": plan.id, "version": plan.version, "reason": reason,
              "took_office_on": took_office.isoformat()})
    await session.flush()
    return flagged


async def on_registry_event(session: AsyncSession, event: Event) -> None:
    """What the masterplan service learns from the region registry's feed."""
    if event.type != "head_term.created":
        return
    head = event.payload
    await flag_for_reconfirmation(session, event.subject, date.fromisoformat(head["start_date"]),
                                  head_reason(head, f"registry event {event.id}"), actor="event:regions")


def head_reason(head: dict[str, Any], source: str) -> str:
    return f"New {head['title']}: {head['head_name']} from {head['start_date']} ({source})"


@asynccontextmanager
async def registry_consumer(app: FastAPI) -> AsyncIterator[None]:
    """Learn head changes from the registry's feed, in the background, with the cursor in our schema."""
    settings = app.state.settings
    work = consume_forever(app.state.sessionmaker, app.state.upstreams, interval=settings.event_poll_seconds,
                           source="regions", path="/api/v1/regions/events", cursor_model=ConsumerCursor,
                           handler=on_registry_event) if settings.event_poll_seconds > 0 else None
    async with running(work):
        yield
