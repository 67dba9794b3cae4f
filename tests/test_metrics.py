"""Prometheus metrics on every process: requests by route template and status, pool, outbox."""


async def test_metrics_count_requests_by_route_template(gw, direct):
    await gw.get("/api/v1/regions/21.72")
    await gw.get("/api/v1/regions/99.99")
    async with direct("regions") as regions:
        await regions.get("/api/v1/regions/16.03")
        text = (await regions.get("/metrics")).text
    assert 'smartcity_http_requests_total{method="GET",route="/api/v1/regions/{code}",service="regions",' \
           'status="200"}' in text
    assert 'route="/api/v1/regions/{code}",service="regions",status="404"' in text
    assert "smartcity_outbox_last_event_id" in text
    gateway = (await gw.get("/metrics")).text
    assert 'smartcity_upstream_duration_seconds_count{status="200",upstream="regions"}' in gateway
    assert "smartcity_webhook_delivery_failures_total" in gateway
