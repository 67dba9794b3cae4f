"""A round shaped like 2019, replayed through the gateway: 165 invited, 107 attending, panels,
blind scoring, a refused conflict, moderation, selection of 25 under an equity rule, finalise,
publish, and the public view."""

import hashlib
from decimal import Decimal

import pytest

from scenarios.rounds import ADOPTED_BY

A = "/api/v1/assessment"
ASPECTS = ["commitment", "policy", "development_vision", "budget", "ict_infrastructure",
           "application_integration", "information_security"]


def _h(*parts) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest(), 16)


async def _regencies(gw):
    out, offset = [], 0
    while True:
        page = (await gw.get("/api/v1/regions", params={"level": "regency", "sort": "code", "limit": 200,
                                                          "offset": offset})).json()
        out += page["items"]
        offset += 200
        if offset >= page["total"]:
            return out


def _quality(region) -> float:
    if region["island_group"] == "papua":
        return 1.6  # far below the cut-off: only the equity rule can bring Papua in
    return 1 + (_h(region["code"]) % 400) / 100


def _value(region, assessor, aspect, disputed) -> str:
    if region["code"] == disputed:
        return {0: "1", 1: "5", 2: "3"}[assessor % 3]
    noise = ((_h(region["code"], assessor, aspect) % 5) - 2) * 0.1
    return f"{min(5.0, max(1.0, _quality(region) + noise)):.2f}"


@pytest.fixture
async def round_2019(gw, auth):
    """Everything up to scoring: rubric, KKD values, round, 165 invitations, 107 attending, assessors."""
    officer = auth("kominfo_officer")
    rubric = (await gw.get(f"{A}/rubrics", params={"code": "gm100-2019"}, headers=officer)).json()["items"][0]
    regencies = await _regencies(gw)
    kkd = "region_code,year,value,source\n" + "".join(
        f"{r['code']},2019,{['rendah', 'sedang', 'tinggi'][_h('kkd', r['code']) % 3]},PMK 126/PMK.07/2019\n"
        for r in regencies)
    loaded = await gw.post("/api/v1/regions/indicators/kkd/values/bulk", content=kkd,
                           headers={**auth("kemenkeu"), "content-type": "text/csv"})
    assert loaded.json()["created"] == 514

    body = {"year": 2019, "title": "Gerakan Menuju 100 Smart City 2019", "quota": 25, "starts_on": "2019-02-21",
            "ends_on": "2019-02-22", "venue": "Pustiknas, Tangerang Selatan", "rubric_id": rubric["id"],
            "equity_rules": {"min_per_island_group": {"papua": 2}, "max_per_province": 3}}
    created = await gw.post(f"{A}/rounds", json=body, headers=officer)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]

    non_papua = [r for r in regencies if r["island_group"] != "papua"]
    papua = [r for r in regencies if r["island_group"] == "papua"]
    invited = non_papua[::2][:160] + papua[:5]
    assert len(invited) == 165
    r = await gw.post(f"{A}/rounds/{rid}/invitations", json={"region_codes": [x["code"] for x in invited]},
                      headers=officer)
    assert r.json()["invited"] == 165
    assert (await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "inviting"}, headers=officer)).status_code == 200

    attending = invited[:104] + papua[:3]
    assert len(attending) == 107
    # As at Pustiknas: every answer and the attendance list in one call.
    answered = await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer, json={"items": [
        {"region_code": region["code"], "status": "accepted" if region in attending else "declined",
         "answered_on": "2019-02-11", **({"attended": True, "attended_on": "2019-02-21"} if region in attending
                                          else {})} for region in invited]})
    assert answered.status_code == 200 and answered.json()["updated"] == 165, answered.text

    institutions = ["UI", "BPPT", "Kominfo", "PUPR"]
    assessors = []
    for i in range(18):
        r = await gw.post(f"{A}/assessors", headers=officer, json={
            "user_sub": f"user:assessor-{i}", "name": f"Assessor {i}", "institution": institutions[i % 4]})
        assessors.append(r.json()["id"])
    return {"id": rid, "attending": attending, "invited": invited, "assessors": assessors, "papua": papua[:3]}


