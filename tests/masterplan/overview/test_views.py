"""The dossier and the funnel, composed by the masterplan service from every service."""

from fastapi import FastAPI

from scenarios.masterplans import PLAN, SIGNATORIES
from scenarios.rounds import publish_round
from tests.kit import closed_port, upstream_at

M = "/api/v1/masterplan"


async def test_dossier_of_a_region_with_history(gw, auth):
    await publish_round(gw, auth, year=2019, selected=["21.72"])
    await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=auth("kemendagri"),
                  json=[{"region_code": "21.72", "year": 2019, "value": 209280, "source": "Dukcapil 2019"}])
    await gw.post(f"{M}/mous", headers=auth("kominfo_officer"), json={
        "region_code": "21.72", "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
        "document_ref": "NK/2019/TPI"})
    r = await gw.get("/api/v1/masterplan/regions/21.72/dossier", headers=auth("bappenas"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["missing"] == []
    assert body["region"]["name"] == "Kota Tanjung Pinang"
    assert {(v["year"], v["value"]) for v in body["indicators"]} == {(2019, "209280"), (2024, "239216")}
    assert body["assessment"][0]["selected"] is True
    assert body["masterplan"]["mous"][0]["document_ref"] == "NK/2019/TPI"
    own = await gw.get("/api/v1/masterplan/regions/21.72/dossier", headers=auth("pemda", region="21.72"))
    assert own.status_code == 200
    other = await gw.get("/api/v1/masterplan/regions/16.03/dossier", headers=auth("pemda", region="21.72"))
    assert other.status_code == 404
    unknown = await gw.get("/api/v1/masterplan/regions/99.99/dossier", headers=auth("bappenas"))
    assert unknown.status_code == 404 and unknown.json()["detail"] == "Daerah 99.99 tidak ada dalam registri"


async def test_dossier_names_a_service_that_is_down(gw, auth, apps):
    with upstream_at(apps["masterplan"], "assessment", closed_port()):
        r = await gw.get("/api/v1/masterplan/regions/21.72/dossier", headers=auth("kominfo_officer"))
    assert r.status_code == 200
    body = r.json()
    assert body["region"]["code"] == "21.72"
    assert [m["part"] for m in body["missing"]] == ["assessment"]
    assert "not reachable" in body["missing"][0]["reason"]
    assert body["assessment"] is None and body["masterplan"]["mous"] == []


async def test_dossier_names_a_service_that_is_slow(gw, auth, apps, settings, serve_app):
    import asyncio

    slow = FastAPI()

    @slow.get("/{path:path}")
    async def hang(path: str) -> dict:
        await asyncio.sleep(30)
        return {}

    settings.dossier_part_timeout, before = 0.3, settings.dossier_part_timeout
    try:
        with upstream_at(apps["masterplan"], "assessment", await serve_app(slow)):
            r = await gw.get("/api/v1/masterplan/regions/21.72/dossier", headers=auth("kominfo_officer"))
    finally:
        settings.dossier_part_timeout = before
    assert r.status_code == 200
    assert r.json()["missing"] == [{"part": "assessment",
                                    "reason": "the assessment service did not answer within 0.3s"}]


async def _regencies(gw, n):
    page = (await gw.get("/api/v1/regions", params={"level": "regency", "type": "kota", "limit": n})).json()
    return page["items"]



async def test_open_data_without_a_token(gw, auth):
    import csv
    import io
    import json

    import openpyxl

    from scenarios.masterplans import PROGRAMMES

    await publish_round(gw, auth, year=2019, selected=["21.72"], others=["16.03"])
    r = await gw.get("/api/v1/assessment/open-data/results", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["x-licence"].startswith("Creative Commons")
    assert r.headers["cache-control"] == "public, max-age=300"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["region_code"], x["selected"]) for x in rows] == [("21.72", "True"), ("16.03", "False")]
    assert "assessor" not in r.text.lower()
    as_json = (await gw.get("/api/v1/assessment/open-data/results", params={"format": "json"})).json()
    assert as_json["licence"].startswith("Creative Commons") and as_json["extracted_at"]
    assert len(as_json["items"]) == 2
    xlsx = await gw.get("/api/v1/assessment/open-data/results", params={"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book["data"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N3"  # up to index and index_change
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, (c.value for c in sheet[2]), strict=True))
    assert first["region_code"] == "21.72" and first["selected"] is True
    assert isinstance(first["year"], int | float) and isinstance(first["rank"], int | float)  # numbers, not text
    about = {row[0].value: row[1].value for row in book["about"].iter_rows()}
    assert about["licence"].startswith("Creative Commons") and about["rows"] == "2"

    officer, pemda = auth("kominfo_officer"), auth("pemda", region="21.72")
    await gw.post(f"{M}/mous", headers=officer, json={"region_code": "21.72", "signed_on": "2019-05-08",
                                                      "place": "Jakarta", "signatories": SIGNATORIES,
                                                      "document_ref": "NK/2019/TPI"})
    plan = await gw.post(f"{M}/masterplans", json=PLAN, headers=pemda)
    etag = plan.headers["etag"]
    for p in PROGRAMMES[:2]:
        etag = (await gw.post(f"{M}/masterplans/{plan.json()['id']}/programmes", json=p,
                              headers={**pemda, "If-Match": etag})).headers["etag"]
    before = (await gw.get(f"{M}/open-data/masterplans", params={"format": "json"})).json()
    assert before["items"] == []  # drafts are not published
    pid = plan.json()["id"]
    await gw.post(f"{M}/masterplans/{pid}/transitions", json={"to": "submitted"}, headers=pemda)
    await gw.post(f"{M}/masterplans/{pid}/transitions", json={"to": "in_review"}, headers=officer)
    await gw.post(f"{M}/masterplans/{pid}/transitions", headers=officer, json={
        "to": "approved", "legal_basis": {"kind": "perwali", "number": "45/2019", "date": "2019-11-15"}})
    after = json.loads((await gw.get(f"{M}/open-data/masterplans", params={"format": "json"})).text)
    (item,) = after["items"]
    assert item["region_code"] == "21.72" and item["programmes"] == 2
    assert item["budget_total"] == 2_000_000_000 + 500_000_000 + 750_000_000
    assert item["legal_basis"] == "45/2019"
