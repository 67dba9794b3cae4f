"""Subscriptions and their deliveries: what the endpoints ask of the database."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, scope_to_owner
from services.common.errors import NotFound
from services.common.records import audit
from services.common.roles import Role

from ..exceptions import DeliveryInProgress
from ..models import WebhookDelivery, WebhookSubscription, records
from . import schemas
from .sealing import SecretBox


async def own_subscription(session: AsyncSession, sub_id: uuid.UUID, principal: Principal) -> WebhookSubscription:
    sub = await session.get(WebhookSubscription, sub_id)
    if sub is None or (sub.owner != principal.sub and not principal.has(Role.kominfo_admin)):
        raise NotFound(f"Subscription {sub_id} does not exist")
    return sub


async def subscribe(session: AsyncSession, data: schemas.SubscriptionIn, principal: Principal,
                    box: SecretBox) -> tuple[WebhookSubscription, str]:
    """The subscription and its secret, which is shown once and kept only sealed."""
    secret = secrets.token_urlsafe(32)
    sub = WebhookSubscription(owner=principal.sub, url=str(data.url), event_types=data.event_types,
                              secret=box.seal(secret))
    session.add(sub)
    await session.flush()
    audit(session, records, actor=principal, action="webhook.subscribe", entity="webhook", entity_id=sub.id,
          after={"url": sub.url, "event_types": sub.event_types})
    return sub, secret


def subscriptions(principal: Principal) -> Select[Any]:
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    return scope_to_owner(stmt, WebhookSubscription.owner, principal)


async def unsubscribe(session: AsyncSession, sub: WebhookSubscription, principal: Principal) -> None:
    sub.active = False
    await session.flush()
    audit(session, records, actor=principal, action="webhook.unsubscribe", entity="webhook", entity_id=sub.id)


def deliveries(sub: WebhookSubscription) -> Select[Any]:
    return (select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
            .order_by(WebhookDelivery.id.desc()))


async def redeliver(session: AsyncSession, delivery_id: int, principal: Principal) -> WebhookDelivery:
    delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} does not exist")
    await own_subscription(session, delivery.subscription_id, principal)
    if delivery.status == "pending":
        raise DeliveryInProgress("This delivery is still being tried")
    delivery.status, delivery.next_attempt_at, delivery.delivered_at = "pending", datetime.now(UTC), None
    delivery.created_at = datetime.now(UTC)  # a fresh retry window
    await session.flush()
    audit(session, records, actor=principal, action="webhook.redeliver", entity="webhook_delivery",
          entity_id=delivery.id)
    return delivery
