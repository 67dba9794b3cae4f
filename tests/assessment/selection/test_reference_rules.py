"""Equity rules on reference data: a minimum of 3T regions (daerah tertinggal) changes a 2019-style selection,
each region's result says why, and the offline verifier recomputes the same ranking from the published inputs."""

import pypdfium2 as pdfium

from scenarios.rounds import finish, open_round, score
from services.regions.importer import load_rows
from smartcity import verify

A = "/api/v1/assessment"
TERTINGGAL = "/api/v1/regions/indicators/tertinggal/values/bulk"


async def test_a_3t_minimum_changes_the_selection_and_the_verifier_agrees(gw, auth, tmp_path, capsys):
    codes = sorted(r[0] for r in load_rows() if r[1] == "regency")[:30]
    # The Perpres list in force in 2019 (test regions): three of the thirty, all ranked below the quota.
    listed = [codes[20], codes[25], codes[28]]
    loaded = await gw.post(TERTINGGAL, headers=auth("bappenas"), json=[
        {"region_code": c, "year": 2019, "value": "tertinggal", "source": "Perpres 131/2015"} for c in listed])
    assert loaded.status_code == 200, loaded.text
    rule = {"min_per_category": [{"indicator": "tertinggal", "at_least": {"tertinggal": 2}}]}
    rnd = await open_round(gw, auth, year=2019, codes=codes, quota=5, assessors=2, equity_rules=rule)
    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {c: 90 - i for i, c in enumerate(codes)})
    await finish(gw, auth, rnd.id)

    items = {i["region_code"]: i for i in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                        headers=auth("kominfo_officer"))).json()["items"]}
    selected = [c for c in codes if items[c]["selected"]]
    assert selected == [*codes[:3], codes[20], codes[25]]  # by rank alone: the first five
    assert items[codes[20]]["pushed"] == "in" and "at least 2 with tertinggal = tertinggal" in items[codes[20]]["rule"]
    assert items[codes[4]]["pushed"] == "out" and "categories" in items[codes[4]]["rule"]
    assert items[codes[20]]["categories"] == {"tertinggal": "tertinggal"}
    assert items[codes[0]]["categories"] == {"tertinggal": None}
    assert not items[codes[28]]["selected"]

    files = {"signed.jws": (await gw.get(f"{A}/public/rounds/{rnd.id}/signed-results")).content,
             "jwks.json": (await gw.get("/.well-known/jwks.json")).content,
             "inputs.json": (await gw.get(f"{A}/public/rounds/{rnd.id}/inputs")).content}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    assert verify.main(*(str(tmp_path / n) for n in files)) == 0
    assert "30 regions ranked, 5 selected: identical to the signed result" in capsys.readouterr().out

    # The minutes, rendered and read back, state the rule the committee applied.
    pdf = pdfium.PdfDocument((await gw.get(f"{A}/public/rounds/{rnd.id}/minutes")).content)
    words = " ".join(page.get_textpage().get_text_range() for page in pdf).replace("\r", " ").replace("\n", " ")
    text = " ".join(words.split())
    assert "Aturan pemerataan: sedikitnya 2 dengan tertinggal = tertinggal" in text
    assert "terpilih oleh aturan pemerataan: sedikitnya 2 dengan tertinggal = tertinggal (peringkat 21" in text
    assert "tergeser aturan pemerataan yang mencadangkan tempat bagi gugus pulau atau kategori lain" in text
    assert "equity" not in text  # every decision in Indonesian


CLASSES = {"kecil": {"max": 100000}, "sedang": {"min": 100000, "max": 500000},
           "besar": {"min": 500000, "max": 1000000}, "metropolitan": {"min": 1000000}}


async def test_population_classes_the_committee_defines_reserve_places(gw, auth):
    codes = sorted(r[0] for r in load_rows() if r[1] == "regency")[:12]
    people = [2_000_000] * 6 + [300_000] * 5 + [80_000]  # the smallest ranks last
    loaded = await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=auth("kemendagri"), json=[
        {"region_code": c, "year": 2019, "value": n, "source": "Dukcapil 2019 (test)"}
        for c, n in zip(codes, people, strict=True)])
    assert loaded.status_code == 200, loaded.text
    rule = {"min_per_category": [{"indicator": "population", "classes": CLASSES,
                                  "at_least": {"sedang": 1, "kecil": 1}}]}
    rnd = await open_round(gw, auth, year=2019, codes=codes, quota=4, equity_rules=rule)
    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {c: 90 - i for i, c in enumerate(codes)})
    await finish(gw, auth, rnd.id)
    items = {i["region_code"]: i for i in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                        headers=auth("kominfo_officer"))).json()["items"]}
    assert [c for c in codes if items[c]["selected"]] == [codes[0], codes[1], codes[6], codes[11]]
    assert items[codes[11]]["categories"] == {"population": "kecil"}
    assert items[codes[0]]["categories"] == {"population": "metropolitan"}
    assert "population = kecil" in items[codes[11]]["rule"]


async def test_minimums_that_cannot_fit_the_quota_are_refused(gw, auth):
    officer = auth("kominfo_officer")
    rubric = (await gw.get(f"{A}/rubrics", headers=officer)).json()["items"][0]
    r = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2019, "title": "Terlalu banyak", "quota": 2, "starts_on": "2019-03-01", "ends_on": "2019-03-02",
        "venue": "Pustiknas", "rubric_id": rubric["id"],
        "equity_rules": {"min_per_category": [{"indicator": "kkd", "at_least": {"rendah": 2, "sedang": 1}}]}})
    assert r.status_code == 422 and "kkd" in r.text
    undefined = {"min_per_category": [{"indicator": "population", "classes": CLASSES, "at_least": {"raksasa": 1}}]}
    r = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2019, "title": "Kelas tak dikenal", "quota": 2, "starts_on": "2019-03-01", "ends_on": "2019-03-02",
        "venue": "Pustiknas", "rubric_id": rubric["id"], "equity_rules": undefined})
    assert r.status_code == 422 and "raksasa" in r.text
