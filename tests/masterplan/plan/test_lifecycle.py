"""From selection to MoU, a versioned masterplan, its roadmap, progress, and continuity across a new head."""

import pytest

from scenarios.masterplans import PLAN, PROGRAMMES, SIGNATORIES, TPI, M
from scenarios.rounds import publish_round
from services.common.events import consume_once
from services.masterplan.consumer import on_registry_event
from services.masterplan.models import ConsumerCursor


async def _approve(gw, plan_id, pemda, officer, number="Perwali No. 45 Tahun 2019", on="2019-11-15"):
    assert (await gw.post(f"{M}/masterplans/{plan_id}/transitions", json={"to": "submitted"}, headers=pemda)
            ).status_code == 200
    assert (await gw.post(f"{M}/masterplans/{plan_id}/transitions", json={"to": "in_review"}, headers=officer)
            ).status_code == 200
    r = await gw.post(f"{M}/masterplans/{plan_id}/transitions", headers=officer, json={
        "to": "approved", "legal_basis": {"kind": "perwali", "number": number, "date": on}})
    assert r.status_code == 200, r.text
    return r


async def _draft_with_programmes(gw, pemda):
    created = await gw.post(f"{M}/masterplans", json=PLAN, headers=pemda)
    assert created.status_code == 201, created.text
    plan_id, etag = created.json()["id"], created.headers["etag"]
    ids = []
    for p in PROGRAMMES:
        r = await gw.post(f"{M}/masterplans/{plan_id}/programmes", json=p, headers={**pemda, "If-Match": etag})
        assert r.status_code == 201, r.text
        etag = r.headers["etag"]
        ids.append(r.json()["id"])
    return plan_id, etag, ids


@pytest.fixture
async def selected_tpi(gw, auth):
    await publish_round(gw, auth, year=2019, selected=[TPI], others=["16.03"])
    r = await gw.post(f"{M}/mous", headers=auth("kominfo_officer"), json={
        "region_code": TPI, "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
        "document_ref": "NK/2019/TPI"})
    assert r.status_code == 201, r.text
    return r.json()


async def test_mou_needs_a_published_selection(gw, auth, selected_tpi):
    officer = auth("kominfo_officer")
    r = await gw.post(f"{M}/mous", headers=officer, json={
        "region_code": "16.03", "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
        "document_ref": "NK/2019/ME"})
    assert r.status_code == 409 and "tidak terpilih" in r.json()["detail"]
    assert selected_tpi["cohort_year"] == 2019 and selected_tpi["region_name"] == "Kota Tanjung Pinang"
    again = await gw.post(f"{M}/mous", headers=officer, json={
        "region_code": TPI, "signed_on": "2019-05-08", "place": "Jakarta", "signatories": SIGNATORIES,
        "document_ref": "NK/2019/TPI"})
    assert again.status_code == 409


