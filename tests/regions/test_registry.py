"""The region registry through the gateway: lookups, search, heads, indicators, exports."""

import csv
import io

import pytest

BASE = "/api/v1/regions"


async def test_region_by_code_with_parent(gw):
    r = await gw.get(f"{BASE}/21.72")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Kota Tanjung Pinang"
    assert body["type"] == "kota"
    assert body["island_group"] == "sumatera"
    assert body["parent"]["name"] == "Kepulauan Riau"
    assert body["children_count"] == 4


@pytest.mark.parametrize("code", ["21.7", "abc", "21.72.1", "1"])
async def test_malformed_code_is_422_problem(gw, code):
    r = await gw.get(f"{BASE}/{code}")
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 422 and body["type"].endswith("/validation")
    assert body["errors"][0]["loc"] == ["path", "code"]


async def test_unknown_code_is_404_problem(gw):
    r = await gw.get(f"{BASE}/99.99")
    assert r.status_code == 404
    assert r.json()["detail"] == "Daerah 99.99 tidak ada dalam registri"


async def test_search_ranks_exact_name_first_whatever_the_spacing(gw):
    for q in ("tanjung pinang", "Tanjungpinang", "TANJUNG  PINANG"):
        r = await gw.get(BASE, params={"q": q, "limit": 5})
        assert r.status_code == 200
        assert r.json()["items"][0]["code"] == "21.72", q


async def test_search_uppercase_finds_both_probolinggos_first(gw):
    r = await gw.get(BASE, params={"q": "PROBOLINGGO", "limit": 5})
    codes = [i["code"] for i in r.json()["items"]]
    assert codes[:2] == ["35.13", "35.74"]


async def test_search_substring_and_filters(gw):
    r = await gw.get(BASE, params={"q": "enim", "level": "regency"})
    names = {i["name"] for i in r.json()["items"]}
    assert "Kabupaten Muara Enim" in names
    r = await gw.get(BASE, params={"level": "regency", "type": "kota", "island_group": "papua"})
    body = r.json()
    assert body["total"] == 2  # Kota Jayapura and Kota Sorong
    assert all(i["type"] == "kota" and i["island_group"] == "papua" for i in body["items"])


async def test_search_prefix_beats_substring(gw):
    r = await gw.get(BASE, params={"q": "batam", "limit": 3})
    assert r.json()["items"][0]["code"] == "21.71"


async def test_search_of_only_symbols_is_422(gw):
    r = await gw.get(BASE, params={"q": "%%%"})
    assert r.status_code == 422


async def test_children_and_pagination(gw):
    r = await gw.get(f"{BASE}/21/children", params={"limit": 3})
    body = r.json()
    assert body["total"] == 7 and len(body["items"]) == 3
    r2 = await gw.get(f"{BASE}/21/children", params={"limit": 3, "offset": 3})
    assert {i["code"] for i in body["items"]}.isdisjoint({i["code"] for i in r2.json()["items"]})
    assert (await gw.get(f"{BASE}/21/children", params={"limit": 100000})).status_code == 422


async def test_lookup_reports_missing_codes(gw, auth):
    r = await gw.post(f"{BASE}/lookup", json={"codes": ["21.72", "99.99", "16.03"]}, headers=auth("kominfo_officer"))
    assert r.status_code == 200
    assert [x["code"] for x in r.json()["found"]] == ["16.03", "21.72"]
    assert r.json()["missing"] == ["99.99"]
    assert (await gw.post(f"{BASE}/lookup", json={"codes": ["21.72"]})).status_code == 401


# Regional heads ---------------------------------------------------------------------------------

HEAD = {"head_name": "H. Syahrul", "title": "walikota", "deputy_name": "Hj. Rahma",
        "start_date": "2018-09-24", "end_date": None}


async def test_head_terms_never_overlap(gw, auth):
    h = auth("kemendagri")
    first = await gw.post(f"{BASE}/21.72/heads", json={**HEAD, "start_date": "2013-09-24",
                                                       "end_date": "2018-09-23", "head_name": "Lis Darmansyah",
                                                       "end_reason": "completed"}, headers=h)
    assert first.status_code == 201, first.text
    second = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=h)
    assert second.status_code == 201
    clash = await gw.post(f"{BASE}/21.72/heads", json={**HEAD, "head_name": "Someone", "start_date": "2018-01-01"},
                          headers=h)
    assert clash.status_code == 409
    assert "Lis Darmansyah" in clash.json()["detail"]
    detail = (await gw.get(f"{BASE}/21.72")).json()
    assert detail["current_head"]["head_name"] == "H. Syahrul"
    heads = (await gw.get(f"{BASE}/21.72/heads")).json()["items"]
    assert [t["head_name"] for t in heads] == ["H. Syahrul", "Lis Darmansyah"]