async def test_round_2019_end_to_end(gw, auth, round_2019):
    officer = auth("kominfo_officer")
    rid, attending, assessors = round_2019["id"], round_2019["attending"], round_2019["assessors"]
    disputed = attending[5]["code"]

    # A conflict of interest is refused: an assessor from the region's own province.
    conflicted = (await gw.post(f"{A}/assessors", headers=officer, json={
        "user_sub": "user:assessor-local", "name": "Local Expert", "institution": "ITB",
        "home_province": attending[0]["province_code"]})).json()["id"]
    refused = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel X", "venue": "Pustiknas", "starts_at": "2019-02-21T08:00:00+07:00",
        "ends_at": "2019-02-21T12:00:00+07:00", "assessor_ids": [conflicted], "region_codes": [attending[0]["code"]]})
    assert refused.status_code == 409
    assert refused.json()["extra"]["conflicts"][0]["reasons"] == [f"home province {attending[0]['province_code']}"]

    # Six panels of three over two days; every attending region in exactly one slot.
    panels = [assessors[i * 3:(i + 1) * 3] for i in range(6)]
    slots = [("2019-02-21T08:00:00+07:00", "2019-02-21T17:00:00+07:00"),
             ("2019-02-22T08:00:00+07:00", "2019-02-22T17:00:00+07:00")]
    panel_regions = {p: attending[p::6] for p in range(6)}
    for p, members in enumerate(panels):
        start, end = slots[p % 2]
        r = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
            "name": f"Panel {p + 1}", "venue": "Pustiknas, Ciputat", "starts_at": start, "ends_at": end,
            "assessor_ids": members, "region_codes": [x["code"] for x in panel_regions[p]]})
        assert r.status_code == 201, r.text
    clash = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Overlap", "venue": "Pustiknas", "starts_at": "2019-02-21T10:00:00+07:00",
        "ends_at": "2019-02-21T11:00:00+07:00", "assessor_ids": [panels[0][0]], "region_codes": [attending[1]["code"]]})
    assert clash.status_code == 409
    assert (await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "assessing"}, headers=officer)
            ).status_code == 200

    # Independent scoring, each assessor's sheets for all their regions in one call; blind until you submit.
    for p, members in enumerate(panels):
        for position, assessor in enumerate(members):
            me = auth("assessor", sub=f"user:assessor-{assessor - assessors[0]}")
            sheets = [{"region_code": region["code"], "scores": [
                {"component_key": a, "value": _value(region, position, a, disputed),
                 "comment": "dipaparkan oleh kepala daerah"} for a in ASPECTS]} for region in panel_regions[p]]
            mine = next((sh for sh in sheets if sh["region_code"] == disputed), None)
            if mine is not None and position == 1:
                saved = await gw.put(f"{A}/rounds/{rid}/scores/{disputed}", json={"scores": mine["scores"]},
                                     headers=me)
                assert saved.status_code == 204, saved.text
                seen = (await gw.get(f"{A}/rounds/{rid}/scores/{disputed}", headers=me)).json()
                assert {s["assessor_id"] for s in seen["scores"]} == {assessor}
            r = await gw.post(f"{A}/rounds/{rid}/score-sheets", json={"sheets": sheets, "submit": True}, headers=me)
            assert r.status_code == 200, r.text
    last = auth("assessor", sub=f"user:assessor-{panels[0][2] - assessors[0]}")
    everyone = (await gw.get(f"{A}/rounds/{rid}/scores/{panel_regions[0][0]['code']}", headers=last)).json()
    assert len({s["assessor_id"] for s in everyone["scores"]}) == 3

    assert (await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "moderating"}, headers=officer)
            ).status_code == 200
    live = (await gw.get(f"{A}/rounds/{rid}/results", headers=auth("bappenas"))).json()
    flagged = [r["region_code"] for r in live["items"] if r["flagged_for_moderation"]]
    assert flagged == [disputed]
    assert live["rubric_code"] == "gm100-2019" and live["rubric_version"] == 1
    assert 0.5 < live["agreement_alpha"] <= 1

    # Moderation: every score the outlier gave is brought in line, with a reason; originals stay visible.
    disputed_panel = next(p for p in range(6) if any(r["code"] == disputed for r in panel_regions[p]))
    outlier = panels[disputed_panel][1]
    for aspect in ASPECTS:
        r = await gw.post(f"{A}/rounds/{rid}/scores/{disputed}/moderations", headers=officer, json={
            "assessor_id": outlier, "component_key": aspect, "value": "3",
            "reason": "Panel agreed the presentation did not show a 5 on this aspect"})
        assert r.status_code == 200
        assert (Decimal(r.json()["value"]), Decimal(r.json()["moderated_value"])) == (5, 3)
    moderated = (await gw.get(f"{A}/rounds/{rid}/results", headers=officer)).json()
    assert next(r for r in moderated["items"] if r["region_code"] == disputed)["components"]["commitment"]["std"] < 41

    undated = await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "finalised"}, headers=officer)
    assert undated.status_code == 422 and "decided_on" in undated.text
    early = await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "finalised", "decided_on": "2019-01-31"},
                          headers=officer)
    assert early.status_code == 409 and early.json()["type"].endswith("/act-date-order"), early.text
    finalised = await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "finalised", "decided_on": "2019-03-08"},
                              headers=officer)
    assert finalised.status_code == 200 and finalised.json()["result_hash"]
    results = (await gw.get(f"{A}/rounds/{rid}/results", headers=officer)).json()
    assert results["frozen"] and results["selected_count"] == 25
    assert results == (await gw.get(f"{A}/rounds/{rid}/results", headers=officer)).json()
    check = (await gw.get(f"{A}/rounds/{rid}/verification", headers=auth("ksp"))).json()
    assert check["equal"] and check["stored_hash"] == finalised.json()["result_hash"]

    # The equity rules pushed two Papua regions in (and others in where the province cap freed places),
    # pushed as many out, and every such region's explanation says which rule did it.
    pushed_in = [r for r in results["items"] if r["pushed"] == "in"]
    pushed_out = [r for r in results["items"] if r["pushed"] == "out"]
    papua_in = [r for r in pushed_in if r["island_group"] == "papua"]
    assert {r["region_code"] for r in papua_in} <= {x["code"] for x in round_2019["papua"]}
    assert len(papua_in) == 2
    assert all("equity rule: at least 2 from island group papua" in r["rule"] for r in papua_in)
    assert all("province cap" in r["rule"] for r in pushed_in if r["island_group"] != "papua")
    assert len(pushed_out) == len(pushed_in)
    assert all("displaced" in r["rule"] or "per province" in r["rule"] for r in pushed_out)
    assert all(r["rank"] <= 25 for r in pushed_out) and all(r["rank"] > 25 for r in pushed_in)
    selected = [r for r in results["items"] if r["selected"]]
    provinces = [r["province_code"] for r in selected]
    assert max(provinces.count(p) for p in provinces) <= 3
    last = max((r for r in results["items"] if r["rank"]), key=lambda r: r["rank"])
    assert last["rank"] == 107 and not last["selected"]
    assert last["rule"] == "not selected: rank 107 is below the cut-off of 25"

    # Frozen: no more changes.
    r = await gw.post(f"{A}/rounds/{rid}/scores/{disputed}/moderations", headers=officer, json={
        "assessor_id": outlier, "component_key": "policy", "value": "2", "reason": "too late to change this one"})
    assert r.status_code == 409
    r = await gw.post(f"{A}/rounds/{rid}/scores/{disputed}/reopen", headers=officer,
                      json={"assessor_id": outlier, "reason": "trying to reopen a frozen round"})
    assert r.status_code == 409

    assert (await gw.get(f"{A}/public/rounds/{rid}/results")).status_code == 404
    backwards = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={
        "to": "published", "announced_on": "2019-03-07", "signatories": ADOPTED_BY})
    assert backwards.status_code == 409 and backwards.json()["type"].endswith("/act-date-order")
    published = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={
        "to": "published", "announced_on": "2019-03-20", "signatories": ADOPTED_BY})
    assert published.status_code == 200 and published.json()["announced_on"] == "2019-03-20"
    assert published.json()["decided_on"] == "2019-03-08" and published.json()["published_at"]
    public = await gw.get(f"{A}/public/rounds/{rid}/results")
    assert public.status_code == 200
    assert sum(1 for r in public.json()["items"] if r["selected"]) == 25
    assert "assessor" not in public.text.lower()
    selections = (await gw.get(f"{A}/selections", params={"year": 2019, "limit": 10})).json()
    assert selections["total"] == 25 and len(selections["items"]) == 10


