"""Accounts and tokens. Works inside the caller's transaction; never commits."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, any_, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import AlreadyExists, NotFound, ProblemError, Unprocessable
from services.common.records import audit
from services.common.roles import Role
from services.common.settings import Settings

from . import schemas
from .keys import KeyRing, access_claims
from .models import ApiClient, LoginFailure, RefreshToken, Revocation, UserAccount, records

hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


class OAuthError(ProblemError):
    """RFC 6749 errors, as problem+json that also carries OAuth2's `error` member."""

    slug, title = "oauth", "Token request refused"

    def __init__(self, error: str, detail: str, status: int = 400, keeps_changes: bool = False,
                 headers: dict[str, str] | None = None):
        super().__init__(detail, members={"error": error, "error_description": detail}, headers=headers)
        self.status = status
        self.keeps_changes = keeps_changes
        if status == 401:
            self.headers = {"WWW-Authenticate": 'Basic realm="smartcity"'}


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# Password hashing is deliberately slow; two at a time keep a flood of guesses from taking every core.
_HASHING = asyncio.Semaphore(2)
# An address may be a whole office behind one NAT, so it gets more free tries than one username.
# An account waits after 5 wrong passwords. An address waits only when wrong passwords from it hit many accounts
# (10 within the window): a colleague's typos, or a hostile one, never lock out a ministry behind one NAT.
ACCOUNT_FREE_TRIES, MAX_WAIT = 5, 900
SPRAY_ACCOUNTS, SPRAY_WINDOW = 10, timedelta(minutes=15)


def _check(hash_: str, secret: str) -> bool:
    try:
        return hasher.verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False


async def _verify(hash_: str, secret: str) -> bool:
    async with _HASHING:
        return await asyncio.to_thread(_check, hash_, secret)


async def _refuse_if_locked(session: AsyncSession, keys: list[str]) -> None:
    now = datetime.now(UTC)
    until = await session.scalar(select(func.max(LoginFailure.locked_until)).where(
        LoginFailure.key.in_(keys), LoginFailure.locked_until > now))
    if until is not None:
        wait = max(1, int((until - now).total_seconds()) + 1)
        raise OAuthError("temporarily_unavailable", f"Too many failed sign-ins; try again in {wait} s", status=429,
                         headers={"Retry-After": str(wait)})


async def _count(session: AsyncSession, key: str, now: datetime) -> int:
    failures = await session.scalar(
        insert(LoginFailure).values(key=key, failures=1, last_failure_at=now)
        .on_conflict_do_update(index_elements=[LoginFailure.key],
                               set_={"failures": LoginFailure.failures + 1, "last_failure_at": now})
        .returning(LoginFailure.failures))
    return int(failures or 0)


async def _lock(session: AsyncSession, key: str, beyond: int, now: datetime, failures: int) -> None:
    """The n-th failure beyond the free ones waits 2^n s, at most MAX_WAIT."""
    wait = min(MAX_WAIT, 2 ** beyond)
    await session.execute(update(LoginFailure).where(LoginFailure.key == key).values(
        locked_until=now + timedelta(seconds=wait)))
    audit(session, records, actor="gateway", action="login.locked", entity="login", entity_id=key,
          after={"failures": failures, "seconds": wait})


async def _record_failure(session: AsyncSession, username: str, address: str) -> None:
    """Count the failure against the account, and against the address the accounts it was tried on."""
    now = datetime.now(UTC)
    failures = await _count(session, f"user:{username}", now)
    if failures >= ACCOUNT_FREE_TRIES:
        await _lock(session, f"user:{username}", failures - ACCOUNT_FREE_TRIES, now, failures)
    await _count(session, f"spray:{address}:{username}", now)
    accounts = await session.scalar(select(func.count()).where(
        LoginFailure.key.startswith(f"spray:{address}:", autoescape=True),
        LoginFailure.last_failure_at > now - SPRAY_WINDOW))
    if accounts is not None and accounts >= SPRAY_ACCOUNTS:
        await _count(session, f"ip:{address}", now)
        await _lock(session, f"ip:{address}", accounts - SPRAY_ACCOUNTS, now, accounts)


def _token_response(ring: KeyRing, settings: Settings, claims: dict[str, Any],
                    refresh: str | None = None) -> schemas.TokenResponse:
    return schemas.TokenResponse(access_token=ring.sign(claims), expires_in=claims["exp"] - claims["iat"],
                                 refresh_token=refresh, scope=" ".join(claims["roles"]))


