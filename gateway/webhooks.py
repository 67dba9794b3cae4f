"""Webhooks: partner systems subscribe to event types and receive signed deliveries.

The fan-out reads every service's event feed (cursor kept in the auth schema, moved in the same
transaction as the deliveries it creates) and queues one delivery per matching subscription.
Deliveries go out oldest first per subscription (a failing one holds back the ones behind it),
are retried with exponential backoff and jitter for a bounded time, and every attempt is kept.
Delivery is at least once: each carries its event id for the receiver to de-duplicate. Row locks
with SKIP LOCKED keep several gateway replicas from sending the same delivery at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Path, Request, Response, status
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import any_, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.auth import KOMINFO, MINISTRIES, Gate, Principal, Role
from services.common.db import SessionDep
from services.common.errors import Conflict, NotFound, Unprocessable, problem_responses
from services.common.events import Event, consume_once
from services.common.metrics import WEBHOOK_FAILURES, WEBHOOK_PENDING
from services.common.pagination import PageDep
from services.common.records import audit
from services.common.settings import Settings

from .keys import KeyRing, access_claims
from .models import FeedCursor, WebhookDelivery, WebhookSubscription, records

log = logging.getLogger("smartcity.webhooks")

SOURCES = {"regions": "/api/v1/regions/events", "assessment": "/api/v1/assessment/events",
           "masterplan": "/api/v1/masterplan/events"}
EVENT_TYPES = {
    "head_term.created": "regions", "indicator_values.loaded": "regions",
    "round.published": "assessment", "region.selected": "assessment",
    "mou.signed": "masterplan", "masterplan.approved": "masterplan", "masterplan.flagged": "masterplan",
    "masterplan.reconfirmed": "masterplan", "progress.reported": "masterplan",
}
SIGNATURE_HEADER = "X-Smartcity-Signature"

router = APIRouter(prefix="/api/v1/webhooks")
Subscriber = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]


# Signing ----------------------------------------------------------------------------------------

def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it and checks the age of t."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (and what our tests do)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


# API --------------------------------------------------------------------------------------------

class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl = Field(examples=["https://sipd.kemendagri.go.id/hooks/smartcity"])
    event_types: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES), examples=[["masterplan.approved"]])

    @field_validator("event_types")
    @classmethod
    def _known(cls, types: list[str]) -> list[str]:
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {sorted(EVENT_TYPES)}")
        return sorted(set(types))


class Subscription(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    owner: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class SubscriptionCreated(Subscription):
    secret: str = Field(description="Shown once: verify each delivery's X-Smartcity-Signature with it")


class Attempt(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    ms: float


class Delivery(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source: str
    event_id: int
    event_type: str
    status: str = Field(description="pending, delivered or failed")
    attempts: list[Attempt]
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[Delivery]
    total: int
    limit: int
    offset: int


async def _own_subscription(session: AsyncSession, sub_id: uuid.UUID, principal: Principal) -> WebhookSubscription:
    sub = await session.get(WebhookSubscription, sub_id)
    if sub is None or (sub.owner != principal.sub and not principal.has(Role.kominfo_admin)):
        raise NotFound(f"Subscription {sub_id} does not exist")
    return sub


@router.post("/subscriptions", operation_id="webhooks_subscribe", tags=["webhooks"], status_code=201,
             summary="Subscribe a URL to event types; the signing secret is shown once",
             responses=problem_responses(422))
async def subscribe(body: SubscriptionIn, request: Request, session: SessionDep, principal: Subscriber,
                    response: Response) -> SubscriptionCreated:
    if request.app.state.settings.is_production and body.url.scheme != "https":
        raise Unprocessable("Webhook URLs must be https", errors=[{"loc": ["body", "url"], "msg": "https only",
                                                                    "type": "value_error"}])
    sub = WebhookSubscription(owner=principal.sub, url=str(body.url), event_types=body.event_types,
                              secret=secrets.token_urlsafe(32))
    session.add(sub)
    await session.flush()
    audit(session, records, actor=principal, action="webhook.subscribe", entity="webhook", entity_id=sub.id,
          after={"url": sub.url, "event_types": sub.event_types})
    response.headers["Cache-Control"] = "no-store"
    return SubscriptionCreated(**Subscription.model_validate(sub).model_dump(), secret=sub.secret)


@router.get("/subscriptions", operation_id="webhooks_list", tags=["webhooks"], summary="Your subscriptions",
            responses=problem_responses(422))
async def list_subscriptions(session: SessionDep, principal: Subscriber) -> list[Subscription]:
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.created_at)
    if not principal.has(Role.kominfo_admin):
        stmt = stmt.where(WebhookSubscription.owner == principal.sub)
    return [Subscription.model_validate(s) for s in (await session.scalars(stmt.limit(500))).all()]


@router.delete("/subscriptions/{sub_id}", operation_id="webhooks_unsubscribe", tags=["webhooks"],
               status_code=status.HTTP_204_NO_CONTENT, summary="Stop a subscription",
               responses=problem_responses(404, 422))
async def unsubscribe(sub_id: uuid.UUID, session: SessionDep, principal: Subscriber) -> Response:
    sub = await _own_subscription(session, sub_id, principal)
    sub.active = False
    audit(session, records, actor=principal, action="webhook.unsubscribe", entity="webhook", entity_id=sub.id)
    return Response(status_code=204)


@router.get("/subscriptions/{sub_id}/deliveries", operation_id="webhooks_deliveries", tags=["webhooks"],
            summary="Deliveries of a subscription with every attempt, newest first",
            responses=problem_responses(404, 422))
async def deliveries(sub_id: uuid.UUID, session: SessionDep, principal: Subscriber, page: PageDep) -> DeliveryPage:
    await _own_subscription(session, sub_id, principal)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = (await session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(page.limit)
                                  .offset(page.offset))).all()
    return DeliveryPage(items=[Delivery.model_validate(d) for d in rows], total=int(total or 0), limit=page.limit,
                        offset=page.offset)


@router.post("/deliveries/{delivery_id}/redeliver", operation_id="webhooks_redeliver", tags=["webhooks"],
             summary="Send a delivery again (at the head of its subscription's queue)",
             responses=problem_responses(404, 409, 422))
async def redeliver(delivery_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
                    principal: Subscriber) -> Delivery:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} does not exist")
    await _own_subscription(session, delivery.subscription_id, principal)
    if delivery.status == "pending":
        raise Conflict("This delivery is still being tried")
    delivery.status, delivery.next_attempt_at, delivery.delivered_at = "pending", datetime.now(UTC), None
    delivery.created_at = datetime.now(UTC)  # a fresh retry window
    await session.flush()
    audit(session, records, actor=principal, action="webhook.redeliver", entity="webhook_delivery",
          entity_id=delivery.id)
    return Delivery.model_validate(delivery)


# The worker -------------------------------------------------------------------------------------

class WebhookWorker:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], upstreams: dict[str, httpx.AsyncClient],
                 ring: KeyRing, settings: Settings, http: httpx.AsyncClient | None = None):
        self.sessionmaker, self.upstreams, self.ring, self.settings = sessionmaker, upstreams, ring, settings
        self.http = http or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False)

    def _service_headers(self) -> dict[str, str]:
        # The gateway reads the feeds as itself, with a short-lived token of its own.
        claims = access_claims(self.settings, sub="service:gateway-webhooks", roles=[Role.kominfo_officer.value],
                               organisation="gateway", minutes=5)
        return {"authorization": f"Bearer {self.ring.sign(claims)}"}

    async def fan_out_once(self) -> int:
        queued = 0
        for source, path in SOURCES.items():
            async def handler(session: AsyncSession, event: Event, source: str = source) -> None:
                subs = (await session.scalars(select(WebhookSubscription.id).where(
                    WebhookSubscription.active.is_(True),
                    event.type == any_(WebhookSubscription.event_types)))).all()
                for sub_id in subs:
                    await session.execute(insert(WebhookDelivery).values(
                        subscription_id=sub_id, source=source, event_id=event.id, event_type=event.type,
                        payload=event.model_dump(mode="json")).on_conflict_do_nothing())
            while (n := await consume_once(self.sessionmaker, self.upstreams[source], source=source, path=path,
                                           cursor_model=FeedCursor, handler=handler,
                                           headers=self._service_headers())) > 0:
                queued += n
        return queued

    def _backoff(self, attempts: int) -> float:
        delay = min(self.settings.webhook_retry_cap_seconds,
                    self.settings.webhook_retry_base_seconds * 2 ** max(0, attempts - 1))
        return delay * random.uniform(0.5, 1.5)

    async def deliver_once(self, now: datetime | None = None) -> int:
        """Try the oldest pending delivery of each subscription that is due."""
        now = now or datetime.now(UTC)
        heads = (select(func.min(WebhookDelivery.id)).where(WebhookDelivery.status == "pending")
                 .group_by(WebhookDelivery.subscription_id))
        sent = 0
        async with self.sessionmaker() as session, session.begin():
            due = (await session.scalars(select(WebhookDelivery).where(
                WebhookDelivery.id.in_(heads), WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.id).limit(50).with_for_update(skip_locked=True))).all()
            for delivery in due:
                sub = await session.get(WebhookSubscription, delivery.subscription_id)
                if sub is None or not sub.active:
                    delivery.status = "failed"
                    continue
                await self._attempt(delivery, sub, now)
                sent += 1
        return sent

    async def _attempt(self, delivery: WebhookDelivery, sub: WebhookSubscription, now: datetime) -> None:
        event = delivery.payload
        body = json.dumps({"id": f"{delivery.source}:{delivery.event_id}", "type": delivery.event_type,
                           "subject": event.get("subject"), "created_at": event.get("created_at"),
                           "data": event.get("payload")}, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(sub.secret, timestamp, body),
                   "X-Smartcity-Event-Id": f"{delivery.source}:{delivery.event_id}",
                   "X-Smartcity-Event-Type": delivery.event_type, "X-Smartcity-Delivery": str(delivery.id)}
        started = time.perf_counter()
        code, error = None, None
        try:
            resp = await self.http.post(sub.url, content=body, headers=headers)
            code = resp.status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        ms = round((time.perf_counter() - started) * 1000, 1)
        delivery.attempts = [*delivery.attempts, {"at": now.isoformat(), "status_code": code, "error": error,
                                                  "ms": ms}]
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = "delivered", now
            return
        WEBHOOK_FAILURES.inc()
        if now - delivery.created_at > timedelta(hours=self.settings.webhook_max_age_hours):
            delivery.status = "failed"
            log.warning("webhook delivery %s failed for good after %d attempts", delivery.id, len(delivery.attempts))
        else:
            delivery.next_attempt_at = now + timedelta(seconds=self._backoff(len(delivery.attempts)))

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.fan_out_once()
                while await self.deliver_once() > 0:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a feed that is down is read again at the next tick
                log.warning("webhook worker: %s", type(exc).__name__)
            await asyncio.sleep(interval)


async def pending_gauge(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        WEBHOOK_PENDING.set(await session.scalar(select(func.count()).where(WebhookDelivery.status == "pending")))


@asynccontextmanager
async def webhook_worker(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.metrics_hook = pending_gauge
    worker = WebhookWorker(app.state.sessionmaker, app.state.upstreams, app.state.ring, settings)
    task = asyncio.create_task(worker.run(settings.event_poll_seconds)) if settings.event_poll_seconds > 0 else None
    try:
        yield
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await worker.http.aclose()