async def test_illegal_transition_names_the_allowed_ones(gw, auth, round_2019):
    r = await gw.post(f"{A}/rounds/{round_2019['id']}/transitions", headers=auth("kominfo_officer"), json={
        "to": "published", "announced_on": "2019-03-20", "signatories": ADOPTED_BY})
    assert r.status_code == 409
    assert r.json()["extra"] == {"state": "inviting", "allowed": ["assessing"]}


async def test_rubric_in_use_is_immutable(gw, auth, round_2019):
    officer = auth("kominfo_officer")
    rubric = (await gw.get(f"{A}/rubrics", params={"code": "gm100-2019"}, headers=officer)).json()["items"][0]
    assert rubric["locked"] is True
    got = await gw.get(f"{A}/rubrics/{rubric['id']}", headers=officer)
    body = {"code": "gm100-2019", "title": "changed", "components": [
        {"key": "all", "name": "All", "kind": "panel", "weight": 100, "scale_min": 1, "scale_max": 5}]}
    r = await gw.put(f"{A}/rubrics/{rubric['id']}", json=body, headers={**officer, "If-Match": got.headers["etag"]})
    assert r.status_code == 409
    new_version = await gw.post(f"{A}/rubrics", json=body, headers=officer)
    assert new_version.status_code == 201 and new_version.json()["version"] == 2


