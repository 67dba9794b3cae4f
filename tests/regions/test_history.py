"""Codes through time, through the gateway: former codes, the region as it was on a date, the lists kept."""

BASE = "/api/v1/regions"


async def test_a_former_code_answers_its_region_with_the_act_that_moved_it(gw):
    r = await gw.get(f"{BASE}/92.71")
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["name"], body["resolved_from"]) == ("96.71", "Kota Sorong", "92.71")
    assert body["parent"]["name"] == "Papua Barat Daya"
    [change] = body["changes"]
    assert (change["old_code"], change["new_code"], change["change"]) == ("92.71", "96.71", "renumbered")
    assert change["legal_basis"].startswith("UU No. 29 Tahun 2022") and change["enacted_on"] == "2022-12-08"
    # The new code took effect with the first list that gave it, Kepmendagri 300.2.2-2138/2025.
    assert change["effective_on"] == "2025-04-25"
    today = await gw.get(f"{BASE}/96.71")
    assert today.json()["resolved_from"] is None and today.json()["changes"] == body["changes"]


async def test_the_region_as_it_was_on_a_date(gw):
    body = (await gw.get(f"{BASE}/96.71", params={"on": "2018-05-08"})).json()
    assert body["code"] == "96.71"
    then = body["as_on"]
    assert (then["code"], then["name"], then["parent_code"], then["parent_name"]) == \
        ("92.71", "Kota Sorong", "92", "Papua Barat")
    assert then["code_list"]["regulation"] == "Permendagri No. 137 Tahun 2017"
    # Papua's 2022 laws moved Merauke at once; the list that numbered it 93.01 has no established date.
    merauke = (await gw.get(f"{BASE}/91.01", params={"on": "2022-08-01"})).json()
    assert merauke["code"] == "93.01" and merauke["as_on"]["code"] == "93.01"
    assert (await gw.get(f"{BASE}/93.01", params={"on": "2022-07-24"})).json()["as_on"]["code"] == "91.01"


async def test_a_rename_counts_from_its_act(gw):
    before = (await gw.get(f"{BASE}/76.01", params={"on": "2017-12-27"})).json()["as_on"]
    after = (await gw.get(f"{BASE}/76.01", params={"on": "2017-12-28"})).json()["as_on"]
    assert before["name"] == "Kabupaten Mamuju Utara" and after["name"] == "Kabupaten Pasangkayu"
    assert before["code"] == after["code"] == "76.01"


async def test_a_province_created_later_did_not_exist_before_its_law(gw):
    then = (await gw.get(f"{BASE}/96", params={"on": "2018-05-08"})).json()["as_on"]
    assert then["existed"] is False and then["code"] is None
    assert (await gw.get(f"{BASE}/96", params={"on": "2022-12-08"})).json()["as_on"]["existed"] is True


async def test_a_code_that_never_named_a_region_is_still_404(gw):
    r = await gw.get(f"{BASE}/99.99", params={"on": "2018-05-08"})
    assert r.status_code == 404
    assert (await gw.get(f"{BASE}/21.72", params={"on": "8/5/2018"})).status_code == 422


async def test_lookup_and_search_take_former_codes_and_say_what_they_resolved_to(gw, auth):
    r = await gw.post(f"{BASE}/lookup", json={"codes": ["92.71", "21.72", "99.99"], "on": "2018-05-08"},
                      headers=auth("kominfo_officer"))
    body = r.json()
    assert [x["code"] for x in body["found"]] == ["21.72", "96.71"]
    assert body["resolved"] == [{"requested": "92.71", "code": "96.71", "code_on": "92.71"},
                                {"requested": "21.72", "code": "21.72", "code_on": "21.72"}]
    assert body["missing"] == ["99.99"]
    found = (await gw.get(BASE, params={"q": "92.71"})).json()
    assert [(x["code"], x["resolved_from"]) for x in found["items"]] == [("96.71", "92.71")]


async def test_every_list_is_kept_with_todays_code_of_each_entry(gw):
    lists = (await gw.get(f"{BASE}/code-lists")).json()["items"]
    assert [x["label"] for x in lists] == ["2016", "2018", "2020", "2022", "2023", "2025"]
    assert [x["regulation_date"] for x in lists][-2:] == [None, "2025-04-25"]
    entries = (await gw.get(f"{BASE}/code-lists/2018", params={"limit": 200, "offset": 400})).json()
    assert entries["total"] == 34 + 514
    sorong = [e for e in entries["items"] if e["code"] == "92.71"]
    assert sorong == [{"code": "92.71", "level": "regency", "name": "Kota Sorong", "parent_code": "92",
                       "region_code": "96.71"}]
    assert (await gw.get(f"{BASE}/code-lists/2019")).status_code == 404


async def test_a_head_entered_under_a_former_code_is_kept_under_todays(gw, auth):
    term = {"head_name": "Lambert Jitmau", "title": "walikota", "start_date": "2017-05-22"}
    r = await gw.post(f"{BASE}/92.71/heads", json=term, headers=auth("kemendagri"))
    assert r.status_code == 201, r.text
    assert r.headers["location"].startswith(f"{BASE}/96.71/heads/") and r.json()["region_code"] == "96.71"
    listed = (await gw.get(f"{BASE}/92.71/heads")).json()["items"]
    assert [t["head_name"] for t in listed] == ["Lambert Jitmau"]


async def test_a_village_sized_file_resolves_in_one_array_not_one_parameter_per_code(db):
    from datetime import date

    from sqlalchemy.ext.asyncio import AsyncSession

    from services.regions.history.service import resolve_many
    from services.regions.importer import load_rows

    codes = [r[0] for r in load_rows() if r[1] == "village"][:40_000] + ["92.71"]
    today = await resolve_many(AsyncSession(bind=db["regions"]), codes, date(2018, 5, 8))
    assert len(today) == 40_001 and today["92.71"] == "96.71"
