"""Webhooks against a real local HTTP receiver: signed, retried, in order, redeliverable, restart-safe."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.webhooks.signing import SIGNATURE_HEADER, verify
from gateway.webhooks.worker import WebhookWorker
from smartcity.embedded_pg import port_is_free

W = "/api/v1/webhooks"


class Receiver:
    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.received: list[tuple[dict, bytes, dict]] = []
        self.port = next(p for p in range(18950, 19100) if port_is_free(p))
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.received.append((json.loads(body), body, dict(request.headers)))
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response(status_code=503)
        return Response(status_code=204)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def __aenter__(self) -> "Receiver":
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error"))
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(500):  # uvicorn exposes no start event; poll its flag
            if self.server.started:
                break
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        await self.task


@pytest.fixture
def worker(apps, sessionmakers, ring, settings):
    def make() -> WebhookWorker:
        return WebhookWorker(sessionmakers["gateway"], apps["gateway"].state.upstreams, ring, settings)
    return make


async def _events(gw, auth):
    ok = await gw.post("/api/v1/regions/indicators/kkd/values/bulk", headers={**auth("kemenkeu"),
                       "content-type": "text/csv"}, content="region_code,year,value,source\n21.72,2019,tinggi,PMK\n")
    assert ok.status_code == 200
    rolled_back = await gw.post("/api/v1/regions/indicators/kkd/values/bulk",
                                headers={**auth("kemenkeu"), "content-type": "text/csv"},
                                content="region_code,year,value,source\n99.99,2019,x,PMK\n")
    assert rolled_back.status_code == 422
    head = await gw.post("/api/v1/regions/21.72/heads", headers=auth("kemendagri"), json={
        "head_name": "H. Syahrul", "title": "walikota", "start_date": "2018-09-24"})
    assert head.status_code == 201


async def test_signed_retried_in_order_and_redelivered(gw, auth, worker):
    async with Receiver(fail_first=1) as receiver:
        sub = await gw.post(f"{W}/subscriptions", headers=auth("kemenkeu"), json={
            "url": receiver.url, "event_types": ["indicator_values.loaded", "head_term.created"]})
        assert sub.status_code == 201, sub.text
        secret, sub_id = sub.json()["secret"], sub.json()["id"]
        listed = (await gw.get(f"{W}/subscriptions", headers=auth("kemenkeu"))).json()["items"]
        assert "secret" not in listed[0]
        await _events(gw, auth)
        w = worker()
        assert await w.fan_out_once() >= 2  # events read; the rolled-back upload produced none

        now = datetime.now(UTC)
        assert await w.deliver_once(now) == 1  # first delivery fails (503); the second waits behind it
        assert len(receiver.received) == 1
        assert await w.deliver_once(now) == 0  # backing off
        later = now + timedelta(hours=2)
        assert await w.deliver_once(later) == 1
        assert await w.deliver_once(later) == 1
        types = [r[0]["type"] for r in receiver.received]
        assert types == ["indicator_values.loaded", "indicator_values.loaded", "head_term.created"]
        standard = Webhook(sub.json()["standard_webhooks_secret"])  # a stock Standard Webhooks library
        spec = (await gw.get("/openapi.json")).json()  # each delivery is what the spec's `webhooks` promise
        for payload, body, headers in receiver.received:
            assert verify(secret, headers[SIGNATURE_HEADER.lower()], body)
            assert not verify("another secret", headers[SIGNATURE_HEADER.lower()], body)
            assert headers["x-smartcity-event-id"] == payload["id"] == headers["webhook-id"]
            assert standard.verify(body, dict(headers)) == payload
            described = spec["webhooks"][payload["type"]]["post"]["requestBody"]["content"]["application/json"]
            jsonschema.validate(payload, {**described["schema"], "components": spec["components"]})
            with pytest.raises(WebhookVerificationError):
                standard.verify(body.replace(b"H. Syahrul", b"H. Syahrun") + b" ", dict(headers))
        assert receiver.received[2][0]["data"]["head_name"] == "H. Syahrul"

        page = (await gw.get(f"{W}/subscriptions/{sub_id}/deliveries", headers=auth("kemenkeu"))).json()
        first = page["items"][-1]
        assert first["status"] == "delivered"
        assert [a["status_code"] for a in first["attempts"]] == [503, 204]
        other = await gw.get(f"{W}/subscriptions/{sub_id}/deliveries", headers=auth("bappenas"))
        assert other.status_code == 404

        again = await gw.post(f"{W}/deliveries/{first['id']}/redeliver", headers=auth("kemenkeu"))
        assert again.status_code == 200 and again.json()["status"] == "pending"
        assert await w.deliver_once(later) == 1
        assert receiver.received[-1][0]["id"] == receiver.received[0][0]["id"]  # same id: receivers de-duplicate


async def test_worker_restart_mid_stream_loses_nothing(gw, auth, worker):
    async with Receiver() as receiver:
        await gw.post(f"{W}/subscriptions", headers=auth("kemendagri"), json={
            "url": receiver.url, "event_types": ["head_term.created"]})
        starts = ["2003-01-01", "2008-01-01", "2013-01-01", "2018-01-01"]
        for i, start in enumerate(starts):
            end = f"{int(start[:4]) + 4}-12-31"
            r = await gw.post("/api/v1/regions/16.03/heads", headers=auth("kemendagri"), json={
                "head_name": f"Bupati {i}", "title": "bupati", "start_date": start, "end_date": end})
            assert r.status_code == 201
        first = worker()
        await first.fan_out_once()
        await first.deliver_once()
        await first.http.aclose()  # the first worker stops here
        second = worker()
        await second.fan_out_once()  # nothing is queued twice: the cursor moved with the first batch
        while await second.deliver_once() > 0:
            pass
        names = [r[0]["data"]["head_name"] for r in receiver.received]
        assert names == ["Bupati 0", "Bupati 1", "Bupati 2", "Bupati 3"]


async def test_subscription_input_and_roles(gw, auth):
    bad = await gw.post(f"{W}/subscriptions", headers=auth("kemenkeu"), json={
        "url": "http://127.0.0.1/hook", "event_types": ["everything"]})
    assert bad.status_code == 422
    assert (await gw.post(f"{W}/subscriptions", headers=auth("pemda", region="21.72"), json={
        "url": "http://127.0.0.1/hook", "event_types": ["mou.signed"]})).status_code == 403


INTERNAL_TARGETS = ["http://127.0.0.1:8001/metrics", "http://localhost:5432/", "http://[::1]/", "http://0.0.0.0/",
                    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/", "http://172.16.3.4/",
                    "http://192.168.1.10/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/",
                    "http://2130706433/", "http://0x7f000001/", "http://224.0.0.1/", "http://240.0.0.1/",
                    "http://localhost.localdomain/"]


async def test_webhooks_are_not_a_way_into_the_network(gw, auth, apps, settings, sessionmakers, ring):
    """Subscriptions to internal addresses are refused, and a delivery checks the address again."""
    strict = settings.model_copy(update={"webhook_allow_private": False})
    apps["gateway"].state.settings = strict
    try:
        for target in INTERNAL_TARGETS:
            r = await gw.post(f"{W}/subscriptions", headers=auth("kemenkeu"),
                              json={"url": target, "event_types": ["head_term.created"]})
            assert r.status_code == 422, target
            assert r.json()["errors"][0]["loc"] == ["body", "url"], target
    finally:
        apps["gateway"].state.settings = settings
    # Allowed while subscribing (development setting), then the delivery's own check refuses it.
    sub = await gw.post(f"{W}/subscriptions", headers=auth("kemendagri"),
                        json={"url": "http://127.0.0.1:9/hook", "event_types": ["head_term.created"]})
    assert sub.status_code == 201
    await _events(gw, auth)
    worker = WebhookWorker(sessionmakers["gateway"], apps["gateway"].state.upstreams, ring, strict)
    await worker.fan_out_once()
    await worker.deliver_once()
    deliveries = (await gw.get(f"{W}/subscriptions/{sub.json()['id']}/deliveries",
                               headers=auth("kemendagri"))).json()["items"]
    assert deliveries[-1]["attempts"][0]["error"] == "refused: not a public address"


async def test_delivery_errors_do_not_tell_closed_ports_apart(gw, auth, worker):
    subs = []
    for port in (9, 1):  # nothing listens on either
        r = await gw.post(f"{W}/subscriptions", headers=auth("kemendagri"),
                          json={"url": f"http://127.0.0.1:{port}/hook", "event_types": ["head_term.created"]})
        subs.append(r.json()["id"])
    await _events(gw, auth)
    w = worker()
    await w.fan_out_once()
    await w.deliver_once()
    errors = set()
    for sub_id in subs:
        items = (await gw.get(f"{W}/subscriptions/{sub_id}/deliveries", headers=auth("kemendagri"))).json()["items"]
        errors |= {a["error"] for d in items for a in d["attempts"]}
    assert errors == {"unreachable"}


async def test_secrets_are_sealed_at_rest(gw, auth, db):
    from sqlalchemy import text

    made = await gw.post(f"{W}/subscriptions", headers=auth("kemenkeu"),
                         json={"url": "http://127.0.0.1:9/hook", "event_types": ["head_term.created"]})
    secret = made.json()["secret"]
    stored = (await db["gateway"].execute(text("SELECT secret FROM auth.webhook_subscription WHERE id = :i"),
                                 {"i": made.json()["id"]})).scalar_one()
    assert secret not in stored and stored.startswith("gAAAA")
