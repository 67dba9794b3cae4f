"""Hot reads answer the plain request exactly as their route would, and leave everything else to the route."""

import pytest
from fastapi.routing import APIRoute

from scenarios.masterplans import PLAN, PROGRAMMES, SIGNATORIES, TPI
from scenarios.rounds import publish_round
from services.common.hot import HotRead, HotReads
from tests.kit import refused

R, A, M = "/api/v1/regions", "/api/v1/assessment", "/api/v1/masterplan"
HOT = {"region by code": ("regions", "regions_get", f"{R}/21.72"),
       "region search": ("regions", "regions_list", f"{R}?q=tanjung&limit=20"),
       "round results": ("assessment", "assessment_results_get", f"{A}/rounds/{{round}}/results"),
       "masterplan roadmap": ("masterplan", "masterplan_roadmap_get", f"{M}/masterplans/{{plan}}/roadmap")}


@pytest.fixture
async def world(gw, auth):
    """A published round and a masterplan with programmes, as the load bench reads them."""
    rid = await publish_round(gw, auth, year=2019, selected=[TPI, "21.71"], others=["16.03"])
    officer, pemda = auth("kominfo_officer"), auth("pemda", region=TPI)
    assert (await gw.post(f"{M}/mous", headers=officer, json={
        "region_code": TPI, "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
        "document_ref": "NK/2019/TPI"})).status_code == 201
    plan = await gw.post(f"{M}/masterplans", json=PLAN, headers=pemda)
    etag = plan.headers["etag"]
    for p in PROGRAMMES:
        etag = (await gw.post(f"{M}/masterplans/{plan.json()['id']}/programmes", json=p,
                              headers={**pemda, "If-Match": etag})).headers["etag"]
    return {"round": rid, "plan": plan.json()["id"]}


def route_of(app, operation_id: str) -> APIRoute:
    return next(r for r in app.router.routes if isinstance(r, APIRoute) and r.operation_id == operation_id)


@pytest.fixture
def full_way(apps, monkeypatch):
    """How many requests each operation's endpoint answered (the hot reader answers without it)."""
    calls: dict[str, int] = {}

    def count(name: str, operation_id: str) -> None:
        dependant = route_of(apps[name], operation_id).dependant
        endpoint = dependant.call

        async def counted(**values):
            calls[operation_id] = calls.get(operation_id, 0) + 1
            return await endpoint(**values)

        monkeypatch.setattr(dependant, "call", counted)

    for name, operation_id, _ in HOT.values():
        count(name, operation_id)
    return calls


KEPT = ("content-type", "content-length", "etag", "cache-control", "content-encoding")


@pytest.mark.parametrize("name", HOT)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
async def test_a_hot_read_answers_as_its_route_would(gw, auth, world, full_way, name, encoding):
    service, operation_id, path = HOT[name]
    path = path.format(**world)
    headers = {**auth("kominfo_officer"), "Accept-Encoding": encoding}
    plain, other = path, path + ("&" if "?" in path else "?") + "utm=1"
    hot = await gw.get(plain, headers=headers)
    assert full_way.get(operation_id, 0) == 0, "the plain request went the full way"
    # A query parameter the operation does not read changes nothing for the route, and sends it the full way.
    full = await gw.get(other, headers=headers)
    assert full_way[operation_id] == 1
    assert hot.status_code == full.status_code == 200
    assert hot.content == full.content
    assert {k: hot.headers.get(k) for k in KEPT} == {k: full.headers.get(k) for k in KEPT}
    assert hot.headers["x-request-id"] != full.headers["x-request-id"]
    assert sorted(k for k in hot.headers if k not in ("x-request-id",)) == \
        sorted(k for k in full.headers if k not in ("x-request-id",)), "the same headers, by name"
    revalidated = await gw.get(path, headers={**headers, "If-None-Match": hot.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    head, full_head = await gw.head(plain, headers=headers), await gw.head(other, headers=headers)
    assert head.status_code == 200 and head.content == b""
    assert {k: head.headers.get(k) for k in KEPT} == {k: full_head.headers.get(k) for k in KEPT}


async def test_a_hot_read_refuses_as_its_route_does(gw, auth, world):
    results, roadmap = f"{A}/rounds/{world['round']}/results", f"{M}/masterplans/{world['plan']}/roadmap"
    refused(await gw.get(results), 401, "unauthorized")
    refused(await gw.get(results, headers=auth("pemda", region=TPI)), 403, "forbidden")
    refused(await gw.get(results, headers=auth("kominfo_officer", exp=1_000_000_000)), 401, "unauthorized")
    other = refused(await gw.get(roadmap, headers=auth("pemda", region="16.03")), 404, "not-found")
    missing = refused(await gw.get(f"{M}/masterplans/{world['plan'] + 1}/roadmap",
                                   headers=auth("pemda", region="16.03")), 404, "not-found")
    assert other["detail"].replace(str(world["plan"]), "N") == missing["detail"].replace(str(world["plan"] + 1), "N")
    assert (await gw.get(roadmap, headers=auth("pemda", region=TPI))).status_code == 200
    refused(await gw.get(f"{A}/rounds/0/results", headers=auth("kominfo_officer")), 422, "validation")
    refused(await gw.get(f"{R}?q=!!"), 422, "validation")
    refused(await gw.get(f"{R}?q=tanjung&limit=201"), 422, "validation")
    refused(await gw.get(f"{R}/99.99"), 404, "not-found")


async def test_what_a_hot_reader_leaves_goes_the_full_way(gw, auth, world, full_way):
    former = (await gw.get(f"{R}/92.71")).json()  # a former code: resolved by the route
    assert former["code"] == "96.71" and former["resolved_from"] == "92.71"
    by_code = (await gw.get(f"{R}", params={"q": "21.72"})).json()  # a code as search text
    assert [i["code"] for i in by_code["items"]] == ["21.72"]
    past = (await gw.get(f"{R}", params={"q": "tanjung", "offset": 100_000})).json()  # past the last match
    assert past["items"] == [] and past["total"] > 0
    assert full_way == {"regions_get": 1, "regions_list": 2}


def test_a_hot_reader_must_stand_for_every_dependency_of_its_route(apps):
    app = apps["masterplan"]

    async def read(request, principal):
        return None

    with pytest.raises(TypeError, match="does not stand for"):
        HotReads(app.router, app.router.routes, [HotRead("masterplan_roadmap_get", read, stands_for=())])
