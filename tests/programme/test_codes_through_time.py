"""A 2018 round with Papua regions under their 2018 codes reads back under today's, everywhere it is read."""

import csv
import io

import shapely
from geojson_pydantic import FeatureCollection

from scenarios.masterplans import M, sign
from scenarios.rounds import A, open_round, publish_round
from tests.kit import refused

SORONG_2018, SORONG = "92.71", "96.71"  # Kota Sorong: Papua Barat in 2018, Papua Barat Daya (UU 29/2022) today
MERAUKE_2018, MERAUKE = "91.01", "93.01"  # Kabupaten Merauke: Papua, then Papua Selatan (UU 14/2022)


async def test_a_2018_selection_of_92_71_is_the_same_region_as_96_71(gw, auth):
    officer = auth("kominfo_officer")
    rid = await publish_round(gw, auth, year=2018, selected=[SORONG_2018], others=[MERAUKE_2018],
                              start="2018-05-08")
    invitations = (await gw.get(f"{A}/rounds/{rid}/invitations", headers=officer)).json()["items"]
    assert {(i["region_code"], i["region_code_today"], i["province_code"]) for i in invitations} == \
        {(SORONG_2018, SORONG, "92"), (MERAUKE_2018, MERAUKE, "91")}
    [selection] = (await gw.get(f"{A}/selections", params={"region_code": SORONG})).json()["items"]
    assert (selection["region_code"], selection["region_code_today"]) == (SORONG_2018, SORONG)
    by_former = (await gw.get(f"{A}/selections", params={"region_code": SORONG_2018})).json()["items"]
    assert by_former == [selection]

    mou = await sign(gw, auth, SORONG_2018, "2018-06-20", "NK/2018/SORONG")
    assert (mou["region_code"], mou["region_code_today"]) == (SORONG_2018, SORONG)
    mous = (await gw.get(f"{M}/mous", params={"region_code": SORONG}, headers=officer)).json()["items"]
    assert [m["id"] for m in mous] == [mou["id"]]

    # The dossier, asked by either code, is today's region with what was recorded under the old one.
    for code in (SORONG, SORONG_2018):
        dossier = (await gw.get(f"{M}/regions/{code}/dossier", headers=officer)).json()
        assert dossier["region"]["code"] == SORONG and dossier["missing"] == []
        assert [(h["round_id"], h["region_code"], h["selected"]) for h in dossier["assessment"]] == \
            [(rid, SORONG_2018, True)]
        assert [m["region_code"] for m in dossier["masterplan"]["mous"]] == [SORONG_2018]

    # The funnel counts one region, files it under today's province, and knows it was 3T that year.
    funnel = (await gw.get(f"{M}/funnel", params={"province": "96"}, headers=auth("ksp"))).json()
    [year] = funnel["per_year"]
    assert (year["year"], year["invited"], year["selected"], year["mou_signed"]) == (2018, 1, 1, 1)
    assert year["selected_tertinggal"] is None  # no 3T list for 2018 loaded yet
    listed = await gw.post("/api/v1/regions/indicators/tertinggal/values/bulk", headers=auth("bappenas"), json=[
        {"region_code": SORONG_2018, "year": 2018, "value": "tertinggal", "source": "Perpres 131/2015 (test)"}],
        params={"coding_year": 2018})
    assert listed.status_code == 200, listed.text
    funnel = (await gw.get(f"{M}/funnel", params={"province": "96"}, headers=auth("ksp"))).json()
    assert funnel["per_year"][0]["selected_tertinggal"] == 1
    assert (await gw.get(f"{M}/funnel", params={"province": "92"}, headers=auth("ksp"))).json()["per_year"] == []

    # Open data carries both codes.
    text = (await gw.get(f"{A}/open-data/results", params={"format": "csv"})).text
    rows = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r.get("region_code") == SORONG_2018]
    assert [r["region_code_today"] for r in rows] == [SORONG]

    # On a map, each result is drawn where its region is today.
    r = await gw.get(f"{A}/public/rounds/{rid}/results/map", params={"zoom": 6})
    assert r.headers["content-type"] == "application/geo+json" and r.headers["cache-control"].startswith("public")
    features = {f.id: f for f in FeatureCollection.model_validate_json(r.content).features}
    assert set(features) == {SORONG, MERAUKE}
    sorong = features[SORONG].properties
    assert (sorong["recorded_code"], sorong["rank"], sorong["selected"]) == (SORONG_2018, 1, True)
    assert shapely.is_valid(shapely.from_geojson(features[MERAUKE].geometry.model_dump_json()))
    cached = await gw.get(f"{A}/public/rounds/{rid}/results/map", params={"zoom": 6},
                          headers={"If-None-Match": r.headers["etag"]})
    assert cached.status_code == 304
    members = await gw.get(f"{M}/members/map", params={"cohort_year": 2018})
    [member] = FeatureCollection.model_validate_json(members.content).features
    assert member.id == SORONG and member.properties["cohort_year"] == 2018
    assert member.properties["recorded_code"] == SORONG_2018

    # Selected in 2018 as 92.71, so not invited again in 2025 as 96.71 without a reason.
    later = await open_round(gw, auth, year=2025, codes=["21.72"], assess=False)
    again = await gw.post(f"{A}/rounds/{later.id}/invitations", headers=officer, json={"region_codes": [SORONG]})
    refused(again, 409, "region-already-selected")


async def test_an_invitation_records_the_code_in_force_on_the_rounds_first_day(gw, auth):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2018, codes=["21.72"], start="2018-05-08", assess=False)
    r = await gw.post(f"{A}/rounds/{rnd.id}/invitations", headers=officer, json={"region_codes": [MERAUKE]})
    assert r.json()["region_codes"] == [MERAUKE_2018]
    twice = await gw.post(f"{A}/rounds/{rnd.id}/invitations", headers=officer, json={"region_codes": [MERAUKE_2018]})
    assert twice.json()["invited"] == 0 and twice.json()["already_invited"] == 1
    # The region answers under the code it has today; the round keeps the one it recorded.
    answer = await gw.patch(f"{A}/rounds/{rnd.id}/invitations/{MERAUKE}", json={"status": "accepted"},
                            headers=auth("pemda", region=MERAUKE))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["region_code"], answer.json()["status"]) == (MERAUKE_2018, "accepted")
