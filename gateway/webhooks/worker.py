"""The background worker: fan events out into deliveries, and send those that are due."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import any_, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.background import running
from services.common.events import Event, consume_once
from services.common.metrics import WEBHOOK_FAILURES, WEBHOOK_PENDING
from services.common.roles import Role
from services.common.settings import Settings
from services.common.upstream import Upstreams

from ..keys import KeyRing, access_claims
from ..models import FeedCursor, WebhookDelivery, WebhookSubscription
from ..proxy import SERVICES
from .sealing import box_for
from .signing import SIGNATURE_HEADER, sign, standard_headers
from .targets import TargetRefused, pinned, resolve

log = logging.getLogger("smartcity.webhooks")


class WebhookWorker:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], upstreams: Upstreams,
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
        for source in SERVICES:  # every service's feed; a subscription picks its event types
            path = f"/api/v1/{source}/events"

            async def handler(session: AsyncSession, event: Event, source: str = source) -> None:
                subs = (await session.scalars(select(WebhookSubscription.id).where(
                    WebhookSubscription.active.is_(True),
                    literal(event.type) == any_(WebhookSubscription.event_types)))).all()
                for sub_id in subs:
                    await session.execute(insert(WebhookDelivery).values(
                        subscription_id=sub_id, source=source, event_id=event.id, event_type=event.type,
                        payload=event.model_dump(mode="json")).on_conflict_do_nothing())
            while (n := await consume_once(self.sessionmaker, self.upstreams, source=source, path=path,
                                           cursor_model=FeedCursor, handler=handler,
                                           headers=self._service_headers())) > 0:
                queued += n
        return queued

    def _backoff(self, attempts: int) -> float:
        delay = min(self.settings.webhook_retry_cap_seconds,
                    self.settings.webhook_retry_base_seconds * 2 ** max(0, attempts - 1))
        return float(delay * random.uniform(0.5, 1.5))

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
        secret = box_for(self.settings).open(sub.secret)
        message_id = f"{delivery.source}:{delivery.event_id}"
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(secret, timestamp, body),
                   **standard_headers(secret, message_id, timestamp, body), "X-Smartcity-Event-Id": message_id,
                   "X-Smartcity-Event-Type": delivery.event_type, "X-Smartcity-Delivery": str(delivery.id)}
        started = time.perf_counter()
        code, error = None, None
        try:
            address, host = await resolve(sub.url, allow_private=self.settings.webhook_allow_private)
            # Connect to the address just checked; the receiver still sees its own name (Host, TLS SNI).
            resp = await self.http.post(pinned(sub.url, address), content=body, headers={**headers, "Host": host},
                                        extensions={"sni_hostname": host})
            code = resp.status_code
        except TargetRefused:
            error = "refused: not a public address"
        except httpx.HTTPError:
            error = "unreachable"  # one word for every network failure: no port scanning through us
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
    try:
        async with running(worker.run(settings.event_poll_seconds) if settings.event_poll_seconds > 0 else None):
            yield
    finally:
        await worker.http.aclose()