async def test_masterplan_lifecycle_through_a_new_head(gw, auth, apps, sessionmakers, selected_tpi):
    pemda, officer = auth("pemda", region=TPI), auth("kominfo_officer")
    plan_id, etag, ids = await _draft_with_programmes(gw, pemda)

    stale = await gw.post(f"{M}/masterplans/{plan_id}/programmes", json=PROGRAMMES[0],
                          headers={**pemda, "If-Match": '"masterplan-1-v1"'})
    assert stale.status_code == 412
    outside = await gw.post(f"{M}/masterplans/{plan_id}/programmes", headers={**pemda, "If-Match": etag},
                            json={**PROGRAMMES[0], "start_year": 2024, "end_year": 2024, "budget": []})
    assert outside.status_code == 422
    assert (await gw.get(f"{M}/masterplans/{plan_id}", headers=auth("pemda", region="16.03"))).status_code == 404

    r = await gw.post(f"{M}/masterplans/{plan_id}/transitions", json={"to": "submitted"}, headers=pemda)
    assert r.status_code == 200
    approve = {"to": "approved", "legal_basis": {"kind": "perwali", "number": "Perwali No. 45 Tahun 2019",
                                                 "date": "2019-11-15"}}
    # The region never approves (the gate, by the state asked for); Kominfo not before the review.
    by_region = await gw.post(f"{M}/masterplans/{plan_id}/transitions", headers=pemda, json=approve)
    assert by_region.status_code == 403 and by_region.json()["extra"]["allowed_roles"] == ["kominfo_admin",
                                                                                           "kominfo_officer"]
    early = await gw.post(f"{M}/masterplans/{plan_id}/transitions", headers=officer, json=approve)
    assert early.status_code == 409 and early.json()["type"].endswith("/illegal-transition")
    await gw.post(f"{M}/masterplans/{plan_id}/transitions", json={"to": "in_review"}, headers=officer)
    comment = await gw.post(f"{M}/masterplans/{plan_id}/comments", headers=officer,
                            json={"body": "Tambahkan indikator kinerja untuk tiap quick win"})
    assert comment.status_code == 201
    no_basis = await gw.post(f"{M}/masterplans/{plan_id}/transitions", json={"to": "approved"}, headers=officer)
    assert no_basis.status_code == 422
    approved = await gw.post(f"{M}/masterplans/{plan_id}/transitions", headers=officer, json={
        "to": "approved", "legal_basis": {"kind": "perwali", "number": "Perwali No. 45 Tahun 2019",
                                          "date": "2019-11-15"}})
    assert approved.json()["state"] == "approved"

    # Approved is immutable.
    current = await gw.get(f"{M}/masterplans/{plan_id}", headers=pemda)
    frozen = await gw.patch(f"{M}/masterplans/{plan_id}", json={"vision": "Visi yang diubah diam-diam"},
                            headers={**pemda, "If-Match": current.headers["etag"]})
    assert frozen.status_code == 409

    # Roadmap: year x dimension, budgets per year and per source.
    roadmap = (await gw.get(f"{M}/masterplans/{plan_id}/roadmap", headers=auth("bappenas"))).json()
    years = {y["year"]: y for y in roadmap["years"]}
    assert years[2019]["dimensions"]["governance"]["programmes"] == ["P001"]
    assert years[2019]["dimensions"]["branding"]["programmes"] == ["P006"]
    assert years[2019]["budget_total"] == 2_100_000_000
    assert years[2020]["budget_by_source"] == {"apbd": 500_000_000, "apbn": 300_000_000,
                                               "csr_private": 100_000_000}
    assert years[2020]["quick_wins"] == ["P003"]
    assert years[2021]["dimensions"]["society"]["budget"] == 400_000_000
    assert roadmap["budget_total"] == sum(line["amount"] for p in PROGRAMMES for line in p["budget"])
    assert roadmap["budget_by_source"]["kpbu"] == 750_000_000
    assert roadmap["budget_by_dimension"]["governance"] == 3_000_000_000

    # Progress for two periods, and the late list.
    done = await gw.put(f"{M}/masterplans/{plan_id}/programmes/{ids[0]}/progress/2019", headers=pemda, json={
        "status": "done", "percent": 100, "realised_budget": 1_900_000_000,
        "evidence_links": ["https://tanjungpinangkota.go.id/pusat-data"]})
    assert done.status_code == 200, done.text
    q1 = await gw.put(f"{M}/masterplans/{plan_id}/programmes/{ids[1]}/progress/2020-Q1", headers=pemda,
                      json={"status": "on_track", "percent": 20, "realised_budget": 90_000_000})
    assert q1.status_code == 200
    review = f"{M}/masterplans/{plan_id}/programmes/{ids[1]}/progress/2020-Q1/review"
    reviewed = await gw.post(review, headers=officer, json={"note": "Sertakan bukti realisasi anggaran"})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review_note"] == "Sertakan bukti realisasi anggaran"
    again = await gw.put(f"{M}/masterplans/{plan_id}/programmes/{ids[1]}/progress/2020-Q1", headers=pemda,
                         json={"status": "on_track", "percent": 25, "realised_budget": 95_000_000})
    assert again.status_code == 200, again.text  # the period's report replaced, its review cleared
    assert again.json()["percent"] == 25 and again.json()["review_note"] is None
    wrong_year = await gw.put(f"{M}/masterplans/{plan_id}/programmes/{ids[0]}/progress/2021", headers=pemda,
                              json={"status": "done", "percent": 100})
    assert wrong_year.status_code == 422
    late = (await gw.get(f"{M}/masterplans/{plan_id}/late", params={"as_of": "2021-06-01"},
                         headers=officer)).json()["items"]
    assert {x["programme_key"]: x["missing_years"] for x in late} == {"P002": [2020], "P003": [2020],
                                                                      "P006": [2019, 2020]}

    # A new head is recorded in the registry; the masterplan service learns it from the feed.
    head = await gw.post(f"/api/v1/regions/{TPI}/heads", headers=auth("kemendagri"), json={
        "head_name": "Hj. Rahma", "title": "walikota", "start_date": "2020-02-01"})
    assert head.status_code == 201
    consumed = await consume_once(sessionmakers["masterplan"], apps["masterplan"].state.upstreams, source="regions",
                                  path="/api/v1/regions/events", cursor_model=ConsumerCursor,
                                  handler=on_registry_event)
    assert consumed >= 1
    flagged = (await gw.get(f"{M}/masterplans/{plan_id}", headers=pemda)).json()
    assert flagged["needs_reconfirmation"] is True
    assert (await consume_once(sessionmakers["masterplan"], apps["masterplan"].state.upstreams, source="regions",
                               path="/api/v1/regions/events", cursor_model=ConsumerCursor,
                               handler=on_registry_event)) == 0  # the cursor moved: nothing is applied twice

    # Revision into version 2, naming its reason.
    v2 = await gw.post(f"{M}/masterplans/{plan_id}/revisions", headers=pemda,
                       json={"reason": "Walikota baru (Hj. Rahma) menata ulang prioritas"})
    assert v2.status_code == 201 and v2.json()["version"] == 2
    v2_id, etag = v2.json()["id"], v2.headers["etag"]
    by_key = {p["key"]: p for p in v2.json()["programmes"]}
    r = await gw.delete(f"{M}/masterplans/{v2_id}/programmes/{by_key['P007']['id']}", headers={**pemda,
                                                                                               "If-Match": etag})
    assert r.status_code == 204
    etag = r.headers["etag"]
    changed = {**PROGRAMMES[1], "title": "Marketplace UMKM dan ekonomi kreatif",
               "budget": [{"year": 2020, "source": "apbd", "amount": 600_000_000},
                          {"year": 2021, "source": "kpbu", "amount": 750_000_000}]}
    r = await gw.put(f"{M}/masterplans/{v2_id}/programmes/{by_key['P002']['id']}", json=changed,
                     headers={**pemda, "If-Match": etag})
    assert r.status_code == 200
    r = await gw.post(f"{M}/masterplans/{v2_id}/programmes", headers={**pemda, "If-Match": r.headers["etag"]}, json={
        "dimension_code": "living", "element_code": "mobility", "title": "Transportasi laut terpadu",
        "opd": "Dinas Perhubungan", "start_year": 2022, "end_year": 2023,
        "budget": [{"year": 2022, "source": "apbn", "amount": 900_000_000}]})
    assert r.status_code == 201 and r.json()["key"] == "P008"
    await _approve(gw, v2_id, pemda, officer, number="Perwali No. 12 Tahun 2021", on="2021-03-15")

    versions = (await gw.get(f"{M}/masterplans", params={"region_code": TPI}, headers=officer)).json()["items"]
    assert [(v["version"], v["state"]) for v in versions] == [(1, "superseded"), (2, "approved")]
    assert versions[1]["needs_reconfirmation"] is False
    diff = (await gw.get(f"{M}/masterplans/{v2_id}/diff", params={"against": plan_id}, headers=officer)).json()
    assert [p["key"] for p in diff["added"]] == ["P008"]
    assert [p["key"] for p in diff["removed"]] == ["P007"]
    assert [(c["key"], sorted(f["field"] for f in c["changes"])) for c in diff["changed"]] == [
        ("P002", ["budget", "title"])]

    feed = (await gw.get(f"{M}/events", headers=officer)).json()["items"]
    types = [e["type"] for e in feed]
    for expected in ("mou.signed", "masterplan.approved", "progress.reported", "masterplan.flagged"):
        assert expected in types
    assert types.count("masterplan.approved") == 2