async def test_head_title_must_fit_the_region(gw, auth):
    r = await gw.post(f"{BASE}/16.03/heads", json=HEAD, headers=auth("kemendagri"))
    assert r.status_code == 422
    assert "bupati" in r.json()["detail"]


async def test_heads_only_for_regencies(gw, auth):
    r = await gw.post(f"{BASE}/21/heads", json=HEAD, headers=auth("kominfo_admin"))
    assert r.status_code == 422


@pytest.mark.parametrize("role", ["bappenas", "pemda", "assessor", "kominfo_officer"])
async def test_heads_written_only_by_kemendagri_and_admin(gw, auth, role):
    r = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=auth(role, region="21.72"))
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"


async def test_bad_head_input_changes_nothing(gw, auth):
    h = auth("kemendagri")
    for bad in ({**HEAD, "start_date": "2020-01-01", "end_date": "2019-01-01"}, {**HEAD, "title": "raja"},
                {**HEAD, "surprise": 1}, {"head_name": "x"}):
        r = await gw.post(f"{BASE}/21.72/heads", json=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.json()["errors"]
    r = await gw.post(f"{BASE}/21.72/heads", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 400
    assert (await gw.get(f"{BASE}/21.72/heads")).json()["items"] == []


async def test_head_update_needs_current_etag(gw, auth):
    h = auth("kemendagri")
    created = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=h)
    url = created.headers["location"]
    etag = created.headers["etag"]
    assert (await gw.patch(url, json={"deputy_name": "A"}, headers=h)).status_code == 428
    ok = await gw.patch(url, json={"deputy_name": "A"}, headers={**h, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["etag"] != etag
    stale = await gw.patch(url, json={"deputy_name": "B"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["extra"]["current_etag"] == ok.headers["etag"]
    for not_a_tag in (etag.strip('"'), '"unclosed', "", 'W/"a" "b"'):  # no version at all: the request's fault
        malformed = await gw.patch(url, json={"deputy_name": "C"}, headers={**h, "If-Match": not_a_tag})
        assert malformed.status_code == 422 and malformed.json()["errors"][0]["loc"] == ["header", "If-Match"]
    assert (await gw.get(url)).json()["deputy_name"] == "A"


async def test_retried_post_with_idempotency_key_does_not_duplicate(gw, auth):
    h = {**auth("kemendagri"), "Idempotency-Key": "head-21.72-2018"}
    first = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=h)
    again = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.json() == first.json()
    assert (await gw.get(f"{BASE}/21.72/heads")).json()["total"] == 1
    other = await gw.post(f"{BASE}/21.72/heads", json={**HEAD, "head_name": "Other"}, headers=h)
    assert other.status_code == 422


# Indicators -------------------------------------------------------------------------------------

KKD_CSV = "region_code,year,value,source\n21.72,2019,sedang,PMK 126/2019\n16.03,2019,tinggi,PMK 126/2019\n"


async def test_indicator_definitions_are_seeded(gw):
    codes = {i["code"] for i in (await gw.get(f"{BASE}/indicators")).json()["items"]}
    assert {"population", "kkd", "ikh", "ikb", "ekppd", "ipm", "spbe"} <= codes


async def test_only_the_owning_ministry_loads_values(gw, auth):
    csv_headers = {"content-type": "text/csv"}
    r = await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV,
                      headers={**auth("bappenas"), **csv_headers})
    assert r.status_code == 403
    r = await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV,
                      headers={**auth("pemda", region="21.72"), **csv_headers})
    assert r.status_code == 403
    r = await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV,
                      headers={**auth("kemenkeu"), **csv_headers})
    assert r.status_code == 200, r.text
    assert r.json() == {"indicator_code": "kkd", "received": 2, "created": 2, "corrected": 0, "unchanged": 0}


async def test_bulk_is_all_or_nothing_with_a_row_report(gw, auth):
    rows = [{"region_code": "21.72", "year": 2019, "value": 210000, "source": "Dukcapil 2019"},
            {"region_code": "99.99", "year": 2019, "value": 1, "source": "Dukcapil 2019"},
            {"region_code": "16.03", "year": 1800, "value": -5, "source": "Dukcapil 2019"},
            {"region_code": "21.72", "year": 2019, "value": 1, "source": "Dukcapil 2019"}]
    r = await gw.post(f"{BASE}/indicators/population/values/bulk", json=rows, headers=auth("kemendagri"))
    assert r.status_code == 422
    locs = [tuple(e["loc"]) for e in r.json()["errors"]]
    assert ("row", 2, "region_code") in locs
    assert ("row", 3, "year") in locs and ("row", 3, "value") in locs
    assert ("row", 4, "region_code") in locs  # duplicate of row 1
    assert ("row", 1, "region_code") not in locs
    listed = await gw.get(f"{BASE}/indicators/population/values", params={"year": 2019}, headers=auth("bappenas"))
    assert listed.json()["total"] == 0


async def test_same_file_twice_changes_nothing_and_corrections_keep_history(gw, auth):
    h = {**auth("kemenkeu"), "content-type": "text/csv"}
    await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV, headers=h)
    again = await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV, headers=h)
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0
    corrected = await gw.post(f"{BASE}/indicators/kkd/values/bulk", headers=h,
                              content="region_code,year,value,source\n21.72,2019,tinggi,PMK 126/2019 revisi\n")
    assert corrected.json()["corrected"] == 1
    current = await gw.get(f"{BASE}/21.72/indicators", headers=auth("bappenas"))
    assert [v["value"] for v in current.json()["items"] if v["indicator_code"] == "kkd"] == ["tinggi"]
    history = await gw.get(f"{BASE}/21.72/indicators", params={"history": "true"}, headers=auth("bappenas"))
    values = [(v["value"], v["superseded_at"] is None) for v in history.json()["items"] if v["indicator_code"] == "kkd"]
    assert sorted(values) == [("sedang", False), ("tinggi", True)]


