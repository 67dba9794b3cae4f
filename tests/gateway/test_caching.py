"""Conditional reads and the gateway's shared cache: ETag, If-None-Match -> 304, HEAD, Cache-Control."""

from scenarios.rounds import publish_round
from tests.kit import closed_port, upstream_at


async def test_every_read_has_an_etag_and_a_revalidation_is_304(gw, direct, auth):
    bappenas = auth("bappenas")
    first = await gw.get("/api/v1/regions/21.72/heads", headers=bappenas)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag.startswith('"')
    again = await gw.get("/api/v1/regions/21.72/heads", headers={**bappenas, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await gw.get("/api/v1/regions/21.72/heads", headers={**bappenas, "If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.json() == first.json()
    await gw.post("/api/v1/regions/21.72/heads", headers=auth("kemendagri"), json={
        "head_name": "H. Syahrul", "title": "walikota", "start_date": "2018-09-24"})
    changed = await gw.get("/api/v1/regions/21.72/heads", headers={**bappenas, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["total"] == 1  # a change is never hidden
    async with direct("regions") as client:  # the service itself answers the same way
        assert (await client.get("/api/v1/regions/21.72/heads",
                                 headers={"If-None-Match": changed.headers["etag"]})).status_code == 304


async def test_head_is_answered_wherever_get_is(gw, auth):
    get = await gw.get("/api/v1/regions/21.72", headers=auth("bappenas"))
    head = await gw.head("/api/v1/regions/21.72", headers=auth("bappenas"))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    own = await gw.head("/api/v1/admin/users", headers=auth("kominfo_admin"))
    assert own.status_code == 200 and own.content == b""


async def test_published_results_are_public_and_kept_by_the_gateway(apps, gw, auth):
    rid = await publish_round(gw, auth, year=2019, selected=["21.72"], others=["16.03"])
    url = f"/api/v1/assessment/public/rounds/{rid}/results"
    first = await gw.get(url)
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    # From now on the gateway answers without asking the service: take the service away to show it.
    with upstream_at(apps["gateway"], "assessment", closed_port()):
        again = await gw.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag and "age" in again.headers
        full = await gw.get(url)
        assert full.status_code == 200 and full.json() == first.json()
        signed_in = await gw.get(url, headers=auth("bappenas"))
        assert signed_in.headers["cache-control"] == "public, max-age=60"
        fresh = await gw.get(url, headers={"Cache-Control": "no-cache"})  # the caller asks past the cache
        assert fresh.status_code == 503
    private = await gw.get(f"/api/v1/assessment/rounds/{rid}/results", headers=auth("kominfo_officer"))
    assert private.headers["cache-control"] == "no-store"


async def test_large_answers_are_compressed_and_still_revalidate(gw, auth):
    headers = {**auth("bappenas"), "Accept-Encoding": "gzip"}
    page = await gw.get("/api/v1/regions", params={"level": "regency", "limit": 200}, headers=headers)
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert len(page.json()["items"]) == 200 and int(page.headers["content-length"]) < len(page.content) / 3
    etag = page.headers["etag"]
    assert etag.startswith('W/"')  # shared with the plain answer, so weak
    again = await gw.get("/api/v1/regions", params={"level": "regency", "limit": 200},
                         headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    plain = await gw.get("/api/v1/regions", params={"level": "regency", "limit": 200},
                         headers={**auth("bappenas"), "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == page.json()


async def test_the_inputs_of_a_published_result_are_public_and_cacheable(gw, auth):
    rid = await publish_round(gw, auth, year=2019, selected=["21.72"], others=["16.03"])
    inputs = await gw.get(f"/api/v1/assessment/public/rounds/{rid}/inputs")
    assert inputs.status_code == 200 and inputs.headers["cache-control"] == "public, max-age=300"
    assert inputs.json()["candidates"][0][0] in ("21.72", "16.03") and inputs.headers["etag"]


async def test_labels_are_gathered_once_per_language(apps, gw):
    first = await gw.get("/api/v1/labels", params={"lang": "en"})
    assert first.status_code == 200 and first.json()["labels"]["round_state"]["published"] == "Published"
    with upstream_at(apps["gateway"], "assessment", closed_port()):  # kept: the service is not asked again
        again = await gw.get("/api/v1/labels", params={"lang": "en"})
        assert again.json() == first.json()
        indonesian = await gw.get("/api/v1/labels", params={"lang": "id"})  # not kept yet: it needs the service
        assert indonesian.status_code == 503