async def test_reconfirmation_clears_the_flag_and_is_recorded(gw, auth, apps, sessionmakers, selected_tpi):
    pemda, officer = auth("pemda", region=TPI), auth("kominfo_officer")
    plan_id, _, _ = await _draft_with_programmes(gw, pemda)
    await _approve(gw, plan_id, pemda, officer)
    assert (await gw.post(f"{M}/masterplans/{plan_id}/reconfirmations", headers=pemda,
                          json={"note": "nothing to reconfirm yet"})).status_code == 409
    await gw.post(f"/api/v1/regions/{TPI}/heads", headers=auth("kemendagri"), json={
        "head_name": "Hj. Rahma", "title": "walikota", "start_date": "2020-02-01"})
    await consume_once(sessionmakers["masterplan"], apps["masterplan"].state.upstreams, source="regions",
                       path="/api/v1/regions/events", cursor_model=ConsumerCursor, handler=on_registry_event)
    r = await gw.post(f"{M}/masterplans/{plan_id}/reconfirmations", headers=pemda,
                      json={"note": "Walikota baru menegaskan masterplan tetap berlaku"})
    assert r.status_code == 200 and r.json()["needs_reconfirmation"] is False
    assert r.json()["reconfirmation_note"] == "Walikota baru menegaskan masterplan tetap berlaku"


async def test_horizon_bounds(gw, auth, selected_tpi):
    pemda = auth("pemda", region=TPI)
    for start, end in ((2019, 2022), (2019, 2029)):
        r = await gw.post(f"{M}/masterplans", json={**PLAN, "start_year": start, "end_year": end}, headers=pemda)
        assert r.status_code == 422, (start, end)
    ok = await gw.post(f"{M}/masterplans", json={**PLAN, "start_year": 2019, "end_year": 2028}, headers=pemda)
    assert ok.status_code == 201