async def test_pemda_sees_only_its_own_region_values(gw, auth):
    await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=KKD_CSV,
                  headers={**auth("kemenkeu"), "content-type": "text/csv"})
    own = await gw.get(f"{BASE}/indicators/kkd/values", headers=auth("pemda", region="21.72"))
    assert [v["region_code"] for v in own.json()["items"]] == ["21.72"]
    other = await gw.get(f"{BASE}/16.03/indicators", headers=auth("pemda", region="21.72"))
    assert other.status_code == 404


async def test_indicator_edit_needs_etag(gw, auth):
    got = await gw.get(f"{BASE}/indicators/ikh")
    etag = got.headers["etag"]
    h = auth("kominfo_admin")
    ok = await gw.patch(f"{BASE}/indicators/ikh", json={"description": "PUPR green city"},
                        headers={**h, "If-Match": etag})
    assert ok.status_code == 200
    stale = await gw.patch(f"{BASE}/indicators/ikh", json={"description": "x"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 412
    assert (await gw.patch(f"{BASE}/indicators/ikh", json={"description": "x"},
                           headers={**auth("pupr"), "If-Match": ok.headers["etag"]})).status_code == 403


async def test_bulk_rejects_other_media_types(gw, auth):
    r = await gw.post(f"{BASE}/indicators/kkd/values/bulk", content=b"<xml/>",
                      headers={**auth("kemenkeu"), "content-type": "application/xml"})
    assert r.status_code == 415


async def test_export_regions_csv_streams_every_row(gw):
    r = await gw.get(f"{BASE}/export", params={"level": "regency"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 514
    by_code = {row["code"]: row for row in rows}
    assert by_code["21.72"]["name"] == "Kota Tanjung Pinang"
    assert by_code["35.74"]["type"] == "kota"


async def test_export_xlsx_is_a_workbook(gw):
    r = await gw.get(f"{BASE}/export", params={"level": "province", "format": "xlsx"})
    assert r.status_code == 200
    assert r.content[:2] == b"PK"  # a zip container, as every .xlsx is
    assert "X-Extracted-At" in r.headers


async def test_audit_trail_records_who_changed_what(gw, auth):
    h = auth("kemendagri", sub="user:kemendagri-operator")
    created = await gw.post(f"{BASE}/21.72/heads", json=HEAD, headers=h)
    await gw.patch(created.headers["location"], json={"deputy_name": "Hj. Rahma, SH"},
                   headers={**h, "If-Match": created.headers["etag"]})
    trail = await gw.get(f"{BASE}/audit", params={"entity": "head_term", "entity_id": str(created.json()["id"])},
                         headers=auth("bappenas"))
    assert trail.status_code == 200
    update, create = trail.json()["items"]
    assert (create["action"], update["action"]) == ("head_term.create", "head_term.update")
    assert update["actor"] == "user:kemendagri-operator"
    assert update["before"]["deputy_name"] == "Hj. Rahma" and update["after"]["deputy_name"] == "Hj. Rahma, SH"
    assert (await gw.get(f"{BASE}/audit", headers=auth("pemda", region="21.72"))).status_code == 403


async def test_tables_as_ministries_write_them(gw, auth):
    import openpyxl

    kemendagri = auth("kemendagri")
    semicolons = "region_code;year;value;source\n21.72;2031;209.280,5;Dukcapil\n21.71;2031;1234,25;Dukcapil\n"
    r = await gw.post(f"{BASE}/indicators/population/values/bulk", content=semicolons.encode(),
                      headers={**kemendagri, "content-type": "text/csv"})
    assert r.status_code == 200, r.text
    values = (await gw.get(f"{BASE}/indicators/population/values", params={"year": 2031},
                           headers=kemendagri)).json()["items"]
    assert sorted(v["value"] for v in values) == ["1234.25", "209280.5"]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region_code", "year", "value", "source"])
    sheet.append(["21.72", 2032, 215000, "Dukcapil"])
    sheet.append(["16.03", 2032, 12.5, "Dukcapil"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = await gw.post(f"{BASE}/indicators/population/values/bulk", content=buffer.getvalue(),
                      headers={**kemendagri, "content-type": xlsx})
    assert r.status_code == 200 and r.json()["created"] == 2, r.text

    sheet.append(["21.71", 2032, "banyak", "Dukcapil"])
    buffer = io.BytesIO()
    book.save(buffer)
    bad = await gw.post(f"{BASE}/indicators/population/values/bulk", content=buffer.getvalue(),
                        headers={**kemendagri, "content-type": xlsx})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][:2] == ["row", 3], bad.text
    junk = await gw.post(f"{BASE}/indicators/population/values/bulk", content=b"PK\x03\x04 not a workbook",
                         headers={**kemendagri, "content-type": xlsx})
    assert junk.status_code == 422


async def test_a_number_whose_meaning_hangs_on_the_decimal_mark_is_refused_until_declared(gw, auth):
    kemendagri = {**auth("kemendagri"), "content-type": "text/csv"}
    load = f"{BASE}/indicators/population/values/bulk"
    csv = b"region_code;year;value;source\n21.72;2031;1.056.896;Dukcapil\n21.71;2031;205.000;Dukcapil\n"
    r = await gw.post(load, content=csv, headers=kemendagri)
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["loc"] == ["row", 2, "value"] and "205000 bila desimalnya koma" in error["msg"], error
    listed = await gw.get(f"{BASE}/indicators/population/values", params={"year": 2031}, headers=kemendagri)
    assert listed.json()["total"] == 0  # the unambiguous row was not written either

    r = await gw.post(load, params={"decimal": "comma"}, content=csv, headers=kemendagri)
    assert r.status_code == 200, r.text
    values = (await gw.get(f"{BASE}/indicators/population/values", params={"year": 2031},
                           headers=kemendagri)).json()["items"]
    assert sorted(v["value"] for v in values) == ["1056896", "205000"]
    wrong = await gw.post(load, params={"decimal": "point"}, content=csv, headers=kemendagri)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["row", 1, "value"], wrong.text


async def test_a_windows_1252_csv_loads_when_its_charset_is_declared(gw, auth):
    body = "region_code,year,value,source\n21.72,2031,12,Dinas Kependudukan \u2013 2019\n".encode("cp1252")
    h = auth("kemendagri")
    undeclared = await gw.post(f"{BASE}/indicators/population/values/bulk", content=body,
                               headers={**h, "content-type": "text/csv"})
    assert undeclared.status_code == 422 and "baris 2, kolom 34" in undeclared.json()["detail"], undeclared.text
    assert "charset=windows-1252" in undeclared.json()["detail"]
    r = await gw.post(f"{BASE}/indicators/population/values/bulk", content=body,
                      headers={**h, "content-type": "text/csv; charset=windows-1252"})
    assert r.status_code == 200, r.text
    [value] = (await gw.get(f"{BASE}/indicators/population/values", params={"year": 2031}, headers=h)).json()["items"]
    assert value["source"] == "Dinas Kependudukan \u2013 2019"
