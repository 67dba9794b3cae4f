"""The key holder's one narrow operation for the services: sign a document they publish.

A service sends a document it publishes and the claim name to put it
under; the gateway adds `iss` and `iat` and signs it with its current key as a JWS whose `typ` the service
names. Only a caller with the service key may ask, and no token claim can be smuggled in: a document never
carries `aud`, so it can never pass for an access token (and token verifiers refuse its `typ` too).
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field, field_validator

from services.common.errors import Unauthorized
from services.common.settings import Settings

from .keys import KeyRing

SERVICE_KEY_HEADER = "X-Service-Key"
RESERVED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "roles", "org", "region", "name",
                             "scope", "client_id"})


async def from_a_service(request: Request,
                         key: Annotated[str | None, Header(alias=SERVICE_KEY_HEADER)] = None) -> None:
    settings: Settings = request.app.state.settings
    if key is None or not hmac.compare_digest(key.encode(), settings.resolved_service_key().encode()):
        raise Unauthorized("Only the services may have documents signed", headers={})


router = APIRouter(dependencies=[Depends(from_a_service)], include_in_schema=False)


class DocumentToSign(BaseModel):
    type: str = Field(pattern=r"^smartcity-[a-z0-9-]{1,60}\+jws$", examples=["smartcity-selection+jws"])
    subject: str = Field(pattern=r"^[a-z_]{1,40}:[A-Za-z0-9._-]{1,80}$", examples=["result:12"])
    member: str = Field(pattern=r"^[a-z_]{3,40}$", examples=["results"])
    content: dict[str, Any]

    @field_validator("member")
    @classmethod
    def _not_a_claim(cls, value: str) -> str:
        # What the gateway adds itself, or what would make a document look like a token.
        if value in RESERVED_CLAIMS:
            raise ValueError(f"{value!r} is a claim the document cannot carry")
        return value


class SignedDocument(BaseModel):
    kid: str
    jws: str


@router.post("/internal/signatures")
async def sign(document: DocumentToSign, request: Request) -> SignedDocument:
    settings: Settings = request.app.state.settings
    ring: KeyRing = request.app.state.ring
    payload = {"iss": settings.issuer, "iat": int(time.time()), "sub": document.subject,
               document.member: document.content}
    return SignedDocument(kid=ring.current.kid, jws=ring.sign_document(payload, document.type))