async def test_no_masterplan_without_mou_and_bad_input(gw, auth):
    pemda = auth("pemda", region="16.03")
    r = await gw.post(f"{M}/masterplans", json={**PLAN, "region_code": "16.03"}, headers=pemda)
    assert r.status_code == 409
    other = await gw.post(f"{M}/masterplans", json=PLAN, headers=pemda)
    assert other.status_code == 404  # a pemda user writes only for its own region
    for bad in ({**PLAN, "partners": [{"name": "X", "kind": "sponsor", "role": "r"}]}, {**PLAN, "vision": "short"},
                {**PLAN, "surprise": True}):
        r = await gw.post(f"{M}/masterplans", json=bad, headers=auth("kominfo_officer"))
        assert r.status_code == 422


async def test_budget_lines_are_whole_rupiah_inside_the_programme(gw, auth, selected_tpi):
    pemda = auth("pemda", region=TPI)
    created = await gw.post(f"{M}/masterplans", json=PLAN, headers=pemda)
    url, etag = f"{M}/masterplans/{created.json()['id']}/programmes", created.headers["etag"]
    for budget in ([{"year": 2019, "source": "apbd", "amount": 1.5}], [{"year": 2020, "source": "apbd", "amount": 1}],
                   [{"year": 2019, "source": "apbd", "amount": -1}], [{"year": 2019, "source": "hibah", "amount": 1}]):
        r = await gw.post(url, headers={**pemda, "If-Match": etag}, json={**PROGRAMMES[0], "budget": budget})
        assert r.status_code == 422, budget


async def test_evaluation_names_its_weights_version(gw, auth, selected_tpi):
    pemda, officer = auth("pemda", region=TPI), auth("kominfo_officer")
    plan_id, _, _ = await _draft_with_programmes(gw, pemda)
    await _approve(gw, plan_id, pemda, officer)
    v1 = (await gw.post(f"{M}/evaluation-schemes", headers=officer, json={"code": "evaluasi-gm100", "weights": {
        "baseline": 10, "output": 25, "outcome": 25, "impact": 20, "quick_win": 20}})).json()
    v2 = (await gw.post(f"{M}/evaluation-schemes", headers=officer, json={"code": "evaluasi-gm100", "weights": {
        "baseline": 20, "output": 20, "outcome": 20, "impact": 20, "quick_win": 20}})).json()
    assert (v1["version"], v2["version"]) == (1, 2)
    r = await gw.post(f"{M}/masterplans/{plan_id}/evaluations", headers=officer, json={
        "year": 2020, "scheme_id": v1["id"], "scores": {"baseline": 50, "output": 80, "outcome": 60, "impact": 40,
                                                       "quick_win": 100}})
    assert r.status_code == 201
    # 0.10*50 + 0.25*80 + 0.25*60 + 0.20*40 + 0.20*100 = 68
    assert float(r.json()["total"]) == 68.0 and r.json()["scheme_id"] == v1["id"]
    missing = await gw.post(f"{M}/masterplans/{plan_id}/evaluations", headers=officer, json={
        "year": 2021, "scheme_id": v2["id"], "scores": {"baseline": 50}})
    assert missing.status_code == 422
    # A number that would underflow to zero (or lose digits) when stored is refused, not written.
    for weight in ("1e-1000", "1E-7", "0.0001"):
        tiny = await gw.post(f"{M}/evaluation-schemes", headers=officer, json={"code": "evaluasi-gm100", "weights": {
            "baseline": 100, "output": weight}})
        assert tiny.status_code == 422, (weight, tiny.text)
    tiny_score = await gw.post(f"{M}/masterplans/{plan_id}/evaluations", headers=officer, json={
        "year": 2021, "scheme_id": v2["id"], "scores": {k: "1e-1000" for k in v2["weights"]}})
    assert tiny_score.status_code == 422


async def test_a_dimension_is_renamed_only_from_the_version_read(gw, auth):
    admin = auth("kominfo_admin")
    read = await gw.get(f"{M}/dimensions/governance")
    assert read.status_code == 200 and read.json()["elements"] and read.headers["etag"]
    rename = {"name_id": "Tata Kelola Cerdas", "name_en": "Smart Governance"}
    assert (await gw.patch(f"{M}/dimensions/governance", headers=admin, json=rename)).status_code == 428
    renamed = await gw.patch(f"{M}/dimensions/governance", headers={**admin, "If-Match": read.headers["etag"]},
                             json=rename)
    assert renamed.status_code == 200 and renamed.json()["name_id"] == "Tata Kelola Cerdas"
    assert renamed.headers["etag"] != read.headers["etag"]
    stale = await gw.patch(f"{M}/dimensions/governance", headers={**admin, "If-Match": read.headers["etag"]},
                           json={"name_en": "Governance"})
    assert stale.status_code == 412 and stale.json()["extra"]["current_etag"] == renamed.headers["etag"]
