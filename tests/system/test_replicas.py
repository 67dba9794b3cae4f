"""Two replicas behave as one: event consumers apply each event once, and the rate limit is shared."""

import asyncio
import os

import httpx

from gateway.keys import access_claims, ensure_dev_keys
from scenarios.masterplans import PLAN, PROGRAMMES, SIGNATORIES
from scenarios.rounds import publish_round
from services.common.settings import Settings
from smartcity import migrate
from smartcity.seed import seed
from tests.kit import free_ports, fresh_database, serve, wait_ready


async def test_two_replicas_of_masterplan_and_gateway(pg_server, tmp_path):
    url = await fresh_database(pg_server, "smartcity_replicas")
    await asyncio.to_thread(migrate.upgrade, url)
    await seed(url, progress=lambda _: None)
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
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)
