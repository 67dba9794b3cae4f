"""Forged, stale and malformed tokens are refused (401) by the gateway and by a service reached directly."""

import asyncio
import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from jose import jwt

from gateway.keys import SigningKey, _generate, access_claims
from services.common.auth import FILE_CHECK_SECONDS


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict, claims: dict) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _hs256(header: dict, claims: dict, secret: bytes) -> str:
    """Signed by hand: python-jose itself refuses to use a public key as an HMAC secret."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def _odd(last: str) -> str:
    """The same 6-bit group but for its lowest bit: a base64url character that decodes to the same bytes when
    that bit is padding, so only a canonical-spelling check tells the two tokens apart."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[alphabet.index(last) ^ 1]


def _claims(settings, **over):
    claims = access_claims(settings, sub="attacker", roles=["kominfo_admin"], organisation="nowhere")
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _attacks(settings, ring):
    kid = ring.current.kid
    good = _claims(settings)
    public_pem = serialization.load_pem_private_key(ring.current.private_pem, None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    stranger = SigningKey("stranger", _generate("stranger"), 0)
    signed = ring.sign(_claims(settings, roles=["bappenas"]))
    head, body, sig = signed.split(".")
    tampered_body = _b64(json.dumps(_claims(settings, roles=["kominfo_admin"])).encode())
    now = int(time.time())
    return {
        "alg none": _unsigned({"alg": "none", "kid": kid, "typ": "JWT"}, good),
        "HS256 with the public key": _hs256({"alg": "HS256", "kid": kid, "typ": "JWT"}, good, public_pem),
        "another key, our kid": jwt.encode(good, stranger.private_pem.decode(), algorithm="ES256",
                                           headers={"kid": kid}),
        "unknown kid": jwt.encode(good, stranger.private_pem.decode(), algorithm="ES256",
                                  headers={"kid": "stranger"}),
        "tampered payload": f"{head}.{tampered_body}.{sig}",
        "expired": ring.sign(_claims(settings, exp=now - 3600, iat=now - 7200, nbf=now - 7200)),
        "nbf in the future": ring.sign(_claims(settings, nbf=now + 3600)),
        "wrong iss": ring.sign(_claims(settings, iss="https://evil.example")),
        "wrong aud": ring.sign(_claims(settings, aud="another-api")),
        "missing exp": ring.sign({k: v for k, v in good.items() if k != "exp"}),
        "missing iat": ring.sign({k: v for k, v in good.items() if k != "iat"}),
        "missing sub": ring.sign({k: v for k, v in good.items() if k != "sub"}),
        "oversized": ring.sign(_claims(settings, name="x" * 10_000)),
        "garbage header": "not-a-jwt.at.all",
        "unknown role": ring.sign(_claims(settings, roles=["superuser"])),
        # One token, one spelling: a genuine signature with characters added is not the same token.
        "signature with !!!! appended": f"{signed}!!!!",
        "signature with é inserted": f"{head}.{body}.{sig[:10]}é{sig[10:]}",
        "signature with padding": f"{signed}==",
        "signature with a stray trailing bit": f"{head}.{body}.{sig[:-1]}{_odd(sig[-1])}",
        "iat an hour ahead": ring.sign(_claims(settings, iat=now + 3600)),
        "iat ten years ahead": ring.sign(_claims(settings, iat=now + 10 * 365 * 86400)),
        "exp as a string": ring.sign(_claims(settings, exp=str(now + 600))),
        "iat as a string": ring.sign(_claims(settings, iat=str(now))),
    }


ATTACKS = ["alg none", "HS256 with the public key", "another key, our kid", "unknown kid", "tampered payload",
           "expired", "nbf in the future", "wrong iss", "wrong aud", "missing exp", "missing iat", "missing sub",
           "oversized", "garbage header", "unknown role", "signature with !!!! appended", "signature with é inserted",
           "signature with padding", "signature with a stray trailing bit", "iat an hour ahead",
           "iat ten years ahead", "exp as a string", "iat as a string"]
# An operation that needs a signed-in caller, reached through the gateway and directly.
TARGETS = [("gateway", "POST", "/api/v1/regions/lookup"), ("gateway", "GET", "/auth/me"),
           ("regions", "POST", "/api/v1/regions/lookup"), ("assessment", "GET", "/api/v1/assessment/rounds"),
           ("masterplan", "GET", "/api/v1/masterplan/mous")]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[2]}")
