"""Token verification and role gates, shared by the gateway and every service.

python-jose's defaults are unsafe for us (tokens without `exp` pass, and the header's
`alg` is trusted when no list is given), so every decode goes through `TokenVerifier`,
which pins the algorithm, requires the registered claims and picks the key by `kid`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
from fastapi import Depends, Request
from jose import jwt
from jose.exceptions import JOSEError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import Forbidden, NotFound, Unauthorized
from .roles import ALL_ROLES, Role
from .settings import ALGORITHMS, Settings

REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti")
NUMERIC_DATES = ("exp", "iat", "nbf")  # RFC 7519 NumericDate: a number, never a string
LEEWAY = 30  # seconds of clock difference allowed between the gateway and a verifier
SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def canonical(token: str) -> bool:
    """Three base64url segments without padding, each exactly how its bytes encode (RFC 7515 §2): no foreign
    characters, no stray trailing bits, so one token has one spelling."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    for part in parts:
        if not SEGMENT.fullmatch(part):
            return False
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (binascii.Error, ValueError):
            return False
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part:
            return False
    return True


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[Role]
    organisation: str
    region_code: str | None = None
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_pemda_only(self) -> bool:
        """A regional government user whose every right is bound to its own region."""
        return self.roles == {Role.pemda}

    def may_see_region(self, code: str) -> bool:
        if not self.is_pemda_only:
            return True
        return self.region_code is not None and (code == self.region_code
                                                 or code.startswith(self.region_code + "."))


