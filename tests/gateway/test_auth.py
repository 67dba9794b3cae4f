"""Tokens: every grant, refresh rotation and revocation, disabled accounts, the admin API."""

import asyncio
import base64

import pytest

ADMIN = "/api/v1/admin"
PASSWORD = "correct horse battery staple"


async def _user(gw, auth, **over):
    body = {"username": "officer@kominfo.go.id", "full_name": "Officer", "password": PASSWORD,
            "organisation": "Kominfo", "roles": ["kominfo_officer"], **over}
    r = await gw.post(f"{ADMIN}/users", json=body, headers=auth("kominfo_admin"))
    assert r.status_code == 201, r.text
    return r


async def _password_login(gw, username="officer@kominfo.go.id", password=PASSWORD):
    return await gw.post("/auth/token", data={"grant_type": "password", "username": username, "password": password})


async def test_password_grant_and_me(gw, auth):
    await _user(gw, auth, roles=["pemda"], region_code="21.72", username="tpi@tanjungpinangkota.go.id")
    r = await _password_login(gw, "tpi@tanjungpinangkota.go.id")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["refresh_token"]
    assert 60 <= body["expires_in"] <= 3600  # minutes, not days
    me = await gw.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["region_code"] == "21.72" and me.json()["roles"] == ["pemda"]


