"""Panels and self-assessment: conflicts of interest keep assessors away, and declared values are checked."""

from scenarios.masterplans import BINTAN, TPI
from scenarios.rounds import A, finish, open_round, score
from tests.kit import refused, rows

SELF = [{"key": "overall", "name": "Wawancara", "kind": "panel", "weight": 70, "scale_min": 0, "scale_max": 100},
        {"key": "readiness", "name": "Kesiapan (mandiri)", "kind": "self", "weight": 30, "scale_min": 1,
         "scale_max": 5}]


async def _panel_for(gw, auth, rid, assessor_id, codes, **extra):
    return await gw.post(f"{A}/rounds/{rid}/sessions", headers=auth("kominfo_officer"), json={
        "name": "Panel C", "venue": "Pustiknas", "starts_at": "2019-03-02T08:00:00+07:00",
        "ends_at": "2019-03-02T12:00:00+07:00", "assessor_ids": [assessor_id], "region_codes": codes, **extra})


async def test_conflicts_keep_an_assessor_off_a_panel_unless_overridden_with_a_reason(gw, auth, db):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI], assess=False)
    await gw.post(f"{A}/rounds/{rnd.id}/invitations", headers=officer, json={"region_codes": [BINTAN, "21.71"]})
    await gw.post(f"{A}/rounds/{rnd.id}/invitations/answers", headers=officer, json={"items": [
        {"region_code": code, "status": "accepted"} for code in (BINTAN, "21.71")]})
    made = [await gw.post(f"{A}/assessors", headers=officer, json=body) for body in (
        {"user_sub": "user:itb-1", "name": "Penilai ITB", "institution": "ITB"},
        {"user_sub": "user:kepri-1", "name": "Penilai Kepri", "institution": "UI", "home_province": "21"},
        {"user_sub": "user:bppt-1", "name": "Penilai BPPT", "institution": "BPPT"})]
    itb, kepri, bppt = (m.json()["id"] for m in made)
    assert (await gw.post(f"{A}/mentorships", headers=officer, json={"institution": "ITB", "region_code": BINTAN})
            ).status_code == 201
    await gw.post(f"{A}/assessors/{bppt}/conflicts", headers=auth("assessor", sub="user:bppt-1"),
                  json={"region_code": "21.71", "reason": "Istri bekerja di Pemko Batam"})
    before = await rows(db["assessment"], "assessment")
    for assessor, region, why in ((itb, BINTAN, "ITB mentors this region"), (kepri, "21.71", "home province 21"),
                                  (bppt, "21.71", "declared: Istri bekerja di Pemko Batam")):
        body = refused(await _panel_for(gw, auth, rnd.id, assessor, [region]), 409, "conflict-of-interest")
        assert body["extra"]["conflicts"][0]["reasons"] == [why]
    assert await rows(db["assessment"], "assessment") == before
    ok = await _panel_for(gw, auth, rnd.id, itb, [BINTAN], overrides=[
        {"assessor_id": itb, "region_code": BINTAN, "reason": "Pendampingan ITB berakhir sebelum putaran ini"}])
    assert ok.status_code == 201, ok.text
    trail = (await gw.get(f"{A}/audit", params={"entity": "assessor", "entity_id": str(itb)},
                          headers=officer)).json()["items"]
    assert [e["reason"] for e in trail if e["action"] == "conflict.override"] == [
        "Pendampingan ITB berakhir sebelum putaran ini"]


async def test_self_assessment_is_checked_verified_and_scored_as_verified(gw, auth, db):
    officer, pemda = auth("kominfo_officer"), auth("pemda", region=TPI)
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], components=SELF)
    url = f"{A}/rounds/{rnd.id}/self-assessments/{TPI}"
    declared = await gw.put(url, headers=pemda, json={"items": [
        {"component_key": "readiness", "value": "4", "evidence_links": ["https://tanjungpinangkota.go.id/dsc"]}]})
    assert declared.status_code == 200, declared.text
    assert (await gw.put(f"{A}/rounds/{rnd.id}/self-assessments/{BINTAN}", headers=pemda, json={"items": [
        {"component_key": "readiness", "value": "4"}]})).status_code == 404  # another region's
    before = await rows(db["assessment"], "assessment")
    for bad in ({"component_key": "readiness", "value": "9"}, {"component_key": "overall", "value": "3"}):
        assert (await gw.put(url, headers=pemda, json={"items": [bad]})).status_code == 422, bad
    high = await gw.post(f"{url}/verifications", headers=officer,
                         json={"component_key": "readiness", "verified_value": "7"})
    assert high.status_code == 422 and high.json()["errors"][0]["loc"] == ["body", "verified_value"]
    assert await rows(db["assessment"], "assessment") == before
    assert (await gw.post(f"{url}/verifications", headers=officer,
                          json={"component_key": "readiness", "verified_value": "2"})).status_code == 204
    assert (await gw.get(url, headers=pemda)).json()["items"][0]["verified_value"] == "2.000"
    await score(gw, auth, rnd.id, rnd.assessors[0][1], {TPI: 80, BINTAN: 80})
    await finish(gw, auth, rnd.id, "moderating")
    results = {r["region_code"]: r for r in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                           headers=officer)).json()["items"]}
    # The verified 2 on the 1-5 scale is 25 of 100, not the declared 4 (75): 0.7*80 + 0.3*25.
    assert results[TPI]["components"]["readiness"]["score"] == 25
    assert results[TPI]["total"] == 0.7 * 80 + 0.3 * 25
    assert results[BINTAN]["missing"] == [{"component_key": "readiness", "reason": "no self-assessment value",
                                           "rule": "scored 0 of 100"}]
