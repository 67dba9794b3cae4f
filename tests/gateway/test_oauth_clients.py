"""A partner's stock OAuth library, unmodified, against the gateway on its real socket: discovery (RFC 8414),
client credentials, introspection (RFC 7662) and revocation (RFC 7009) of access and refresh tokens."""

from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from jose import jwt

from tests.gateway.test_auth import PASSWORD, _user

ADMIN = "/api/v1/admin"


async def _partner(gw, auth) -> tuple[str, str]:
    created = await gw.post(f"{ADMIN}/clients", headers=auth("kominfo_admin"), json={
        "client_id": "kemenkeu-djpk", "name": "DJPK feed", "organisation": "Kemenkeu", "roles": ["kemenkeu"]})
    assert created.status_code == 201, created.text
    return "kemenkeu-djpk", created.json()["client_secret"]


async def test_authlib_discovers_gets_introspects_and_revokes_an_access_token(gw, auth, settings):
    client_id, secret = await _partner(gw, auth)
    base = settings.public_url
    async with AsyncOAuth2Client(client_id, secret, token_endpoint_auth_method="client_secret_basic") as client:
        discovered = await client.request("GET", f"{base}/.well-known/oauth-authorization-server",
                                            withhold_token=True)
        metadata = AuthorizationServerMetadata(discovered.json())
        metadata.validate()
        assert metadata["issuer"] == base and metadata["token_endpoint"] == f"{base}/auth/token"

        token = await client.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
        assert "refresh_token" not in token and None not in token.values()
        assert jwt.get_unverified_claims(token["access_token"])["iss"] == metadata["issuer"]
        assert len(token["access_token"]) > 200  # longer than the revocation endpoint once took
        me = await client.get(f"{base}/auth/me")
        assert me.status_code == 200 and me.json()["sub"] == f"client:{client_id}"

        active = await client.introspect_token(metadata["introspection_endpoint"], token=token["access_token"])
        assert active.json()["active"] is True and active.json()["client_id"] == client_id

        revoked = await client.revoke_token(metadata["revocation_endpoint"], token=token["access_token"],
                                            token_type_hint="access_token")
        assert revoked.status_code == 200, revoked.text
        assert (await client.get(f"{base}/auth/me")).status_code == 401
        after = await client.introspect_token(metadata["introspection_endpoint"], token=token["access_token"])
        assert after.json() == {"active": False}
        # Unknown, forged and malformed tokens are answered alike (RFC 7009 section 2.2).
        for unknown in ("no-such-token", "a.b.c", "x" * 5000):
            answer = await client.revoke_token(metadata["revocation_endpoint"], token=unknown)
            assert answer.status_code == 200, answer.text


async def test_authlib_revokes_a_refresh_token(gw, auth, settings):
    await _user(gw, auth)
    base = settings.public_url
    async with AsyncOAuth2Client("frontend", token_endpoint_auth_method="none") as client:
        token = await client.fetch_token(f"{base}/auth/token", grant_type="password",
                                         username="officer@kominfo.go.id", password=PASSWORD)
        assert token["refresh_token"]
        revoked = await client.revoke_token(f"{base}/auth/revoke", token=token["refresh_token"],
                                            token_type_hint="refresh_token")
        assert revoked.status_code == 200
        again = await client.request("POST", f"{base}/auth/token", withhold_token=True, data={
            "grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
