"""The gateway's own operations: tokens, keys, accounts, the merged spec, and the proxy."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.common.auth import Role
from services.common.db import SessionDep
from services.common.errors import problem_responses
from services.common.etag import check_if_match, etag_for, set_etag
from services.common.pagination import PageDep

from . import schemas, service
from .openapi_merge import fetch_service_specs, merge_specs
from .proxy import forward
from .roles import Administrator, Anyone, SignedIn

auth_router = APIRouter()
admin_router = APIRouter(prefix="/api/v1/admin")
proxy_router = APIRouter(include_in_schema=False)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise service.OAuthError("invalid_client", "Malformed Basic credentials", status=401) from None
    return user, secret


@auth_router.post(
    "/auth/token", operation_id="auth_token", tags=["auth"], summary="Get an access token (OAuth2)",
    description="`password` for people (returns a rotating refresh token), `client_credentials` for partner "
                "systems (client id and secret in the form or as HTTP Basic), `refresh_token` to rotate. "
                "Access tokens are ES256 JWTs that live minutes.",
    responses=problem_responses(400, 401, 422))
async def token(
    request: Request, session: SessionDep, _: Anyone,
    grant_type: Annotated[str, Form(pattern="^(password|client_credentials|refresh_token)$")],
    username: Annotated[str | None, Form(max_length=120)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=120)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=500)] = None,
) -> schemas.TokenResponse:
    ring, settings = request.app.state.ring, request.app.state.settings
    if grant_type == "password":
        if not username or not password:
            raise service.OAuthError("invalid_request", "username and password are required")
        return await service.password_grant(session, ring, settings, username, password)
    if grant_type == "client_credentials":
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or not secret:
            raise service.OAuthError("invalid_client", "client_id and client_secret are required", status=401)
        return await service.client_credentials_grant(session, ring, settings, cid, secret)
    if not refresh_token:
        raise service.OAuthError("invalid_request", "refresh_token is required")
    return await service.refresh_grant(session, ring, settings, refresh_token)


@auth_router.post("/auth/revoke", operation_id="auth_revoke", tags=["auth"],
                  summary="Revoke a refresh token and its whole family (RFC 7009)",
                  description="Answers the same for an unknown token, as RFC 7009 asks.",
                  responses=problem_responses(422))
async def revoke(session: SessionDep, _: Anyone, token: Annotated[str, Form(max_length=200)]) -> schemas.Revoked:
    await service.revoke_refresh(session, token)
    return schemas.Revoked()


@auth_router.get("/.well-known/jwks.json", operation_id="auth_jwks", tags=["auth"],
                 summary="Public keys that verify our tokens")
async def jwks(request: Request, _: Anyone) -> dict[str, list[dict[str, Any]]]:
    return request.app.state.ring.jwks()


@auth_router.get("/auth/me", operation_id="auth_me", tags=["auth"], summary="Who the token says you are")
async def me(principal: SignedIn) -> schemas.Me:
    return schemas.Me(sub=principal.sub, organisation=principal.organisation,
                      roles=sorted(r.value for r in principal.roles), region_code=principal.region_code,
                      name=principal.name)


# Administration of people and partner clients ----------------------------------------------------

@admin_router.get("/users", operation_id="admin_users_list", tags=["admin"], summary="List user accounts",
                  responses=problem_responses(422))
async def list_users(session: SessionDep, _: Administrator, page: PageDep, role: Role | None = None,
                     q: Annotated[str | None, Query(min_length=1, max_length=100)] = None) -> schemas.UserPage:
    rows, total = await service.list_users(session, page, role, q)
    return schemas.UserPage(items=[schemas.User.model_validate(u) for u in rows], total=total, limit=page.limit,
                            offset=page.offset)


@admin_router.post("/users", operation_id="admin_users_create", tags=["admin"], status_code=201,
                   summary="Create a user account", responses=problem_responses(409, 422))
async def create_user(body: schemas.UserIn, session: SessionDep, actor: Administrator,
                      response: Response) -> schemas.User:
    user = await service.create_user(session, body, actor)
    set_etag(response, etag_for("user", user.id, user.version))
    return schemas.User.model_validate(user)


@admin_router.get("/users/{user_id}", operation_id="admin_users_get", tags=["admin"], summary="One user account",
                  responses=problem_responses(404, 422))
async def get_user(user_id: uuid.UUID, session: SessionDep, _: Administrator, response: Response) -> schemas.User:
    user = await service.get_user(session, user_id)
    set_etag(response, etag_for("user", user.id, user.version))
    return schemas.User.model_validate(user)


@admin_router.patch("/users/{user_id}", operation_id="admin_users_update", tags=["admin"],
                    summary="Change roles, disable, reset password (If-Match required)",
                    description="Disabling or re-roling ends the user's refresh tokens at once; access tokens "
                                "already issued expire within minutes.",
                    responses=problem_responses(404, 412, 422, 428))
async def update_user(user_id: uuid.UUID, patch: schemas.UserPatch, request: Request, response: Response,
                      session: SessionDep, actor: Administrator) -> schemas.User:
    user = await service.get_user(session, user_id)
    check_if_match(request.headers.get("if-match"), etag_for("user", user.id, user.version))
    user = await service.update_user(session, user, patch, actor)
    set_etag(response, etag_for("user", user.id, user.version))
    return schemas.User.model_validate(user)


@admin_router.get("/clients", operation_id="admin_clients_list", tags=["admin"], summary="List partner clients",
                  responses=problem_responses(422))
async def list_clients(session: SessionDep, _: Administrator, page: PageDep) -> schemas.ClientPage:
    rows, total = await service.list_clients(session, page)
    return schemas.ClientPage(items=[schemas.Client.model_validate(c) for c in rows], total=total,
                              limit=page.limit, offset=page.offset)


@admin_router.post("/clients", operation_id="admin_clients_create", tags=["admin"], status_code=201,
                   summary="Register a partner system; the secret is shown once",
                   responses=problem_responses(409, 422))
async def create_client(body: schemas.ClientIn, session: SessionDep, actor: Administrator,
                        response: Response) -> schemas.ClientCreated:
    client, secret = await service.create_client(session, body, actor)
    set_etag(response, etag_for("client", client.id, client.version))
    response.headers["Cache-Control"] = "no-store"
    return schemas.ClientCreated(**schemas.Client.model_validate(client).model_dump(), client_secret=secret)


@admin_router.get("/clients/{client_id}", operation_id="admin_clients_get", tags=["admin"],
                  summary="One partner client", responses=problem_responses(404, 422))
async def get_client(client_id: uuid.UUID, session: SessionDep, _: Administrator,
                     response: Response) -> schemas.Client:
    client = await service.get_client(session, client_id)
    set_etag(response, etag_for("client", client.id, client.version))
    return schemas.Client.model_validate(client)


@admin_router.patch("/clients/{client_id}", operation_id="admin_clients_update", tags=["admin"],
                    summary="Change a client's roles or disable it (If-Match required)",
                    responses=problem_responses(404, 412, 422, 428))
async def update_client(client_id: uuid.UUID, patch: schemas.ClientPatch, request: Request, response: Response,
                        session: SessionDep, actor: Administrator) -> schemas.Client:
    client = await service.get_client(session, client_id)
    check_if_match(request.headers.get("if-match"), etag_for("client", client.id, client.version))
    client = await service.update_client(session, client, patch, actor)
    set_etag(response, etag_for("client", client.id, client.version))
    return schemas.Client.model_validate(client)


# The merged spec and the proxy --------------------------------------------------------------------

@proxy_router.get("/openapi.json")
async def merged_openapi(request: Request) -> JSONResponse:
    state = request.app.state
    if getattr(state, "merged_spec", None) is None:
        specs, missing = await fetch_service_specs(state.upstreams)
        spec = merge_specs(request.app.openapi(), specs, token_url="/auth/token")
        if missing:
            spec["info"]["x-missing-services"] = missing
            return JSONResponse(spec, headers={"Cache-Control": "no-store"})
        state.merged_spec = spec  # complete specs are kept; services change only on deploy
    return JSONResponse(state.merged_spec)


@proxy_router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Gerakan Menuju 100 Smart City API")


PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@proxy_router.api_route("/api/v1/{service_name}", methods=PROXY_METHODS)
@proxy_router.api_route("/api/v1/{service_name}/{path:path}", methods=PROXY_METHODS)
async def proxy(request: Request, service_name: str) -> Response:
    return await forward(request, service_name)
