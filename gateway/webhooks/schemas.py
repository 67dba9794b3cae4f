"""Subscription and delivery models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl = Field(examples=["https://sipd.kemendagri.go.id/hooks/smartcity"])
    event_types: list[str] = Field(min_length=1, max_length=100, examples=[["masterplan.approved"]],
                                   description="Types from the spec's `webhooks` section")

    @field_validator("event_types")
    @classmethod
    def _once_each(cls, types: list[str]) -> list[str]:
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
    standard_webhooks_secret: str = Field(description="The same secret as Standard Webhooks libraries take it "
                                                      "(`whsec_...`), for the `webhook-signature` header")


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
