"""Request and response models of the gateway's own endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from services.common.roles import Role
from services.common.schemas import Omittable, Patch, RegencyCode


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until the access token expires", examples=[900])
    refresh_token: str | None = Field(default=None, exclude_if=lambda v: v is None,
                                      description="Only for people (password grant), absent otherwise; rotates on use")
    scope: str = Field(description="The roles granted, space-separated", examples=["kominfo_officer"])


class Jwk(BaseModel):
    """One public key (RFC 7517, EC P-256)."""

    model_config = ConfigDict(extra="allow")
    kty: str = Field(examples=["EC"])
    crv: str = Field(examples=["P-256"])
    x: str
    y: str
    kid: str = Field(examples=["prod-2026-11"])
    alg: str = Field(examples=["ES256"])
    use: str = Field(examples=["sig"])
    retired_at: int | None = Field(default=None, exclude_if=lambda v: v is None,
                                   description="Set on a key rotated out: it verifies documents signed before "
                                               "this time, never a token")


class Jwks(BaseModel):
    keys: list[Jwk]


class Introspection(BaseModel):
    """RFC 7662: `active` always; the rest only for an active token."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"active": False}]})

    active: bool
    token_type: str | None = None
    sub: str | None = None
    iss: str | None = None
    aud: str | None = None
    exp: int | None = None
    iat: int | None = None
    jti: str | None = None
    roles: list[str] | None = None
    org: str | None = None
    region: str | None = None
    client_id: str | None = None
    username: str | None = None

    @model_serializer(mode="wrap")
    def _present_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class ServerMetadata(BaseModel):
    """RFC 8414 authorization server metadata."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str] = ["client_secret_basic", "client_secret_post"]
    introspection_endpoint_auth_methods_supported: list[str] = ["client_secret_basic", "client_secret_post"]
    revocation_endpoint_auth_methods_supported: list[str] = ["none"]
    # RFC 8414 requires one; "none" (OAuth 2.0 Multiple Response Types): no authorization endpoint issues anything.
    response_types_supported: list[str] = ["none"]
    scopes_supported: list[str] = []
    subject_types_supported: list[str] = ["public"]
    id_token_signing_alg_values_supported: list[str] = ["ES256"]
    service_documentation: str


class Revoked(BaseModel):
    status: str = Field(default="revoked", examples=["revoked"])


class Me(BaseModel):
    sub: str
    organisation: str
    roles: list[str]
    region_code: str | None
    name: str | None


def roles_fit_region(roles: list[Role] | None, region_code: str | None) -> None:
    if roles is None:
        return
    if Role.pemda in roles and not region_code:
        raise ValueError("a pemda account must name its region_code")
    if Role.pemda in roles and len(roles) > 1:
        raise ValueError("a pemda account holds no other role")


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=120, pattern=r"^[a-z0-9._@-]+$",
                          examples=["syahrul@tanjungpinangkota.go.id"])
    full_name: str = Field(min_length=2, max_length=200, examples=["H. Syahrul"])
    password: str = Field(min_length=12, max_length=200, description="At least 12 characters")
    organisation: str = Field(min_length=2, max_length=120, examples=["Pemerintah Kota Tanjung Pinang"])
    roles: list[Role] = Field(min_length=1, max_length=10, examples=[["pemda"]])
    region_code: RegencyCode | None = None

    @model_validator(mode="after")
    def _check(self) -> UserIn:
        roles_fit_region(self.roles, self.region_code)
        return self


class UserPatch(Patch):
    full_name: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    organisation: Omittable[Annotated[str, Field(min_length=2, max_length=120)]] = None
    roles: Omittable[Annotated[list[Role], Field(min_length=1, max_length=10)]] = None
    region_code: RegencyCode | None = None
    disabled: Omittable[bool] = None
    password: Omittable[Annotated[str, Field(min_length=12, max_length=200)]] = None


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    full_name: str
    organisation: str
    roles: list[Role]
    region_code: str | None
    disabled: bool
    created_at: datetime
    revision: int = Field(description="Counts changes; the ETag carries it")



class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=3, max_length=120, pattern=r"^[a-z0-9._-]+$", examples=["kemenkeu-djpk"])
    name: str = Field(min_length=2, max_length=200, examples=["Kemenkeu DJPK fiscal capacity feed"])
    organisation: str = Field(min_length=2, max_length=120, examples=["Kementerian Keuangan"])
    roles: list[Role] = Field(min_length=1, max_length=10, examples=[["kemenkeu"]])

    @model_validator(mode="after")
    def _check(self) -> ClientIn:
        if Role.pemda in self.roles:
            raise ValueError("clients act for ministries or scripts, not for one region")
        return self


class ClientPatch(Patch):
    name: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    roles: Omittable[Annotated[list[Role], Field(min_length=1, max_length=10)]] = None
    disabled: Omittable[bool] = None

    @model_validator(mode="after")
    def _check(self) -> ClientPatch:
        if self.roles and Role.pemda in self.roles:
            raise ValueError("clients act for ministries or scripts, not for one region")
        return self


class PartnerClient(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str
    name: str
    organisation: str
    roles: list[Role]
    disabled: bool
    created_at: datetime
    revision: int = Field(description="Counts changes; the ETag carries it")


class ClientCreated(PartnerClient):
    client_secret: str = Field(description="Shown once; store it in your secret store")