def _user_claims(settings: Settings, user: UserAccount) -> dict[str, Any]:
    return access_claims(settings, sub=f"user:{user.id}", roles=list(user.roles), organisation=user.organisation,
                         region_code=user.region_code, name=user.full_name)


async def _new_refresh(session: AsyncSession, settings: Settings, user: UserAccount,
                       family: uuid.UUID | None = None) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(RefreshToken(user_id=user.id, family_id=family or uuid.uuid4(), token_hash=_sha256(raw),
                             expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days)))
    return raw


async def password_grant(session: AsyncSession, ring: KeyRing, settings: Settings, username: str,
                         password: str, address: str) -> schemas.TokenResponse:
    name = username.lower()
    await _refuse_if_locked(session, [f"user:{name}", f"ip:{address}"])
    user = await session.scalar(select(UserAccount).where(UserAccount.username == name))
    if not await _verify(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        await _record_failure(session, name, address)
        raise OAuthError("invalid_grant", "Wrong username or password", keeps_changes=True)
    await session.execute(delete(LoginFailure).where(LoginFailure.key.in_([f"user:{name}",
                                                                           f"spray:{address}:{name}"])))
    if user.disabled:
        raise OAuthError("invalid_grant", "This account is disabled")
    refresh = await _new_refresh(session, settings, user)
    return _token_response(ring, settings, _user_claims(settings, user), refresh)


async def authenticate_client(session: AsyncSession, client_id: str, client_secret: str) -> ApiClient:
    client = await session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if not await _verify(client.secret_hash if client else _DUMMY_HASH, client_secret) or client is None:
        raise OAuthError("invalid_client", "Unknown client or wrong secret", status=401)
    if client.disabled:
        raise OAuthError("invalid_client", "This client is disabled", status=401)
    return client


async def client_credentials_grant(session: AsyncSession, ring: KeyRing, settings: Settings, client_id: str,
                                   client_secret: str) -> schemas.TokenResponse:
    client = await authenticate_client(session, client_id, client_secret)
    claims = access_claims(settings, sub=f"client:{client.client_id}", roles=list(client.roles),
                           organisation=client.organisation, name=client.name)
    return _token_response(ring, settings, claims)


async def refresh_grant(session: AsyncSession, ring: KeyRing, settings: Settings,
                        raw: str) -> schemas.TokenResponse:
    # Row lock: two concurrent uses of one refresh token cannot both succeed.
    token = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _sha256(raw))
                                 .with_for_update())
    now = datetime.now(UTC)
    if token is None:
        raise OAuthError("invalid_grant", "Unknown refresh token")
    if token.used_at is not None:
        # A used token coming back means it leaked: end the whole family.
        await revoke_family(session, token.family_id)
        raise OAuthError("invalid_grant", "Refresh token was already used; its sessions are revoked",
                         keeps_changes=True)
    if token.revoked_at is not None or token.expires_at <= now:
        raise OAuthError("invalid_grant", "Refresh token is revoked or expired")
    user = await session.get(UserAccount, token.user_id)
    if user is None or user.disabled:
        raise OAuthError("invalid_grant", "This account is disabled")
    token.used_at = now
    refresh = await _new_refresh(session, settings, user, token.family_id)
    return _token_response(ring, settings, _user_claims(settings, user), refresh)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,
                                                     RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=func.now()))


async def revoke_refresh(session: AsyncSession, raw: str) -> None:
    token = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _sha256(raw)))
    if token is not None:
        await revoke_family(session, token.family_id)


async def _revoke_user_sessions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                                     RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=func.now()))


# Administration ---------------------------------------------------------------------------------

def users(role: Role | None, q: str | None) -> Select[UserAccount]:
    stmt = select(UserAccount)
    if role:
        stmt = stmt.where(literal(role.value) == any_(UserAccount.roles))
    if q:
        # The text is matched as typed: % and _ are letters here, not wildcards.
        text = q.lower()
        stmt = stmt.where(func.lower(UserAccount.username).contains(text, autoescape=True)
                          | func.lower(UserAccount.full_name).contains(text, autoescape=True))
    return stmt.order_by(UserAccount.username)


