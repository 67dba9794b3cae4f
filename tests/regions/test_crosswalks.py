"""Files coded by BPS land on the right regions through a loaded crosswalk, never on a look-alike code."""

from tests.kit import refused

BASE = "/api/v1/regions"
LOAD = f"{BASE}/indicators/population/values/bulk"
# BPS numbered Papua Barat 91 and Papua 94 where Kemendagri numbers them 92 and 91: BPS 9171 is Kota Sorong,
# Kemendagri 91.71 is Kota Jayapura.
CROSSWALK = ("external_code,kemendagri_code,name\n"
             "9171,92.71,Kota Sorong\n9471,91.71,Kota Jayapura\n1471,14.71,Kota Pekanbaru\n")


async def _load_crosswalk(gw, auth):
    checked = await gw.put(f"{BASE}/crosswalks/bps/2018", params={"source": "BPS", "check_only": "true"},
                           content=CROSSWALK, headers={**auth("kominfo_admin"), "content-type": "text/csv"})
    assert checked.json()["entries"] == 3
    assert (await gw.get(f"{BASE}/crosswalks/bps/2018")).status_code == 404
    r = await gw.put(f"{BASE}/crosswalks/bps/2018", params={"source": "BPS, kode wilayah 2018"}, content=CROSSWALK,
                     headers={**auth("kominfo_admin"), "content-type": "text/csv"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_bps_coded_file_lands_on_the_regions_the_crosswalk_names(gw, auth):
    loaded = await _load_crosswalk(gw, auth)
    assert (loaded["coding"], loaded["year"], loaded["entries"]) == ("bps", 2018, 3)
    entries = (await gw.get(f"{BASE}/crosswalks/bps/2018")).json()["items"]
    assert [(e["external_code"], e["kemendagri_code"], e["region_code"]) for e in entries] == \
        [("1471", "14.71", "14.71"), ("9171", "92.71", "96.71"), ("9471", "91.71", "91.71")]
    assert [(c["coding"], c["year"]) for c in (await gw.get(f"{BASE}/crosswalks")).json()["items"]] == [("bps", 2018)]

    rows = [{"region_code": "9171", "year": 2018, "value": 272349, "source": "BPS 2018"},
            {"region_code": "9471", "year": 2018, "value": 304969, "source": "BPS 2018"}]
    r = await gw.post(LOAD, params={"coding": "bps", "coding_year": 2018}, json=rows, headers=auth("kemendagri"))
    assert r.status_code == 200, r.text
    sorong = (await gw.get(f"{BASE}/96.71/indicators", params={"year": 2018}, headers=auth("bappenas"))).json()
    jayapura = (await gw.get(f"{BASE}/91.71/indicators", params={"year": 2018}, headers=auth("bappenas"))).json()
    assert [v["value"] for v in sorong["items"]] == ["272349"]
    assert [v["value"] for v in jayapura["items"]] == ["304969"]


async def test_a_code_the_crosswalk_does_not_know_is_refused_not_joined_to_a_look_alike(gw, auth):
    await _load_crosswalk(gw, auth)
    h = auth("kemendagri")
    rows = [{"region_code": "9171", "year": 2018, "value": 1, "source": "BPS 2018"},
            {"region_code": "9271", "year": 2018, "value": 2, "source": "BPS 2018"}]
    body = refused(await gw.post(LOAD, params={"coding": "bps", "coding_year": 2018}, json=rows, headers=h),
                   422, "validation")
    assert [e["loc"] for e in body["errors"]] == [["row", 2, "region_code"]]
    # Without the coding, a BPS code is not read as a Kemendagri one either.
    kemendagri = await gw.post(LOAD, json=rows[:1], headers=h)
    assert [e["loc"] for e in kemendagri.json()["errors"]] == [["row", 1, "region_code"]]
    nothing = await gw.get(f"{BASE}/indicators/population/values", params={"year": 2018}, headers=h)
    assert nothing.json()["total"] == 0
    assert refused(await gw.post(LOAD, params={"coding": "bps"}, json=rows, headers=h), 422,
                   "validation")["errors"][0]["loc"] == ["query", "coding_year"]
    assert (await gw.post(LOAD, params={"coding": "bps", "coding_year": 2019}, json=rows, headers=h)).status_code \
        == 404


async def test_kemendagri_codes_of_a_year_land_on_todays_region(gw, auth):
    rows = [{"region_code": "92.71", "year": 2018, "value": 272349, "source": "Dukcapil 2018"}]
    assert (await gw.post(LOAD, json=rows, headers=auth("kemendagri"))).status_code == 422
    r = await gw.post(LOAD, params={"coding_year": 2018}, json=rows, headers=auth("kemendagri"))
    assert r.status_code == 200, r.text
    values = (await gw.get(f"{BASE}/96.71/indicators", params={"year": 2018}, headers=auth("bappenas"))).json()
    assert [v["region_code"] for v in values["items"]] == ["96.71"]


async def test_a_crosswalk_is_loaded_by_the_operator_whole_or_not_at_all(gw, auth):
    bad = CROSSWALK + "9999,99.99,Nowhere\n9171,92.71,Twice\n"
    h = {**auth("kominfo_admin"), "content-type": "text/csv"}
    body = refused(await gw.put(f"{BASE}/crosswalks/bps/2018", params={"source": "BPS"}, content=bad, headers=h),
                   422, "validation")
    assert sorted(tuple(e["loc"]) for e in body["errors"]) == [("row", 4, "kemendagri_code"),
                                                                ("row", 5, "external_code")]
    assert (await gw.get(f"{BASE}/crosswalks/bps/2018")).status_code == 404
    other = {**auth("kemendagri"), "content-type": "text/csv"}
    assert (await gw.put(f"{BASE}/crosswalks/bps/2018", params={"source": "BPS"}, content=CROSSWALK,
                         headers=other)).status_code == 403