@pytest.mark.parametrize("attack", ATTACKS)
async def test_attack_is_refused(attack, target, settings, ring, apps, direct, gw):
    name, method, path = target
    client = gw if name == "gateway" else direct(name)
    token = _attacks(settings, ring)[attack]
    # As bytes: a client may send any octets (é as UTF-8), not only what httpx would encode itself.
    r = await client.request(method, path, json={"codes": ["21.72"]},
                             headers={"Authorization": f"Bearer {token}".encode()})
    assert r.status_code == 401, (attack, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    assert "21.72" not in r.text and "items" not in r.text


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: f"{t[0]} {t[2]}")
async def test_the_genuine_token_passes(target, settings, ring, direct, gw):
    name, method, path = target
    client = gw if name == "gateway" else direct(name)
    r = await client.request(method, path, json={"codes": ["21.72"]},
                             headers={"Authorization": f"Bearer {ring.sign(_claims(settings))}"})
    assert r.status_code == 200


async def test_rotation_keeps_old_tokens_valid(settings, ring, apps, gw):
    from gateway.keys import rotate_dev_keys
    from gateway.main import attach_gateway

    old_token = ring.sign(_claims(settings))
    rotated = rotate_dev_keys(settings)
    try:
        attach_gateway(apps["gateway"], settings, rotated)
        assert rotated.current.kid != ring.current.kid and len(rotated.keys) == 2
        new_token = rotated.sign(_claims(settings))
        for t in (old_token, new_token):
            assert (await gw.get("/auth/me", headers={"Authorization": f"Bearer {t}"})).status_code == 200
    finally:
        attach_gateway(apps["gateway"], settings, ring)


async def test_a_rotation_holds_everywhere_without_a_restart(settings, ring, apps, direct, gw):
    """Rotated twice on a running stack: the gateway signs only with the newest key, and a token of the retired
    key authenticates nowhere, the gateway's own routes included, even one every verifier had already cached."""
    import shutil

    from gateway.keys import ensure_dev_keys, rotate_dev_keys
    from gateway.main import attach_gateway, reload_keys

    old = {"Authorization": f"Bearer {ring.sign(_claims(settings))}"}
    targets = [(gw, "GET", "/auth/me"), (gw, "GET", "/api/v1/admin/users"),
               (direct("assessment"), "GET", "/api/v1/assessment/rounds"),
               (direct("regions"), "POST", "/api/v1/regions/lookup")]
    for client, method, path in targets:  # verified, so cached, before the rotation
        assert (await client.request(method, path, json={"codes": ["21.72"]}, headers=old)).status_code == 200
    kept = settings.keys_dir.with_name("keys-before-rotation")
    shutil.copytree(settings.keys_dir, kept)
    try:
        rotate_dev_keys(settings)
        rotated = rotate_dev_keys(settings)  # the second rotation retires the key `old` was signed with
        assert reload_keys(apps["gateway"])  # what the gateway's watcher does within a second
        assert apps["gateway"].state.ring.current.kid == rotated.current.kid != ring.current.kid
        new = {"Authorization": f"Bearer {apps['gateway'].state.ring.sign(_claims(settings))}"}
        await asyncio.sleep(FILE_CHECK_SECONDS)  # how long a service may go on with the JWKS file it last read
        for client, method, path in targets:
            refused = await client.request(method, path, json={"codes": ["21.72"]}, headers=old)
            assert refused.status_code == 401, (path, refused.text)
            assert (await client.request(method, path, json={"codes": ["21.72"]}, headers=new)).status_code == 200
        published = (await gw.get("/.well-known/jwks.json")).json()["keys"]
        assert {k["kid"]: "retired_at" in k for k in published}[ring.current.kid] is True  # kept for documents
    finally:
        shutil.rmtree(settings.keys_dir)
        shutil.copytree(kept, settings.keys_dir)
        shutil.rmtree(kept)
        ensure_dev_keys(settings)
        attach_gateway(apps["gateway"], settings, ring)