def _token_keys(jwks: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Keys by kid that may sign tokens: a key rotated out (`retired_at`) only verifies old documents."""
    return {k["kid"]: k for k in jwks["keys"] if "retired_at" not in k}


# How often a JWKS file is looked at for a rotation: a new key ring reaches every verifier within this.
FILE_CHECK_SECONDS = 0.5


class KeySource:
    """Public keys by `kid`, from a JWKS file (reloaded when it changes) or URL (cached)."""

    def __init__(self, *, file: Path | None = None, url: str | None = None, ttl: float = 300.0):
        self.file, self.url, self.ttl = file, url, ttl
        self._keys: dict[str, dict[str, Any]] = {}
        self._stamp: float = -1.0
        self._checked_at = float("-inf")
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def static(cls, jwks: dict[str, Any]) -> KeySource:
        """Keys known in-process (the gateway holds its own key ring)."""
        source = cls()
        source._keys = _token_keys(jwks)
        return source

    def _read_file(self) -> None:
        assert self.file is not None
        now = time.monotonic()
        if now - self._checked_at < FILE_CHECK_SECONDS:  # a stat per request was a syscall on the hot path
            return
        self._checked_at = now
        try:
            mtime = self.file.stat().st_mtime
        except FileNotFoundError:
            self._keys = {}
            return
        if mtime != self._stamp:
            self._keys = _token_keys(json.loads(self.file.read_text()))
            self._stamp = mtime

    async def _fetch(self, force: bool) -> None:
        now = time.monotonic()
        # A forced refresh (unknown kid) is allowed at most every 30 s, so junk kids cannot hammer the issuer.
        if not force and now - self._fetched_at < self.ttl:
            return
        if force and now - self._fetched_at < 30:
            return
        async with self._lock:
            async with httpx.AsyncClient(timeout=3.0) as client:
                resp = await client.get(self.url)  # type: ignore[arg-type]
                resp.raise_for_status()
                self._keys = _token_keys(resp.json())
            self._fetched_at = time.monotonic()

    async def get(self, kid: str) -> dict[str, Any] | None:
        if self.file is not None:
            self._read_file()
            return self._keys.get(kid)
        if self.url is None:
            return self._keys.get(kid)
        await self._fetch(force=False)
        if kid not in self._keys:
            try:
                await self._fetch(force=True)
            except httpx.HTTPError:
                return None
        return self._keys.get(kid)


def subject_digest(sub: str) -> str:
    """How the gateway publishes a revoked subject without naming the account."""
    return hashlib.sha256(sub.encode()).hexdigest()


# JWS `typ` values an access token may carry (RFC 7519 §5.1, RFC 9068).
TOKEN_TYPES = ("JWT", "at+jwt")


class TokenVerifier:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str, max_bytes: int):
        self.keys, self.issuer, self.audience, self.max_bytes = keys, issuer, audience, max_bytes
        # Verified tokens by value, until they expire (bounded; verification is the hot path).
        # Verified tokens by value: until they expire, and while their key may still sign tokens.
        self._cache: dict[str, tuple[float, str, Principal]] = {}
        # Subject -> epoch second: its tokens issued at or before it are refused (kept fresh by the gateway).
        self.revoked: dict[str, float] = {}
        # The same, keyed by sha256 of the subject: what services learn from the gateway's list.
        self.revoked_digests: dict[str, float] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        source = (KeySource(url=settings.jwks_url) if settings.jwks_url
                  else KeySource(file=settings.resolved_jwks_file))
        return cls(source, issuer=settings.issuer, audience=settings.jwt_audience,
                   max_bytes=settings.max_token_bytes)

    async def verify(self, token: str) -> Principal:
        # Only canonical tokens enter the cache, so a hit needs no second look at the spelling.
        cached = self._cache.get(token)
        if cached and cached[0] > time.time() and await self.keys.get(cached[1]) is not None:
            return self._unless_revoked(cached[2])
        if len(token) > self.max_bytes:
            raise Unauthorized("Token is too large")
        if not canonical(token):
            raise Unauthorized("Token is malformed")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError:
            raise Unauthorized("Token is malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized("Token algorithm is not accepted")
        if header.get("typ", "JWT") not in TOKEN_TYPES:  # a signed document is never a token
            raise Unauthorized("Token type is not accepted")
        kid = header.get("kid")
        key = await self.keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized("Token was signed by an unknown key")
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                options={**{f"require_{c}": True for c in REQUIRED_CLAIMS}, "leeway": LEEWAY},
            )
        except JOSEError as exc:
            raise Unauthorized(f"Token rejected: {exc}") from None
        for name in NUMERIC_DATES:
            if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
                raise Unauthorized(f"Token rejected: {name} is not a NumericDate")
        if claims["iat"] > time.time() + LEEWAY:
            raise Unauthorized("Token rejected: issued in the future")
        principal = principal_from_claims(claims)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), kid, principal)
        return self._unless_revoked(principal)

    def _unless_revoked(self, principal: Principal) -> Principal:
        revoked_at = self.revoked.get(principal.sub)
        if revoked_at is None and self.revoked_digests:
            revoked_at = self.revoked_digests.get(subject_digest(principal.sub))
        # iat has whole seconds: a token from the very second of the revocation is refused too (safe side).
        if revoked_at is not None and int(principal.claims.get("iat", 0)) <= int(revoked_at):
            raise Unauthorized("Token was revoked: the account or client changed; get a new one")
        return principal


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
    except ValueError:
        raise Unauthorized("Token names an unknown role") from None
    return Principal(sub=str(claims["sub"]), roles=roles, organisation=str(claims.get("org", "")),
                     region_code=claims.get("region"), name=claims.get("name"), claims=claims)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None  # e.g. HTTP Basic client credentials at the token endpoint; never a principal
    if not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    return token.strip()


PRINCIPAL = "smartcity.principal"


async def optional_principal(request: Request) -> Principal | None:
    """The caller, verified once per request: gates, the region scope and the idempotency guard all ask."""
    if PRINCIPAL in request.scope:
        return request.scope[PRINCIPAL]  # type: ignore[no-any-return]
    token = bearer_token(request)
    principal = None if token is None else await request.app.state.verifier.verify(token)
    request.scope[PRINCIPAL] = principal
    return principal


class Gate:
    """A dependency that admits the listed roles; OpenAPI shows them as `x-roles`."""

    def __init__(self, *roles: Role | frozenset[Role], public: bool = False):
        flat: set[Role] = set()
        for r in roles:
            flat.update(r if isinstance(r, frozenset) else {r})
        self.roles = frozenset(flat)
        self.public = public

    async def __call__(self, request: Request) -> Principal | None:
        principal = await optional_principal(request)
        if self.public:
            return principal
        if principal is None:
            raise Unauthorized()
        if not principal.roles & self.roles:
            raise Forbidden("Your role may not call this operation",
                            extra={"allowed_roles": sorted(self.roles)})
        return principal

    def __repr__(self) -> str:
        return f"Gate({'public' if self.public else sorted(self.roles)})"


# The two gates every process shares, one name each: anyone (a token is verified when sent), and anyone signed in.
Public = Annotated[Principal | None, Depends(Gate(public=True))]
SignedIn = Annotated[Principal, Depends(Gate(ALL_ROLES))]


# Path parameters that may name a region (the registry calls it `code`); a value of another shape (a dimension's
# code) is not a region.
REGION_PARAMS = ("region_code", "code")
REGION_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


async def region_scope(request: Request) -> None:
    """Router-wide: a pemda user asking for another region's records learns nothing, not even what is invalid.

    Runs before the body is validated, so the answer is the same 404 whatever was sent.
    """
    code = next((v for k, v in request.path_params.items() if k in REGION_PARAMS and REGION_CODE.fullmatch(v)), None)
    if code:
        require_scope(await optional_principal(request), code)


def require_scope(principal: Principal | None, code: str) -> None:
    """The one refusal for a region outside the caller's scope (a path's, or one a body names): 404."""
    if principal is not None and not principal.may_see_region(code):
        raise NotFound(f"Region {code} is not in your scope")


Stmt = TypeVar("Stmt", bound=Select[Any])


def scope_to_region(stmt: Stmt, column: Any, principal: Principal | None) -> Stmt:
    """The one way a query is limited to the caller's region: a pemda user sees only its own."""
    if principal is not None and principal.is_pemda_only:
        return stmt.where(column == (principal.region_code or "-"))
    return stmt


def scope_to_owner(stmt: Stmt, column: Any, principal: Principal) -> Stmt:
    """Records a caller owns; Kominfo administrators see everyone's."""
    return stmt if principal.has(Role.kominfo_admin) else stmt.where(column == principal.sub)


Row = TypeVar("Row")


async def get_in_scope(session: AsyncSession, model: type[Row], ident: Any, principal: Principal | None, *,
                       label: str, lock: bool = False) -> Row:
    """A region's record by id; outside the caller's scope it does not exist (404, nothing learned)."""
    row = await session.get(model, ident, with_for_update=lock)
    if row is None or (principal is not None and not principal.may_see_region(row.region_code)):  # type: ignore[attr-defined]
        raise NotFound(f"{label} {ident} does not exist")
    return row
