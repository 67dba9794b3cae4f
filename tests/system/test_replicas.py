"""Two replicas behave as one: event consumers apply each event once, the rate limit is shared, and a key
rotation holds on both."""

import asyncio
import os
import subprocess

import httpx
from jose import jwt

from gateway.keys import KeyRing, access_claims, ensure_dev_keys
from scenarios.masterplans import PLAN, PROGRAMMES, SIGNATORIES
from scenarios.rounds import publish_round
from services.common.settings import Settings
from tests.kit import ROOT, free_ports, seeded_database, serve, smartcity_command, wait_ready


async def _rotation_holds_on_both_replicas(env, settings, auth, gateways, pid) -> None:
    """`smartcity rotate-keys` twice while both gateways run: within seconds, and with no restart, both sign only
    with the newest key, and a token of the retired key (verified, so cached, before) authenticates nowhere."""
    old_admin, old_pemda = auth("kominfo_admin"), auth("pemda", "21.72")
    bases = [f"http://127.0.0.1:{port}" for port in gateways]
    async with httpx.AsyncClient(timeout=30) as client:
        for base in bases:
            assert (await client.get(f"{base}/api/v1/admin/users", headers=old_admin)).status_code == 200
            assert (await client.get(f"{base}/api/v1/masterplan/masterplans/{pid}", headers=old_pemda)
                    ).status_code == 200
        for _ in range(2):  # the second rotation retires the key the old tokens were signed with
            await asyncio.to_thread(subprocess.run, smartcity_command("rotate-keys"), env=env, cwd=ROOT, check=True,
                                    capture_output=True)
        rotated = KeyRing.load(settings)
        new_admin = {"Authorization": "Bearer " + rotated.sign(access_claims(
            settings, sub="replica:rotated-admin", roles=["kominfo_admin"], organisation="test"))}
        deadline = asyncio.get_running_loop().time() + 10
        while asyncio.get_running_loop().time() < deadline:
            codes = [(await client.get(f"{base}/api/v1/admin/users", headers=old_admin)).status_code
                     for base in bases]
            if codes == [401, 401]:
                break
            await asyncio.sleep(0.2)
        for base in bases:  # the gateway's own routes, and a service behind it
            assert (await client.get(f"{base}/api/v1/admin/users", headers=old_admin)).status_code == 401
            assert (await client.get(f"{base}/api/v1/masterplan/masterplans/{pid}", headers=old_pemda)
                    ).status_code == 401
            assert (await client.get(f"{base}/api/v1/admin/users", headers=new_admin)).status_code == 200
        made = await client.post(f"{bases[0]}/api/v1/admin/clients", headers=new_admin, json={
            "client_id": "bappenas-rotation", "name": "KRISNA", "organisation": "Bappenas", "roles": ["bappenas"]})
        secret = made.json()["client_secret"]
        for base in bases:  # what each replica issues now is signed with the newest key
            token = (await client.post(f"{base}/auth/token", data={
                "grant_type": "client_credentials", "client_id": "bappenas-rotation", "client_secret": secret})
                     ).json()["access_token"]
            assert jwt.get_unverified_header(token)["kid"] == rotated.current.kid
        jwks = (await client.get(f"{bases[1]}/.well-known/jwks.json")).json()["keys"]
        assert any("retired_at" in k for k in jwks)  # the retired key stays published for documents


async def test_two_replicas_of_masterplan_and_gateway(pg_server, tmp_path):
    url = await asyncio.to_thread(seeded_database, pg_server, "smartcity_replicas")
    regions, assessment, mp_a, mp_b, gw_a, gw_b = free_ports(6, start=18700)
    settings = Settings(data_dir=tmp_path)
    ring = ensure_dev_keys(settings)
    env = {**os.environ, "DATABASE_URL": url, "SMARTCITY_DATA_DIR": str(tmp_path), "SMARTCITY_LOG_LEVEL": "WARNING",
           "SMARTCITY_REGIONS_PORT": str(regions), "SMARTCITY_ASSESSMENT_PORT": str(assessment),
           "SMARTCITY_MASTERPLAN_PORT": str(mp_a), "SMARTCITY_EVENT_POLL_SECONDS": "0.2",
           "SMARTCITY_RATE_LIMIT_PER_MINUTE": "1000000"}
    procs = [serve("regions", regions, env), serve("assessment", assessment, env),
             serve("masterplan", mp_a, env), serve("masterplan", mp_b, env),
             serve("gateway", gw_a, env), serve("gateway", gw_b, env)]
    try:
        for port in (regions, assessment, mp_a, mp_b, gw_a, gw_b):
            await asyncio.to_thread(wait_ready, port)

        def auth(role, region=None, sub=None):
            claims = access_claims(settings, sub=sub or f"replica:{role}:{region}", roles=[role],
                                   organisation="test", region_code=region)
            return {"Authorization": f"Bearer {ring.sign(claims)}"}

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw_a}", timeout=30) as gw:
            await publish_round(gw, auth, year=2019, selected=["21.72"])
            officer, pemda = auth("kominfo_officer"), auth("pemda", "21.72")
            await gw.post("/api/v1/masterplan/mous", headers=officer, json={
                "region_code": "21.72", "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
                "document_ref": "NK/2019/TPI"})
            plan = await gw.post("/api/v1/masterplan/masterplans", json=PLAN, headers=pemda)
            pid = plan.json()["id"]
            await gw.post(f"/api/v1/masterplan/masterplans/{pid}/programmes", json=PROGRAMMES[0],
                          headers={**pemda, "If-Match": plan.headers["etag"]})
            for step in ({"to": "submitted"}, {"to": "in_review"}, {"to": "approved", "legal_basis": {
                    "kind": "perwali", "number": "45/2019", "date": "2019-11-15"}}):
                r = await gw.post(f"/api/v1/masterplan/masterplans/{pid}/transitions", json=step,
                                  headers=pemda if step["to"] == "submitted" else officer)
                assert r.status_code == 200, r.text
            head = await gw.post("/api/v1/regions/21.72/heads", headers=auth("kemendagri"), json={
                "head_name": "Hj. Rahma", "title": "walikota", "start_date": "2020-02-01"})
            assert head.status_code == 201
            await asyncio.sleep(2.0)  # both replicas poll the registry's feed every 0.2 s
            feed = (await gw.get("/api/v1/masterplan/events", params={"type": "masterplan.flagged"},
                                 headers=officer)).json()["items"]
            assert len(feed) == 1, feed  # applied once, not once per replica
            assert (await gw.get(f"/api/v1/masterplan/masterplans/{pid}", headers=pemda)).json()[
                "needs_reconfirmation"] is True
            await _rotation_holds_on_both_replicas(env, settings, auth, [gw_a, gw_b], pid)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
