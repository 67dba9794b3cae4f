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
    assert 'route="/api/v1/regions/{path}",service="gateway",status="200"' in gateway  # proxied, by service
    assert "process_resident_memory_bytes" in gateway and "python_gc_collections_total" in gateway


async def test_metrics_are_for_the_scraper_only(apps, settings):
    """From this machine without a key (development), else only with the scraper's key."""
    import httpx

    regions = apps["regions"]
    elsewhere = httpx.ASGITransport(app=regions, client=("10.20.30.40", 50000))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://regions") as outsider:
        assert (await outsider.get("/metrics")).status_code == 403
        key = "k" * 40
        regions.state.settings = settings.model_copy(update={"metrics_key": key})
        try:
            assert (await outsider.get("/metrics")).status_code == 401
            assert (await outsider.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
            scraped = await outsider.get("/metrics", headers={"Authorization": f"Bearer {key}"})
            assert scraped.status_code == 200 and "smartcity_http_requests_total" in scraped.text
        finally:
            regions.state.settings = settings


async def _raising(apps, direct, error: Exception, request_id: str):
    """What a caller gets from a regions route that raises `error`."""
    regions = apps["regions"]

    async def broken() -> None:
        raise error

    regions.router.add_api_route("/test-broken", broken)
    try:
        async with direct("regions") as client:
            return await client.get("/test-broken", headers={"X-Request-ID": request_id})
    finally:
        regions.router.routes.pop()


async def test_an_unexpected_error_is_one_500_problem_logged_once_with_the_request_id(apps, direct, caplog):
    r = await _raising(apps, direct, RuntimeError("a bug"), "boom-1")
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/internal") and "boom-1" in r.json()["detail"]
    assert r.headers["x-request-id"] == "boom-1"
    logged = [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert len(logged) == 1 and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])


async def test_an_os_error_that_is_not_the_databases_is_a_logged_500_not_an_outage(apps, direct, caplog):
    r = await _raising(apps, direct, FileNotFoundError("a template the renderer wanted"), "os-1")
    assert r.status_code == 500 and r.json()["type"].endswith("/internal") and "os-1" in r.json()["detail"]
    logged = [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert len(logged) == 1 and isinstance(logged[0].exc_info[1], FileNotFoundError)