async def get_user(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> UserAccount:
    user = await session.get(UserAccount, user_id, with_for_update=lock)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


async def create_user(session: AsyncSession, data: schemas.UserIn, actor: Principal | str) -> UserAccount:
    if await session.scalar(select(UserAccount.id).where(UserAccount.username == data.username.lower())):
        raise AlreadyExists(f"Username {data.username} is taken")
    user = UserAccount(username=data.username.lower(), full_name=data.full_name,
                       password_hash=hasher.hash(data.password), organisation=data.organisation,
                       roles=[r.value for r in data.roles], region_code=data.region_code)
    session.add(user)
    await session.flush()
    audit(session, records, actor=actor, action="user.create", entity="user", entity_id=user.id,
          after=schemas.User.model_validate(user))
    return user


async def revoke_subject(session: AsyncSession, sub: str, issued_until: datetime | None = None) -> None:
    """Refuse the subject's access tokens issued until then (now by default); a later revocation stays later."""
    at = issued_until or datetime.now(UTC)
    stmt = insert(Revocation).values(sub=sub, revoked_at=at)
    await session.execute(stmt.on_conflict_do_update(index_elements=[Revocation.sub], set_={
        "revoked_at": func.greatest(Revocation.revoked_at, stmt.excluded.revoked_at)}))


async def recent_revocations(session: AsyncSession, settings: Settings) -> dict[str, float]:
    """Revocations that can still matter: newer than the longest-lived access token."""
    since = datetime.now(UTC) - timedelta(minutes=settings.access_token_minutes + 1)
    rows = (await session.execute(select(Revocation.sub, Revocation.revoked_at).where(
        Revocation.revoked_at > since))).all()
    return {sub: at.timestamp() for sub, at in rows}


async def update_user(session: AsyncSession, user: UserAccount, patch: schemas.UserPatch,
                      actor: Principal) -> UserAccount:
    before = schemas.User.model_validate(user)
    changes = patch.model_dump(exclude_unset=True)
    roles = changes.get("roles", [Role(r) for r in user.roles])
    region = changes.get("region_code", user.region_code)
    try:
        schemas.roles_fit_region(roles, region)
    except ValueError as exc:
        raise Unprocessable(str(exc), errors=[{"loc": ["body", "roles"], "msg": str(exc), "type": "value_error"}]
                            ) from None
    if "password" in changes:
        user.password_hash = hasher.hash(changes.pop("password"))
    if "roles" in changes:
        changes["roles"] = [r.value for r in changes["roles"]]
    for field, value in changes.items():
        setattr(user, field, value)
    if user.disabled or "roles" in changes or "password" in patch.model_fields_set:
        # New rights or a lock-out apply at once: outstanding tokens are refused, sessions cannot refresh.
        await _revoke_user_sessions(session, user.id)
        await revoke_subject(session, f"user:{user.id}")
    await session.flush()
    audit(session, records, actor=actor, action="user.update", entity="user", entity_id=user.id,
          before=before, after=schemas.User.model_validate(user))
    return user


def clients() -> Select[ApiClient]:
    return select(ApiClient).order_by(ApiClient.client_id)


async def get_client(session: AsyncSession, client_id: uuid.UUID, *, lock: bool = False) -> ApiClient:
    client = await session.get(ApiClient, client_id, with_for_update=lock)
    if client is None:
        raise NotFound(f"Client {client_id} does not exist")
    return client


async def create_client(session: AsyncSession, data: schemas.ClientIn,
                        actor: Principal | str) -> tuple[ApiClient, str]:
    if await session.scalar(select(ApiClient.id).where(ApiClient.client_id == data.client_id)):
        raise AlreadyExists(f"Client id {data.client_id} is taken")
    secret = secrets.token_urlsafe(32)
    client = ApiClient(client_id=data.client_id, name=data.name, organisation=data.organisation,
                       secret_hash=hasher.hash(secret), roles=[r.value for r in data.roles])
    session.add(client)
    await session.flush()
    audit(session, records, actor=actor, action="client.create", entity="client", entity_id=client.id,
          after=schemas.PartnerClient.model_validate(client))
    return client, secret


async def update_client(session: AsyncSession, client: ApiClient, patch: schemas.ClientPatch,
                        actor: Principal) -> ApiClient:
    before = schemas.PartnerClient.model_validate(client)
    changes = patch.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(client, field, [r.value for r in value] if field == "roles" else value)
    if client.disabled or "roles" in changes:
        await revoke_subject(session, f"client:{client.client_id}")
    await session.flush()
    audit(session, records, actor=actor, action="client.update", entity="client", entity_id=client.id,
          before=before, after=schemas.PartnerClient.model_validate(client))
    return client