async def test_wrong_password_is_refused_like_an_unknown_user(gw, auth):
    await _user(gw, auth)
    wrong = await _password_login(gw, password="not the password!")
    unknown = await _password_login(gw, username="nobody@x.go.id")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json()["error"] == unknown.json()["error"] == "invalid_grant"
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_client_credentials_in_form_and_basic(gw, auth):
    created = await gw.post(f"{ADMIN}/clients", json={"client_id": "kemenkeu-djpk", "name": "DJPK feed",
                                                      "organisation": "Kemenkeu", "roles": ["kemenkeu"]},
                            headers=auth("kominfo_admin"))
    assert created.status_code == 201
    secret = created.json()["client_secret"]
    form = await gw.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "kemenkeu-djpk",
                                              "client_secret": secret})
    assert form.status_code == 200 and "refresh_token" not in form.json()
    basic = base64.b64encode(f"kemenkeu-djpk:{secret}".encode()).decode()
    r = await gw.post("/auth/token", data={"grant_type": "client_credentials"},
                      headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200
    me = await gw.get("/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["roles"] == ["kemenkeu"] and me.json()["sub"] == "client:kemenkeu-djpk"
    bad = await gw.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "kemenkeu-djpk",
                                             "client_secret": "guess"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    listed = await gw.get(f"{ADMIN}/clients", headers=auth("kominfo_admin"))
    assert "client_secret" not in listed.json()["items"][0]


async def test_refresh_rotates_and_reuse_revokes_the_family(gw, auth):
    await _user(gw, auth)
    first = (await _password_login(gw)).json()
    second = await gw.post("/auth/token", data={"grant_type": "refresh_token",
                                                "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reuse = await gw.post("/auth/token", data={"grant_type": "refresh_token",
                                               "refresh_token": first["refresh_token"]})
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The stolen-token alarm ended the whole family, the newest link included.
    newest = await gw.post("/auth/token", data={"grant_type": "refresh_token",
                                                "refresh_token": second.json()["refresh_token"]})
    assert newest.status_code == 400


async def test_revocation(gw, auth):
    await _user(gw, auth)
    tokens = (await _password_login(gw)).json()
    assert (await gw.post("/auth/revoke", data={"token": tokens["refresh_token"]})).status_code == 200
    r = await gw.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert r.status_code == 400


async def test_disabled_user_gets_no_new_tokens_and_cannot_refresh(gw, auth):
    created = await _user(gw, auth)
    tokens = (await _password_login(gw)).json()
    user_url = f"{ADMIN}/users/{created.json()['id']}"
    r = await gw.patch(user_url, json={"disabled": True},
                       headers={**auth("kominfo_admin"), "If-Match": created.headers["etag"]})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await _password_login(gw)).status_code == 400
    refresh = await gw.post("/auth/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 400


async def test_re_role_applies_to_the_next_token(gw, auth):
    created = await _user(gw, auth)
    r = await gw.patch(f"{ADMIN}/users/{created.json()['id']}", json={"roles": ["bappenas"]},
                       headers={**auth("kominfo_admin"), "If-Match": created.headers["etag"]})
    assert r.status_code == 200
    token = (await _password_login(gw)).json()
    assert token["scope"] == "bappenas"


async def test_pemda_account_needs_a_region(gw, auth):
    r = await gw.post(f"{ADMIN}/users", headers=auth("kominfo_admin"), json={
        "username": "x@y.go.id", "full_name": "X", "password": PASSWORD, "organisation": "Pemda",
        "roles": ["pemda"]})
    assert r.status_code == 422


@pytest.mark.parametrize("role", ["kominfo_officer", "kemendagri", "pemda", "assessor"])
async def test_only_admin_manages_accounts(gw, auth, role):
    r = await gw.get(f"{ADMIN}/users", headers=auth(role, region="21.72"))
    assert r.status_code == 403


async def test_duplicate_username_is_409(gw, auth):
    await _user(gw, auth)
    r = await gw.post(f"{ADMIN}/users", headers=auth("kominfo_admin"), json={
        "username": "officer@kominfo.go.id", "full_name": "Officer", "password": PASSWORD,
        "organisation": "Kominfo", "roles": ["kominfo_officer"]})
    assert r.status_code == 409


async def test_unknown_grant_and_missing_fields(gw):
    for grant in ("implicit", "authorization_code"):
        r = await gw.post("/auth/token", data={"grant_type": grant})
        assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type", r.text
    missing = await gw.post("/auth/token", data={})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    r = await gw.post("/auth/token", data={"grant_type": "password", "username": "a"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


async def test_discovery_documents_name_every_endpoint(gw):
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        r = await gw.get(path)
        meta = r.json()
        assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
        assert meta["token_endpoint"].endswith("/auth/token") and meta["jwks_uri"].endswith("/.well-known/jwks.json")
        assert meta["introspection_endpoint"].endswith("/auth/introspect")
        assert meta["grant_types_supported"] == ["password", "client_credentials", "refresh_token"]
    assert (await gw.get("/.well-known/jwks.json")).headers["cache-control"] == "public, max-age=300"


async def test_introspection_for_registered_clients(gw, auth):
    created = await gw.post(f"{ADMIN}/clients", json={"client_id": "bappenas-krisna", "name": "KRISNA",
                                                      "organisation": "Bappenas", "roles": ["bappenas"]},
                            headers=auth("kominfo_admin"))
    basic = {"Authorization": "Basic " + base64.b64encode(
        f"bappenas-krisna:{created.json()['client_secret']}".encode()).decode()}
    token = auth("pemda", region="21.72")["Authorization"].split()[1]
    active = await gw.post("/auth/introspect", data={"token": token}, headers=basic)
    assert active.status_code == 200
    body = active.json()
    assert body["active"] is True and body["roles"] == ["pemda"] and body["region"] == "21.72"
    assert body["token_type"] == "Bearer" and body["exp"] > body["iat"]
    for junk in ("not-a-token", token[:-3] + "abc"):
        assert (await gw.post("/auth/introspect", data={"token": junk}, headers=basic)).json() == {"active": False}
    nobody = await gw.post("/auth/introspect", data={"token": token})
    assert nobody.status_code == 401 and nobody.json()["error"] == "invalid_client"


async def test_jwks_publishes_public_keys_only(gw, ring):
    keys = (await gw.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"] for k in keys] == [k.kid for k in ring.keys]
    assert all("d" not in k and k["alg"] == "ES256" for k in keys)


async def test_password_guessing_backs_off_and_locks_out(gw, auth):
    """Five wrong guesses for one username, then every further guess waits longer: the right one too."""
    await _user(gw, auth)
    for _ in range(5):
        assert (await _password_login(gw, password="a wrong guess!")).status_code == 400
    locked = await _password_login(gw)  # even the right password waits out the lock
    assert locked.status_code == 429 and locked.json()["error"] == "temporarily_unavailable"
    assert int(locked.headers["retry-after"]) >= 1
    await asyncio.sleep(int(locked.headers["retry-after"]))
    assert (await _password_login(gw, password="a wrong guess!")).status_code == 400
    longer = await _password_login(gw)
    assert longer.status_code == 429 and int(longer.headers["retry-after"]) >= 2  # 2^1 s after the sixth
    trail = (await gw.get("/api/v1/admin/audit", params={"entity": "login"}, headers=auth("kominfo_admin"))).json()
    assert [e["entity_id"] for e in trail["items"] if e["action"] == "login.locked"][:1] == [
        "user:officer@kominfo.go.id"]
    await asyncio.sleep(int(longer.headers["retry-after"]))
    assert (await _password_login(gw)).status_code == 200  # the right one, once the wait is over


async def test_outstanding_tokens_stop_working_when_the_account_changes(gw, auth, apps, direct):
    """Disabling a user or a client refuses its access tokens at once, not when they expire."""
    created = await _user(gw, auth)
    token = (await _password_login(gw)).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await gw.get("/auth/me", headers=bearer)).status_code == 200
    assert (await gw.get("/api/v1/assessment/rounds", headers=bearer)).status_code == 200
    r = await gw.patch(f"{ADMIN}/users/{created.json()['id']}", json={"disabled": True},
                       headers={**auth("kominfo_admin"), "If-Match": created.headers["etag"]})
    assert r.status_code == 200
    for url in ("/auth/me", "/api/v1/assessment/rounds"):
        refused = await gw.get(url, headers=bearer)
        assert refused.status_code == 401 and "dicabut" in refused.json()["detail"], url
    # A service behind the gateway learns it from the gateway's list (its watcher does this every second).
    from services.common.revocations import refresh

    async with direct("assessment") as service:
        assert (await service.get("/api/v1/assessment/rounds", headers=bearer)).status_code == 200
        await refresh(apps["assessment"])
        refused = await service.get("/api/v1/assessment/rounds", headers=bearer)
        assert refused.status_code == 401 and "dicabut" in refused.json()["detail"]
    apps["assessment"].state.verifier.revoked_digests = {}

    admin = auth("kominfo_admin")
    client = await gw.post(f"{ADMIN}/clients", headers=admin, json={
        "client_id": "kemenkeu-djpk", "name": "DJPK", "organisation": "Kemenkeu", "roles": ["kemenkeu"]})
    issued = await gw.post("/auth/token", data={"grant_type": "client_credentials", "client_id": "kemenkeu-djpk",
                                                "client_secret": client.json()["client_secret"]})
    partner = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert (await gw.get("/api/v1/regions/21.72/indicators", headers=partner)).status_code == 200
    await gw.patch(f"{ADMIN}/clients/{client.json()['id']}", json={"disabled": True},
                   headers={**admin, "If-Match": client.headers["etag"]})
    assert (await gw.get("/api/v1/regions/21.72/indicators", headers=partner)).status_code == 401


async def test_user_search_matches_the_text_as_typed(gw, auth):
    admin = auth("kominfo_admin")
    await _user(gw, auth)
    users = "/api/v1/admin/users"
    everyone = (await gw.get(users, headers=admin)).json()["total"]
    assert everyone >= 1
    for wildcard in ("%", "_", "%%", "_%_"):  # LIKE's wildcards are letters to a search box
        found = (await gw.get(users, headers=admin, params={"q": wildcard})).json()
        assert found["total"] == 0, (wildcard, found["items"])


async def test_one_persons_typos_never_lock_out_the_office_but_spraying_does(gw, auth):
    """Behind one NAT: a colleague guessing one account locks that account only; guessing across ten accounts
    locks the address."""
    await _user(gw, auth)
    await _user(gw, auth, username="colleague@kominfo.go.id", full_name="Colleague")
    for _ in range(30):  # the same address, one account
        assert (await _password_login(gw, password="a wrong guess!")).status_code in (400, 429)
    assert (await _password_login(gw)).status_code == 429  # that account waits
    assert (await _password_login(gw, username="colleague@kominfo.go.id")).status_code == 200  # the office does not
    for n in range(9):  # now across nine more accounts from the same address: ten in all
        r = await _password_login(gw, username=f"someone-{n}@kominfo.go.id", password="a wrong guess!")
        assert r.status_code == 400
    sprayed = await _password_login(gw, username="colleague@kominfo.go.id")
    assert sprayed.status_code == 429 and int(sprayed.headers["retry-after"]) >= 1
    trail = (await gw.get("/api/v1/admin/audit", params={"entity": "login"}, headers=auth("kominfo_admin"))).json()
    assert any(e["entity_id"].startswith("ip:") for e in trail["items"] if e["action"] == "login.locked")