async def test_scoring_limits(gw, auth, round_2019):
    officer = auth("kominfo_officer")
    rid, attending, assessors = round_2019["id"], round_2019["attending"], round_2019["assessors"]
    await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel 1", "venue": "Pustiknas", "starts_at": "2019-02-21T08:00:00+07:00",
        "ends_at": "2019-02-21T17:00:00+07:00", "assessor_ids": assessors[:2],
        "region_codes": [attending[0]["code"]]})
    twice = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel 2", "venue": "Pustiknas", "starts_at": "2019-02-22T08:00:00+07:00",
        "ends_at": "2019-02-22T17:00:00+07:00", "assessor_ids": assessors[2:4],
        "region_codes": [attending[0]["code"]]})
    assert twice.status_code == 409 and twice.json()["type"].endswith("/region-in-another-session")
    await gw.post(f"{A}/rounds/{rid}/transitions", json={"to": "assessing"}, headers=officer)
    me = auth("assessor", sub="user:assessor-0")
    code = attending[0]["code"]
    out_of_scale = await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me,
                                json={"scores": [{"component_key": "policy", "value": "6"}]})
    assert out_of_scale.status_code == 422
    assert out_of_scale.json()["errors"][0]["loc"] == ["body", "scores", 0, "value"]
    not_mine = await gw.put(f"{A}/rounds/{rid}/scores/{attending[1]['code']}", headers=me,
                            json={"scores": [{"component_key": "policy", "value": "3"}]})
    assert not_mine.status_code == 404
    partial = await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me,
                           json={"scores": [{"component_key": "policy", "value": "3"}]})
    assert partial.status_code == 204
    early = await gw.post(f"{A}/rounds/{rid}/scores/{code}/submit", headers=me)
    assert early.status_code == 409 and "commitment" in early.json()["extra"]["missing"]
    full = {"scores": [{"component_key": a, "value": "4"} for a in ASPECTS]}
    assert (await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me, json=full)).status_code == 204
    assert (await gw.post(f"{A}/rounds/{rid}/scores/{code}/submit", headers=me)).status_code == 204
    locked = await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me, json=full)
    assert locked.status_code == 409
    reopened = await gw.post(f"{A}/rounds/{rid}/scores/{code}/reopen", headers=officer,
                             json={"assessor_id": assessors[0], "reason": "Assessor asked to correct a typo"})
    assert reopened.status_code == 204
    assert (await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me, json=full)).status_code == 204
    other = auth("assessor", sub="user:assessor-1")
    blind = (await gw.get(f"{A}/rounds/{rid}/scores/{code}", headers=other)).json()
    assert blind["scores"] == []


async def test_pemda_self_assessment_is_its_own(gw, auth, round_2019):
    rid, code = round_2019["id"], round_2019["attending"][0]["code"]
    other = round_2019["attending"][1]["code"]
    r = await gw.get(f"{A}/rounds/{rid}/self-assessments/{other}", headers=auth("pemda", region=code))
    assert r.status_code == 404
    r = await gw.get(f"{A}/rounds/{rid}/invitations", headers=auth("pemda", region=code))
    assert [i["region_code"] for i in r.json()["items"]] == [code]
    r = await gw.patch(f"{A}/rounds/{rid}/invitations/{other}", json={"status": "declined"},
                       headers=auth("pemda", region=code))
    assert r.status_code == 404


async def test_invitation_by_filter_and_unknown_codes(gw, auth):
    officer = auth("kominfo_officer")
    rubric = (await gw.get(f"{A}/rubrics", params={"code": "gm100-2019"}, headers=officer)).json()["items"][0]
    rid = (await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2018, "title": "Gerakan Menuju 100 Smart City 2018", "quota": 50, "starts_on": "2018-03-05",
        "ends_on": "2018-03-07", "venue": "Pustiknas, Ciputat", "rubric_id": rubric["id"]})).json()["id"]
    await gw.post("/api/v1/regions/indicators/kkd/values/bulk", headers={**auth("kemenkeu"),
                  "content-type": "text/csv"}, content="region_code,year,value,source\n"
                  "21.72,2018,tinggi,PMK 2018\n21.71,2018,tinggi,PMK 2018\n21.01,2018,tinggi,PMK 2018\n")
    r = await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={
        "filter": {"type": "kota", "indicator": "kkd", "indicator_year": 2018, "indicator_values": ["tinggi"]}})
    assert r.status_code == 200, r.text
    assert r.json()["region_codes"] == ["21.71", "21.72"]  # 21.01 is a kabupaten
    bad = await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": ["99.99", "21.72"]})
    assert bad.status_code == 422 and "99.99" in bad.json()["detail"]
    again = await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": ["21.72"]})
    assert again.json() == {"invited": 0, "already_invited": 1, "region_codes": [], "left_out_selected": []}
