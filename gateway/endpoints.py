"""The gateway's own operations: tokens, keys, accounts, the merged spec, and the proxy."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import fastapi_offline
from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.common.auth import Public, SignedIn, subject_digest
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import AlreadyExists, ProblemError, problem_responses
from services.common.etag import IfMatch, check_if_match, set_etag, with_etag
from services.common.pagination import Page, PageDep, paginate
from services.common.roles import Role
from services.common.routing import contract_router
from services.common.settings import Settings

from . import schemas, service
from .keys import KeyRing
from .models import ApiClient, UserAccount, records
from .openapi_merge import merged_spec
from .proxy import SERVICES, rate_limited
from .roles import Administrator

auth_router = APIRouter(dependencies=[Depends(rate_limited)])
admin_router = contract_router(records, prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(rate_limited)])


async def _user_for_update(user_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None) -> UserAccount:
    user = await service.get_user(session, user_id, lock=True)
    check_if_match(if_match, user.etag)
    return user


async def _client_for_update(client_id: uuid.UUID, session: SessionDep, if_match: IfMatch = None) -> ApiClient:
    client = await service.get_client(session, client_id, lock=True)
    check_if_match(if_match, client.etag)
    return client


async def _refresh_revocations(request: Request, session: SessionDep) -> None:
    """This process refuses the revoked tokens at once; other replicas within a second (gateway_resources)."""
    await session.flush()
    request.app.state.verifier.revoked = await service.recent_revocations(session, request.app.state.settings)


UserForUpdate = Annotated[UserAccount, Depends(_user_for_update)]
ClientForUpdate = Annotated[ApiClient, Depends(_client_for_update)]
meta_router = APIRouter(include_in_schema=False)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise service.OAuthError("invalid_client", "Malformed Basic credentials", status=401) from None
    return user, secret


GRANT_TYPES = ("password", "client_credentials", "refresh_token")


def _client_credentials(request: Request, client_id: str | None, client_secret: str | None) -> tuple[str, str]:
    basic = _basic_credentials(request)
    cid, secret = basic if basic else (client_id, client_secret)
    if not cid or not secret:
        raise service.OAuthError("invalid_client", "client_id and client_secret are required", status=401)
    return cid, secret


@auth_router.post(
    "/auth/token", operation_id="auth_tokens_issue", tags=["auth"], summary="Get an access token (OAuth2)",
    description="`password` for people (returns a rotating refresh token), `client_credentials` for partner "
                "systems (client id and secret in the form or as HTTP Basic), `refresh_token` to rotate. "
                "Access tokens are ES256 JWTs that live minutes.",
    responses=problem_responses(400, 401, 422))
async def token(
    request: Request, session: SessionDep, _: Public,
    grant_type: Annotated[str | None, Form(max_length=100)] = None,
    username: Annotated[str | None, Form(max_length=120)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=120)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=500)] = None,
) -> schemas.TokenResponse:
    ring, settings = request.app.state.ring, request.app.state.settings
    if not grant_type:
        raise service.OAuthError("invalid_request", "grant_type is required")
    if grant_type not in GRANT_TYPES:
        raise service.OAuthError("unsupported_grant_type", f"Grant types here: {', '.join(GRANT_TYPES)}")
    if grant_type == "password":
        if not username or not password:
            raise service.OAuthError("invalid_request", "username and password are required")
        address = request.client.host if request.client else "unknown"
        return await service.password_grant(session, ring, settings, username, password, address)
    if grant_type == "client_credentials":
        cid, secret = _client_credentials(request, client_id, client_secret)
        return await service.client_credentials_grant(session, ring, settings, cid, secret)
    if not refresh_token:
        raise service.OAuthError("invalid_request", "refresh_token is required")
    return await service.refresh_grant(session, ring, settings, refresh_token)


@auth_router.post("/auth/revoke", operation_id="auth_tokens_revoke", tags=["auth"],
                  summary="Revoke a token (RFC 7009)",
                  description="A refresh token is revoked with its whole family (every session rotated from the "
                              "same sign-in). An access token is revoked with every access token its holder got "
                              "up to the same second; holding it is what allows revoking it. Answers 200 alike for "
                              "an unknown, expired or malformed token, as RFC 7009 asks.",
                  responses=problem_responses(422))
async def revoke(request: Request, session: SessionDep, _: Public,
                 token: Annotated[str, Form(min_length=1, max_length=16_384)],
                 token_type_hint: Annotated[str | None, Form(
                     max_length=50, description="`access_token` or `refresh_token`; the token's shape decides")
                 ] = None) -> schemas.Revoked:
    if token.count(".") != 2:  # refresh tokens are opaque; access tokens are JWTs
        await service.revoke_refresh(session, token)
        return schemas.Revoked()
    try:
        principal = await request.app.state.verifier.verify(token)
    except ProblemError:
        return schemas.Revoked()
    await service.revoke_subject(session, principal.sub, datetime.fromtimestamp(int(principal.claims["iat"]), UTC))
    await _refresh_revocations(request, session)
    return schemas.Revoked()


@auth_router.post("/auth/introspect", operation_id="auth_tokens_introspect", tags=["auth"],
                  summary="Is this access token active, and whose is it (RFC 7662)",
                  description="For registered partner clients (HTTP Basic or client_id/client_secret in the form). "
                              "An expired, revoked, forged or unknown token is `{\"active\": false}`, nothing more.",
                  responses=problem_responses(400, 401, 422))
async def introspect(request: Request, session: SessionDep, _: Public,
                     token: Annotated[str, Form(min_length=1, max_length=4096)],
                     token_type_hint: Annotated[str | None, Form(max_length=50)] = None,
                     client_id: Annotated[str | None, Form(max_length=120)] = None,
                     client_secret: Annotated[str | None, Form(max_length=200)] = None) -> schemas.Introspection:
    await service.authenticate_client(session, *_client_credentials(request, client_id, client_secret))
    try:
        principal = await request.app.state.verifier.verify(token)
    except ProblemError:
        return schemas.Introspection(active=False)
    claims = principal.claims
    return schemas.Introspection(
        active=True, token_type="Bearer", sub=principal.sub, iss=claims.get("iss"), aud=claims.get("aud"),
        exp=claims.get("exp"), iat=claims.get("iat"), jti=claims.get("jti"), roles=sorted(r.value for r in
                                                                                       principal.roles),
        org=principal.organisation, region=principal.region_code,
        client_id=principal.sub.removeprefix("client:") if principal.sub.startswith("client:") else None,
        username=principal.sub.removeprefix("user:") if principal.sub.startswith("user:") else None)


@auth_router.get("/.well-known/oauth-authorization-server", operation_id="auth_metadata_get", tags=["auth"],
                 summary="OAuth 2.0 authorization server metadata (RFC 8414)",
                 description="Also at `/.well-known/openid-configuration`, for libraries that look there.",
                 dependencies=[public_for(3600)])
async def metadata(request: Request, _: Public) -> schemas.ServerMetadata:
    settings: Settings = request.app.state.settings
    base = settings.public_url
    return schemas.ServerMetadata(
        issuer=settings.issuer, token_endpoint=f"{base}/auth/token", jwks_uri=f"{base}/.well-known/jwks.json",
        revocation_endpoint=f"{base}/auth/revoke", introspection_endpoint=f"{base}/auth/introspect",
        grant_types_supported=list(GRANT_TYPES), service_documentation=f"{base}/docs")


@auth_router.get("/.well-known/openid-configuration", operation_id="auth_openid_configuration_get", tags=["auth"],
                 summary="The same metadata, where OpenID Connect libraries look for it",
                 description="This server issues access tokens only (no ID tokens, no authorization endpoint).",
                 dependencies=[public_for(3600)])
async def openid_configuration(request: Request, _: Public) -> schemas.ServerMetadata:
    return await metadata(request, _)


@auth_router.get("/.well-known/jwks.json", operation_id="auth_keys_list", tags=["auth"],
                 summary="Public keys that verify our tokens",
                 description="A JWK set (ES256); during a key rotation it holds the old key and the new one.")
async def jwks(request: Request, response: Response, _: Public) -> schemas.Jwks:
    # Short, so a rotation reaches verifiers soon; they fetch again on an unknown kid anyway.
    response.headers["Cache-Control"] = "public, max-age=300"
    ring: KeyRing = request.app.state.ring
    return schemas.Jwks.model_validate(ring.jwks())


@auth_router.get("/auth/me", operation_id="auth_me_get", tags=["auth"], summary="Who the token says you are",
                 description="Subject, organisation, roles and (for a pemda user) the region.")
async def me(principal: SignedIn) -> schemas.Me:
    return schemas.Me(sub=principal.sub, organisation=principal.organisation,
                      roles=sorted(r.value for r in principal.roles), region_code=principal.region_code,
                      name=principal.name)


# Administration of people and partner clients ----------------------------------------------------

@admin_router.get("/users", operation_id="admin_users_list", summary="List user accounts",
                  description="Filter by role or by a name or username fragment.", responses=problem_responses(422))
async def list_users(session: SessionDep, _: Administrator, page: PageDep, role: Role | None = None,
                     q: Annotated[str | None, Query(min_length=1, max_length=100)] = None) -> Page[schemas.User]:
    return await paginate(session, service.users(role, q), page, schemas.User.model_validate)


@admin_router.post("/users", operation_id="admin_users_create", status_code=201, summary="Create a user account",
                   description="A username is taken once (409). The password is stored as an argon2 hash.",
                   responses={**problem_responses(409, 422, AlreadyExists), **with_etag(201)})
async def create_user(body: schemas.UserIn, session: SessionDep, actor: Administrator,
                      response: Response) -> schemas.User:
    user = await service.create_user(session, body, actor)
    set_etag(response, user.etag)
    return schemas.User.model_validate(user)


@admin_router.get("/users/{user_id}", operation_id="admin_users_get", summary="One user account",
                  description="Its roles, region and whether it is enabled.",
                  responses={**problem_responses(404, 422), **with_etag()})
async def get_user(user_id: uuid.UUID, session: SessionDep, _: Administrator, response: Response) -> schemas.User:
    user = await service.get_user(session, user_id)
    set_etag(response, user.etag)
    return schemas.User.model_validate(user)


@admin_router.patch("/users/{user_id}", operation_id="admin_users_update",
                    summary="Change roles, disable, reset password",
                    description="Disabling or re-roling ends the user's refresh tokens at once; access tokens "
                                "already issued expire within minutes.",
                    responses={**problem_responses(404, 412, 422, 428), **with_etag()})
async def update_user(user: UserForUpdate, patch: schemas.UserPatch, request: Request, response: Response,
                      session: SessionDep, actor: Administrator) -> schemas.User:
    user = await service.update_user(session, user, patch, actor)
    await _refresh_revocations(request, session)
    set_etag(response, user.etag)
    return schemas.User.model_validate(user)


@admin_router.get("/clients", operation_id="admin_clients_list", summary="List partner clients",
                  description="Partner systems that get tokens with client credentials.",
                  responses=problem_responses(422))
async def list_clients(session: SessionDep, _: Administrator, page: PageDep) -> Page[schemas.PartnerClient]:
    return await paginate(session, service.clients(), page, schemas.PartnerClient.model_validate)


@admin_router.post("/clients", operation_id="admin_clients_create", status_code=201,
                   summary="Register a partner system; the secret is shown once",
                   description="A client id is taken once (409). Only a hash of the secret is kept.",
                   responses={**problem_responses(409, 422, AlreadyExists), **with_etag(201)})
async def create_client(body: schemas.ClientIn, session: SessionDep, actor: Administrator,
                        response: Response) -> schemas.ClientCreated:
    client, secret = await service.create_client(session, body, actor)
    set_etag(response, client.etag)
    response.headers["Cache-Control"] = "no-store"
    return schemas.ClientCreated(**schemas.PartnerClient.model_validate(client).model_dump(), client_secret=secret)


@admin_router.get("/clients/{client_id}", operation_id="admin_clients_get", summary="One partner client",
                  description="Its roles and whether it is enabled.",
                  responses={**problem_responses(404, 422), **with_etag()})
async def get_client(client_id: uuid.UUID, session: SessionDep, _: Administrator,
                     response: Response) -> schemas.PartnerClient:
    client = await service.get_client(session, client_id)
    set_etag(response, client.etag)
    return schemas.PartnerClient.model_validate(client)


@admin_router.patch("/clients/{client_id}", operation_id="admin_clients_update",
                    summary="Change a client's roles or disable it",
                    description="A disabled client gets no new tokens.",
                    responses={**problem_responses(404, 412, 422, 428), **with_etag()})
async def update_client(client: ClientForUpdate, patch: schemas.ClientPatch, request: Request, response: Response,
                        session: SessionDep, actor: Administrator) -> schemas.PartnerClient:
    client = await service.update_client(session, client, patch, actor)
    await _refresh_revocations(request, session)
    set_etag(response, client.etag)
    return schemas.PartnerClient.model_validate(client)


# The merged spec and the proxy --------------------------------------------------------------------

@meta_router.get("/openapi.json")
async def merged_openapi(request: Request) -> JSONResponse:
    spec, complete = await merged_spec(request.app, SERVICES)
    return JSONResponse(spec, headers=None if complete else {"Cache-Control": "no-store"})


@meta_router.get("/auth/revocations")
async def revocations(request: Request) -> dict[str, Any]:
    """For the services behind the gateway: subjects (hashed) whose tokens up to a time are refused."""
    revoked = request.app.state.verifier.revoked
    return {"revoked": {subject_digest(sub): int(at) for sub, at in revoked.items()}}


# Swagger UI and ReDoc come with the package (fastapi-offline's copies), so the docs work on a network
# without the internet; no page names another host.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
TITLE = "Gerakan Menuju 100 Smart City API"


# The docs pages are never framed by another site (clickjacking a token out of Authorize), and load nothing from
# another host: ReDoc's footer asks a CDN for Redocly's logo, which the browser now refuses before asking.
NO_FRAMING = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                         "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; "
                                         "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


def _unframed(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(NO_FRAMING)
    return page


@meta_router.get("/docs")
async def docs() -> HTMLResponse:
    return _unframed(get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE,
                               swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                               swagger_css_url="/docs-assets/swagger-ui.css",
                               swagger_favicon_url="/docs-assets/favicon.png",
                               oauth2_redirect_url="/docs/oauth2-redirect",
                               init_oauth={"usePkceWithAuthorizationCodeGrant": False},
                               swagger_ui_parameters={"persistAuthorization": True}))


@meta_router.get("/docs/oauth2-redirect")
async def docs_oauth2_redirect() -> HTMLResponse:
    return _unframed(get_swagger_ui_oauth2_redirect_html())


@meta_router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _unframed(get_redoc_html(openapi_url="/openapi.json", title=TITLE,
                                    redoc_js_url="/docs-assets/redoc.standalone.js",
                                    redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False))
