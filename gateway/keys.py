"""Signing keys: ES256, generated for development into the data folder, configured in production.

The public halves are published as a JWKS (file and /.well-known/jwks.json); two keys may be
active at once so a rotation does not log anyone out. A key rotated out stays published, marked
`retired_at`: no token signed with it is accepted any more, but documents it signed (published
selection results) can still be verified with the JWKS alone.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwk, jws, jwt

from services.common.settings import ALGORITHMS, DEV_KEY_PREFIX, Settings

ALGORITHM = ALGORITHMS[0]
MAX_ACTIVE_KEYS = 2


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    created: float

    def public_jwk(self) -> dict[str, Any]:
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        data = jwk.construct(public_pem.decode(), ALGORITHM).to_dict()
        return {k: (v.decode() if isinstance(v, bytes) else v) for k, v in data.items()} | {
            "kid": self.kid, "use": "sig", "alg": ALGORITHM}


def _generate(kid: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


class KeyRing:
    def __init__(self, keys: list[SigningKey], retired: list[dict[str, Any]] | None = None):
        if not keys:
            raise RuntimeError("no signing key is configured")
        self.keys = sorted(keys, key=lambda k: k.created)
        active = {k.kid for k in self.keys}
        self.retired = [k for k in retired or [] if k.get("kid") not in active]

    @property
    def current(self) -> SigningKey:
        return self.keys[-1]

    def active_jwks(self) -> dict[str, Any]:
        """The keys tokens may be signed with."""
        return {"keys": [k.public_jwk() for k in self.keys]}

    def jwks(self) -> dict[str, Any]:
        """What is published: the active keys and those rotated out, for documents signed before."""
        return {"keys": [*self.active_jwks()["keys"], *self.retired]}

    def sign(self, claims: dict[str, Any]) -> str:
        token: str = jwt.encode(claims, self.current.private_pem.decode(), algorithm=ALGORITHM,
                                headers={"kid": self.current.kid})
        return token

    def sign_document(self, payload: dict[str, Any], media_type: str) -> str:
        """A JWS (compact) over a document; `typ` keeps it from ever passing for a token."""
        signed: str = jws.sign(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
                               self.current.private_pem.decode(), algorithm=ALGORITHM,
                               headers={"kid": self.current.kid, "typ": media_type})
        return signed

    @classmethod
    def from_files(cls, files: list[Path], retired: list[dict[str, Any]] | None = None) -> KeyRing:
        return cls([SigningKey(kid=f.stem, private_pem=f.read_bytes(), created=f.stat().st_mtime) for f in files],
                   retired)

    @classmethod
    def load(cls, settings: Settings) -> KeyRing:
        if settings.signing_key_files:
            retired = (json.loads(settings.retired_jwks_file.read_text())["keys"]
                       if settings.retired_jwks_file else [])
            ring = cls.from_files(settings.signing_key_files, retired)
        elif settings.is_production:
            raise RuntimeError("production needs SMARTCITY_SIGNING_KEY_FILES; development keys are refused")
        else:
            ring = ensure_dev_keys(settings)
        if settings.is_production and any(k.kid.startswith(DEV_KEY_PREFIX) for k in ring.keys):
            raise RuntimeError("refusing to start in production with a development key")
        return ring


def key_files_stamp(settings: Settings) -> tuple[tuple[str, float], ...]:
    """What the key ring is loaded from, with modification times: a rotation changes it."""
    files = [*settings.signing_key_files] if settings.signing_key_files else [*_dev_key_files(settings),
                                                                              _retired_file(settings)]
    if settings.retired_jwks_file:
        files.append(settings.retired_jwks_file)
    return tuple((str(f), f.stat().st_mtime if f.exists() else 0.0) for f in files)


def _dev_key_files(settings: Settings) -> list[Path]:
    return sorted(settings.keys_dir.glob(f"{DEV_KEY_PREFIX}*.pem"))


def _retired_file(settings: Settings) -> Path:
    return settings.keys_dir / "retired-jwks.json"


def _dev_retired(settings: Settings) -> list[dict[str, Any]]:
    path = _retired_file(settings)
    return json.loads(path.read_text())["keys"] if path.exists() else []


def write_jwks(settings: Settings, ring: KeyRing) -> None:
    path = settings.resolved_jwks_file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(ring.jwks(), indent=2))
    tmp.replace(path)


def new_dev_key(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    kid = f"{DEV_KEY_PREFIX}{stamp}-{secrets.token_hex(3)}"
    path = settings.keys_dir / f"{kid}.pem"
    _write_private(path, _generate(kid))
    # Order by creation even within one second.
    os.utime(path, (time.time(), time.time() + len(_dev_key_files(settings)) * 1e-3))
    return path


def has_dev_keys(settings: Settings) -> bool:
    return bool(_dev_key_files(settings))


def ensure_dev_keys(settings: Settings) -> KeyRing:
    if settings.is_production:
        raise RuntimeError("development keys are refused in production")
    if not _dev_key_files(settings):
        new_dev_key(settings)
    ring = KeyRing.from_files(_dev_key_files(settings), _dev_retired(settings))
    write_jwks(settings, ring)
    return ring


def rotate_dev_keys(settings: Settings) -> KeyRing:
    """Add a key and keep the newest MAX_ACTIVE_KEYS; tokens signed by the previous key stay valid."""
    new_dev_key(settings)
    files = _dev_key_files(settings)
    files.sort(key=lambda f: f.stat().st_mtime)
    retired = _dev_retired(settings)
    for old in files[:-MAX_ACTIVE_KEYS]:
        public = SigningKey(kid=old.stem, private_pem=old.read_bytes(), created=0).public_jwk()
        retired.append({**public, "retired_at": int(time.time())})
        old.unlink()
    _retired_file(settings).write_text(json.dumps({"keys": retired}, indent=2))
    ring = KeyRing.from_files(files[-MAX_ACTIVE_KEYS:], retired)
    write_jwks(settings, ring)
    return ring


def access_claims(settings: Settings, *, sub: str, roles: list[str], organisation: str,
                  region_code: str | None = None, name: str | None = None,
                  minutes: int | None = None) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.issuer, "aud": settings.jwt_audience, "sub": sub, "iat": now, "nbf": now,
        "exp": now + 60 * (minutes or settings.access_token_minutes), "jti": uuid.uuid4().hex,
        "org": organisation, "roles": sorted(roles)}
    if region_code:
        claims["region"] = region_code
    if name:
        claims["name"] = name
    return claims
