"""Webhook subscription and delivery operations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request, Response, status

from services.common.auth import Gate, Principal
from services.common.db import SessionDep
from services.common.errors import Unprocessable, problem_responses
from services.common.pagination import Page, PageDep, paginate
from services.common.roles import KOMINFO, MINISTRIES
from services.common.routing import contract_router, no_if_match

from ..exceptions import DeliveryInProgress
from ..models import records
from ..openapi_merge import event_types
from ..proxy import SERVICES, rate_limited
from . import schemas, service
from .sealing import box_for
from .signing import standard_secret
from .targets import check_subscription

router = contract_router(records, prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[Depends(rate_limited)])
Subscriber = Annotated[Principal, Depends(Gate(KOMINFO, MINISTRIES))]


@router.post("/subscriptions", operation_id="webhooks_subscriptions_create", status_code=201,
             summary="Subscribe a URL to event types; the signing secret is shown once",
             description="Each delivery is signed with the secret (`X-Smartcity-Signature: t=..,v1=..`, "
                         "HMAC-SHA256 over `<t>.<body>`). URLs must be https in production.",
             responses=problem_responses(422, 503))
async def subscribe(body: schemas.SubscriptionIn, request: Request, session: SessionDep, principal: Subscriber,
                    response: Response) -> schemas.SubscriptionCreated:
    settings = request.app.state.settings
    if settings.is_production and body.url.scheme != "https":
        raise Unprocessable.field("url", "https only", "Webhook URLs must be https")
    known = await event_types(request.app, SERVICES)
    unknown = sorted(set(body.event_types) - known)
    if unknown:
        raise Unprocessable.field("event_types", f"unknown event types {unknown}; known: {sorted(known)}",
                                  "Unknown event types")
    await check_subscription(str(body.url), allow_private=settings.webhook_allow_private)
    sub, secret = await service.subscribe(session, body, principal, box_for(settings))
    response.headers["Cache-Control"] = "no-store"
    return schemas.SubscriptionCreated(**schemas.Subscription.model_validate(sub).model_dump(), secret=secret,
                                       standard_webhooks_secret=standard_secret(secret))


@router.get("/subscriptions", operation_id="webhooks_subscriptions_list", summary="Your subscriptions",
            description="Oldest first; a Kominfo administrator sees everyone's.", responses=problem_responses(422))
async def list_subscriptions(session: SessionDep, principal: Subscriber,
                             page: PageDep) -> Page[schemas.Subscription]:
    return await paginate(session, service.subscriptions(principal), page, schemas.Subscription.model_validate)


@router.delete("/subscriptions/{sub_id}", operation_id="webhooks_subscriptions_delete",
               openapi_extra=no_if_match("The subscriber's own subscription: a concurrent change loses nothing"),
               status_code=status.HTTP_204_NO_CONTENT, summary="Stop a subscription",
               description="Nothing more is delivered to it; its deliveries stay readable.",
               responses=problem_responses(404, 422))
async def unsubscribe(sub_id: uuid.UUID, session: SessionDep, principal: Subscriber) -> Response:
    await service.unsubscribe(session, await service.own_subscription(session, sub_id, principal), principal)
    return Response(status_code=204)


@router.get("/subscriptions/{sub_id}/deliveries", operation_id="webhooks_deliveries_list",
            summary="Deliveries of a subscription with every attempt, newest first",
            description="Each attempt's status code or error and its duration.",
            responses=problem_responses(404, 422))
async def deliveries(sub_id: uuid.UUID, session: SessionDep, principal: Subscriber,
                     page: PageDep) -> Page[schemas.Delivery]:
    sub = await service.own_subscription(session, sub_id, principal)
    return await paginate(session, service.deliveries(sub), page, schemas.Delivery.model_validate)


@router.post("/deliveries/{delivery_id}/redeliver", operation_id="webhooks_deliveries_redeliver",
             summary="Send a delivery again (at the head of its subscription's queue)",
             description="For a delivery that succeeded or failed for good; 409 while it is still being tried.",
             responses=problem_responses(404, 409, 422, DeliveryInProgress))
async def redeliver(delivery_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
                    principal: Subscriber) -> schemas.Delivery:
    return schemas.Delivery.model_validate(await service.redeliver(session, delivery_id, principal))
