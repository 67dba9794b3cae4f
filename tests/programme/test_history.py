"""Programme history is data: the acts' own dates decide, whenever they are entered, and on any day the tests run.

The date-sensitive flows run twice: on the real day, and with the clock moved (time-machine) to 2046. Dates in
the data are historical (2017-2019, as in the seeds).
"""

from datetime import UTC, datetime

import pytest
import time_machine

from scenarios.masterplans import BINTAN, SIGNATORIES, TPI, M, approve, sign
from scenarios.rounds import OVERALL, A, finish, open_round, publish_round, score
from services.common.events import consume_once
from services.masterplan.consumer import on_registry_event
from services.masterplan.models import ConsumerCursor
from tests.kit import refused, rows


@pytest.fixture(params=["today", "2046-01-10"])
def clock(request):
    """The day the test runs: today, or far ahead with the clock moved for server and client alike."""
    if request.param == "today":
        yield None
        return
    with time_machine.travel(datetime.fromisoformat(request.param).replace(hour=9, tzinfo=UTC), tick=True):
        yield request.param


async def learn_from_registry(apps, sessionmakers) -> int:
    """What the masterplan service's poller does: read the registry's feed once."""
    return await consume_once(sessionmakers["masterplan"], apps["masterplan"].state.upstreams, source="regions",
                              path="/api/v1/regions/events", cursor_model=ConsumerCursor, handler=on_registry_event)


# The 2017 cohort, replayed years later --------------------------------------------------------------

async def test_replay_of_the_2017_cohort(gw, auth, apps, sessionmakers, clock):
    """80 invited, interviews 2-3 May 2017, 25 selected, MoUs in May, 24 masterplans approved by November 2017
    holding 25.6 million people; a walikota change of 2018 entered afterwards flags one of them."""
    officer = auth("kominfo_officer")
    regions = (await gw.get("/api/v1/regions", params={"level": "regency", "type": "kota", "limit": 80})).json()
    codes = [r["code"] for r in regions["items"]]
    selected, others = codes[:25], codes[25:]
    rid = await publish_round(gw, auth, year=2017, selected=selected, others=others, start="2017-05-02", assessors=2)
    results = (await gw.get(f"{A}/rounds/{rid}/results", headers=officer)).json()
    assert results["selected_count"] == 25 and len(results["items"]) == 80
    invitation = (await gw.get(f"{A}/rounds/{rid}/invitations", params={"limit": 1}, headers=officer)).json()
    assert invitation["items"][0]["attended_on"] == "2017-05-02"

    # Population (test figures): the 24 with a masterplan hold 25,600,000 people in 2017; the 25th 400,000.
    people = [1_066_666] * 23 + [25_600_000 - 1_066_666 * 23, 400_000]
    loaded = await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=auth("kemendagri"), json=[
        {"region_code": code, "year": 2017, "value": n, "source": "Dukcapil semester I 2017"}
        for code, n in zip(selected, people, strict=True)])
    assert loaded.status_code == 200, loaded.text

    for i, code in enumerate(selected):
        mou = await sign(gw, auth, code, "2017-05-25", f"NK/2017/{i}")
        assert mou["signed_on"] == "2017-05-25" and mou["recorded_at"][:4] != "2017"
    plans = []
    for i, code in enumerate(selected[:24]):
        plans.append(await approve(gw, auth, code, on=f"2017-{10 + i % 2}-{3 + i:02d}", number=f"Perwali {i}/2017"))
        if i < 10:  # ten quick wins delivered and reported
            done = await gw.put(f"{M}/masterplans/{plans[-1]['id']}/programmes/{plans[-1]['programme_id']}"
                                "/progress/2018", headers=auth("pemda", region=code),
                                json={"status": "done", "percent": 100})
            assert done.status_code == 200, done.text
    assert plans[0]["approved_on"] == "2017-10-03" and plans[0]["needs_reconfirmation"] is False

    # 2018: a new walikota for the first region, entered years later; a term that began before the plan flags nothing.
    first, second = selected[0], selected[1]
    for code, start in ((second, "2016-02-17"), (first, "2018-09-20")):
        r = await gw.post(f"/api/v1/regions/{code}/heads", headers=auth("kemendagri"), json={
            "head_name": "Walikota Baru", "title": "walikota", "start_date": start})
        assert r.status_code == 201, r.text
        assert r.json()["start_date"] == start and r.json()["recorded_at"]
    assert await learn_from_registry(apps, sessionmakers) >= 2
    flagged = (await gw.get(f"{M}/masterplans", params={"needs_reconfirmation": "true"}, headers=officer)).json()
    assert [p["region_code"] for p in flagged["items"]] == [first]
    assert "2018-09-20" in flagged["items"][0]["reconfirmation_reason"]

    def funnel_rows(body):
        return {y["year"]: y for y in body["per_year"]}, {y["year"]: y for y in body["cumulative"]}

    funnel = await gw.get("/api/v1/masterplan/funnel", headers=auth("ksp"))
    assert funnel.status_code == 200, funnel.text
    per_year, cumulative = funnel_rows(funnel.json())
    assert per_year[2017] == {
        "year": 2017, "invited": 80, "attended": 80, "selected": 25, "mou_signed": 25, "masterplans_approved": 24,
        "quick_wins_delivered": 10, "programmes_late": 14, "population_selected": 26_000_000,
        "population_with_masterplan": 25_600_000, "population_years": [2017], "population_unknown": 0,
        "selected_tertinggal": None}

    # Later population data does not rewrite 2017's figures.
    await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=auth("kemendagri"), json=[
        {"region_code": code, "year": 2019, "value": 2_000_000, "source": "Dukcapil 2019"} for code in selected])
    again, _ = funnel_rows((await gw.get("/api/v1/masterplan/funnel", headers=auth("ksp"))).json())
    assert again[2017]["population_with_masterplan"] == 25_600_000

    # 2018: a region selected in 2017 is not invited again; the others may be. Cumulative counts are distinct.
    nxt = await open_round(gw, auth, year=2018, codes=[others[0], BINTAN], start="2018-03-05", assess=False)
    body = refused(await gw.post(f"{A}/rounds/{nxt.id}/invitations", headers=officer,
                                 json={"region_codes": [first]}), 409, "region-already-selected")
    assert body["extra"]["selected"] == [{"region_code": first, "round_id": rid, "year": 2017}]
    per_year, cumulative = funnel_rows((await gw.get("/api/v1/masterplan/funnel", headers=auth("ksp"))).json())
    assert (per_year[2018]["invited"], cumulative[2018]["invited"]) == (2, 81)
    assert cumulative[2018]["selected"] == 25 and cumulative[2018]["population_with_masterplan"] == 25_600_000


# Effective dates ----------------------------------------------------------------------------------

async def test_head_terms_flag_by_their_dates_in_any_order(gw, auth, apps, sessionmakers, clock):
    officer, kemendagri = auth("kominfo_officer"), auth("kemendagri")
    await publish_round(gw, auth, year=2017, selected=[TPI, BINTAN], start="2017-05-02")
    for i, code in enumerate((TPI, BINTAN)):
        await sign(gw, auth, code, "2017-05-25", f"NK/2017/{i}")

    # Entered first, effective later: Bintan's new head is registered before its 2017 approval is back-filled.
    r = await gw.post(f"/api/v1/regions/{BINTAN}/heads", headers=kemendagri, json={
        "head_name": "Apri Sujadi", "title": "bupati", "start_date": "2018-09-20"})
    assert r.status_code == 201, r.text
    await learn_from_registry(apps, sessionmakers)
    bintan = await approve(gw, auth, BINTAN, on="2017-10-03", number="Perbup No. 30 Tahun 2017")
    assert bintan["needs_reconfirmation"] is True and "Apri Sujadi" in bintan["reconfirmation_reason"]

    tpi = await approve(gw, auth, TPI, on="2017-10-03", number="Perwali No. 45 Tahun 2017")
    assert (tpi["approved_on"], tpi["needs_reconfirmation"]) == ("2017-10-03", False)
    assert tpi["approval_recorded_at"] > "2018"  # recorded now, approved in 2017
    await gw.post(f"/api/v1/regions/{TPI}/heads", headers=kemendagri, json={
        "head_name": "H. Lis Darmansyah", "title": "walikota", "start_date": "2013-05-04", "end_date": "2018-05-04"})
    await learn_from_registry(apps, sessionmakers)
    assert (await gw.get(f"{M}/masterplans/{tpi['id']}", headers=officer)).json()["needs_reconfirmation"] is False
    await gw.post(f"/api/v1/regions/{TPI}/heads", headers=kemendagri, json={
        "head_name": "H. Syahrul", "title": "walikota", "start_date": "2018-09-20", "end_date": "2020-04-13"})
    await learn_from_registry(apps, sessionmakers)
    flagged = (await gw.get(f"{M}/masterplans/{tpi['id']}", headers=officer)).json()
    assert flagged["needs_reconfirmation"] is True and "H. Syahrul" in flagged["reconfirmation_reason"]

    pemda = auth("pemda", region=TPI)
    early = await gw.post(f"{M}/masterplans/{tpi['id']}/reconfirmations", headers=pemda, json={
        "note": "Walikota menegaskan masterplan tetap berlaku", "reconfirmed_on": "2017-01-01"})
    assert early.status_code == 422 and early.json()["errors"][0]["loc"] == ["body", "reconfirmed_on"]
    done = await gw.post(f"{M}/masterplans/{tpi['id']}/reconfirmations", headers=pemda, json={
        "note": "Walikota menegaskan masterplan tetap berlaku", "reconfirmed_on": "2018-12-03"})
    assert done.status_code == 200, done.text
    assert (done.json()["reconfirmed_on"], done.json()["needs_reconfirmation"]) == ("2018-12-03", False)
    assert done.json()["reconfirmation_reason"] is None
    # A term that begins after the reconfirmation flags the plan again; one before it would not.
    await gw.post(f"/api/v1/regions/{TPI}/heads", headers=kemendagri, json={
        "head_name": "Hj. Rahma", "title": "walikota", "start_date": "2020-04-14"})
    await learn_from_registry(apps, sessionmakers)
    assert (await gw.get(f"{M}/masterplans/{tpi['id']}", headers=officer)).json()["needs_reconfirmation"] is True

    revision = await gw.post(f"{M}/masterplans/{tpi['id']}/revisions", headers=pemda, json={
        "reason": "Walikota baru menata ulang prioritas", "decided_on": "2021-03-01"})
    assert revision.status_code == 201 and revision.json()["revised_on"] == "2021-03-01"


# The programme's rules: each refusal names its rule, and nothing is written -------------------------

async def test_a_selected_region_is_not_invited_again_without_a_reason(gw, auth, db):
    officer = auth("kominfo_officer")
    first = await publish_round(gw, auth, year=2017, selected=[TPI], others=["21.71"], start="2017-05-02")
    nxt = await open_round(gw, auth, year=2018, codes=[BINTAN], start="2018-03-05", assess=False)
    before = await rows(db["assessment"], "assessment")
    body = refused(await gw.post(f"{A}/rounds/{nxt.id}/invitations", headers=officer,
                                 json={"region_codes": [TPI, "21.71"]}), 409, "region-already-selected")
    assert f"round {first}, 2017" in body["detail"]
    assert await rows(db["assessment"], "assessment") == before
    by_filter = await gw.post(f"{A}/rounds/{nxt.id}/invitations", headers=officer,
                              json={"filter": {"type": "kota", "province": "21"}})
    assert by_filter.json()["region_codes"] == ["21.71"]
    assert by_filter.json()["left_out_selected"] == [{"region_code": TPI, "round_id": first, "year": 2017}]
    again = await gw.post(f"{A}/rounds/{nxt.id}/invitations", headers=officer, json={
        "region_codes": [TPI], "reinvitations": [{"region_code": TPI, "reason": "Evaluasi ulang atas permintaan KSP"}]})
    assert again.status_code == 200 and again.json()["region_codes"] == [TPI]
    listed = (await gw.get(f"{A}/rounds/{nxt.id}/invitations", headers=officer)).json()["items"]
    assert {i["region_code"]: i["reinvite_reason"] for i in listed}[TPI] == "Evaluasi ulang atas permintaan KSP"
    trail = (await gw.get(f"{A}/audit", params={"entity": "invitation"}, headers=officer)).json()["items"]
    assert any(e["action"] == "invitation.reinvite" and e["reason"] for e in trail)


async def test_a_session_lies_within_its_rounds_dates(gw, auth, db):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], start="2019-02-21", assess=False)
    slot = {"name": "Panel B", "venue": "Pustiknas", "starts_at": "2019-03-05T08:00:00+07:00",
            "ends_at": "2019-03-05T12:00:00+07:00", "assessor_ids": [rnd.assessors[0][0]], "region_codes": [BINTAN]}
    sessions = f"{A}/rounds/{rnd.id}/sessions"
    (panel,) = (await gw.get(sessions, headers=officer)).json()["items"]
    read = await gw.get(f"{sessions}/{panel['id']}", headers=officer)
    assert (await gw.delete(f"{sessions}/{panel['id']}", headers={**officer, "If-Match": read.headers["etag"]})
            ).status_code == 204
    before = await rows(db["assessment"], "assessment")
    body = refused(await gw.post(sessions, headers=officer, json=slot), 409, "session-outside-round")
    assert body["extra"] == {"starts_on": "2019-02-21", "ends_on": "2019-02-22"}
    assert await rows(db["assessment"], "assessment") == before
    current = await gw.get(f"{A}/rounds/{rnd.id}", headers=officer)
    moved = await gw.patch(f"{A}/rounds/{rnd.id}", headers={**officer, "If-Match": current.headers["etag"]},
                           json={"ends_on": "2019-03-06"})
    assert moved.status_code == 200, moved.text
    assert (await gw.post(sessions, headers=officer, json=slot)).status_code == 201
    back = await gw.patch(f"{A}/rounds/{rnd.id}", headers={**officer, "If-Match": moved.headers["etag"]},
                          json={"ends_on": "2019-02-22"})
    refused(back, 409, "session-outside-round")


async def test_attendance_is_recorded_only_once_the_round_is_open(gw, auth, db):
    officer = auth("kominfo_officer")
    rubric = (await gw.get(f"{A}/rubrics", params={"code": "gm100-2019"}, headers=officer)).json()["items"][0]
    rid = (await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2019, "title": "Gerakan Menuju 100 Smart City 2019", "quota": 25, "starts_on": "2019-02-21",
        "ends_on": "2019-02-22", "venue": "Pustiknas", "rubric_id": rubric["id"]})).json()["id"]
    await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": [TPI]})
    accepted = await gw.patch(f"{A}/rounds/{rid}/invitations/{TPI}", headers=auth("pemda", region=TPI),
                              json={"status": "accepted", "answered_on": "2019-02-11"})
    assert accepted.status_code == 200 and accepted.json()["answered_on"] == "2019-02-11"
    before = await rows(db["assessment"], "assessment")
    refused(await gw.patch(f"{A}/rounds/{rid}/invitations/{TPI}", headers=officer, json={"attended": True}),
            409, "attendance-not-open")
    refused(await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer,
                          json={"items": [{"region_code": TPI, "attended": True}]}), 409, "attendance-not-open")
    assert await rows(db["assessment"], "assessment") == before


async def test_a_round_is_not_finalised_while_panel_scores_are_owed(gw, auth, db):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN, "21.71"], quota=2, assessors=2)
    (a, sub_a), (b, sub_b) = rnd.assessors
    await score(gw, auth, rnd.id, sub_a, {TPI: 80, BINTAN: 70, "21.71": 60})
    await score(gw, auth, rnd.id, sub_b, {TPI: 82, BINTAN: 71})
    await score(gw, auth, rnd.id, sub_b, {"21.71": 50}, submit=False)  # saved, not submitted
    await finish(gw, auth, rnd.id, "moderating")
    before = await rows(db["assessment"], "assessment")
    body = refused(await gw.post(f"{A}/rounds/{rnd.id}/transitions", headers=officer,
                                 json={"to": "finalised", "decided_on": "2019-03-02"}), 409, "scores-owed")
    assert [(o["region_code"], o["assessor_id"]) for o in body["extra"]["owed"]] == [("21.71", b)]
    assert await rows(db["assessment"], "assessment") == before
    assert (await gw.get(f"{A}/rounds/{rnd.id}", headers=officer)).json()["state"] == "moderating"
    withdrawn = await gw.post(f"{A}/rounds/{rnd.id}/invitations/21.71/withdrawal", headers=officer, json={
        "reason": "Pemda tidak melengkapi dokumen wawancara", "withdrawn_on": "2019-03-02"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    await finish(gw, auth, rnd.id, "finalised")
    results = (await gw.get(f"{A}/rounds/{rnd.id}/results", headers=officer)).json()
    assert sorted(r["region_code"] for r in results["items"]) == [BINTAN, TPI]


async def test_missing_indicator_values_are_named_and_rules_come_from_definitions(gw, auth):
    components = [
        {"key": "overall", "name": "Wawancara", "kind": "panel", "weight": 60, "scale_min": 0, "scale_max": 100},
        {"key": "fiscal", "name": "Kemampuan keuangan", "kind": "indicator", "weight": 20, "indicator_code": "kkd",
         "normalisation": {"from_indicator": True}},
        {"key": "green", "name": "Indeks Kota Hijau", "kind": "indicator", "weight": 20, "indicator_code": "ikh",
         "normalisation": {"from_indicator": True}}]
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], quota=1, components=components)
    await gw.post("/api/v1/regions/indicators/kkd/values/bulk", headers=auth("kemenkeu"),
                  json=[{"region_code": TPI, "year": 2019, "value": "sedang", "source": "PMK 2019"}])
    await gw.post("/api/v1/regions/indicators/ikh/values/bulk", headers=auth("pupr"),
                  json=[{"region_code": TPI, "year": 2019, "value": 80, "source": "P2KH 2019"}])
    await score(gw, auth, rnd.id, rnd.assessors[0][1], {TPI: 50, BINTAN: 50})
    # The same in every state: live while assessing (the registry's values now), from the snapshot taken when
    # scoring closes, and frozen once finalised and published.
    for state in ("assessing", "moderating", "finalised", "published"):
        if state != "assessing":
            await finish(gw, auth, rnd.id, state)
        items = {r["region_code"]: r for r in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                             headers=auth("kominfo_officer"))).json()["items"]}
        # kkd's categories rendah < sedang < tinggi become 0, 50, 100; ikh's 0-100 range scales 80 to 80.
        assert items[TPI]["components"]["fiscal"]["score"] == 50, state
        assert items[TPI]["components"]["green"]["score"] == 80, state
        assert items[TPI]["total"] == 0.6 * 50 + 0.2 * 50 + 0.2 * 80 and items[TPI]["missing"] == [], state
        assert items[BINTAN]["missing"] == [
            {"component_key": "fiscal", "reason": "no value of indicator kkd", "rule": "scored 0 of 100"},
            {"component_key": "green", "reason": "no value of indicator ikh", "rule": "scored 0 of 100"}], state


async def test_a_conflict_declared_after_the_panel_takes_effect_at_once(gw, auth, db):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], assessors=2)
    (a, sub_a), (b, sub_b) = rnd.assessors
    await score(gw, auth, rnd.id, sub_a, {TPI: 90, BINTAN: 40})
    await score(gw, auth, rnd.id, sub_b, {TPI: 70}, submit=False)
    declared = await gw.post(f"{A}/assessors/{b}/conflicts", headers=auth("assessor", sub=sub_b),
                             json={"region_code": TPI, "reason": "Pernah menjadi konsultan Pemko Tanjungpinang"})
    assert declared.status_code == 201, declared.text
    before = await rows(db["assessment"], "assessment")
    me_b = auth("assessor", sub=sub_b)
    refused(await gw.put(f"{A}/rounds/{rnd.id}/scores/{TPI}", headers=me_b,
                         json={"scores": [{"component_key": "overall", "value": "75"}]}), 409, "conflict-of-interest")
    refused(await gw.post(f"{A}/rounds/{rnd.id}/scores/{TPI}/submit", headers=me_b), 409, "conflict-of-interest")
    assert await rows(db["assessment"], "assessment") == before

    # A's submitted score is set aside (kept, audited, not counted) once A declares too.
    await gw.post(f"{A}/assessors/{a}/conflicts", headers=officer,
                  json={"region_code": TPI, "reason": "Keluarga dekat pejabat Pemko"})
    await score(gw, auth, rnd.id, sub_b, {BINTAN: 60})
    results = {r["region_code"]: r for r in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                           headers=officer)).json()["items"]}
    assert results[TPI]["set_aside"] == [a] and results[TPI]["rank"] is None
    assert (await gw.get(f"{A}/rounds/{rnd.id}/scores/{TPI}", headers=officer)).json()["scores"][0]["value"] == "90.000"
    trail = (await gw.get(f"{A}/audit", params={"entity": "submission"}, headers=officer)).json()["items"]
    assert any(e["action"] == "score.set_aside" for e in trail)
    # The officer decides: A may score it after all, and A's score counts again.
    decided = await gw.post(f"{A}/rounds/{rnd.id}/conflict-overrides", headers=officer, json={
        "assessor_id": a, "region_code": TPI, "reason": "Hubungan keluarga sudah berakhir sejak 2015"})
    assert decided.status_code == 201, decided.text
    results = {r["region_code"]: r for r in (await gw.get(f"{A}/rounds/{rnd.id}/results",
                                                           headers=officer)).json()["items"]}
    assert results[TPI]["set_aside"] == [] and results[TPI]["total"] == 90


# Operations the workflow needs ---------------------------------------------------------------------

async def test_read_and_amend_an_mou(gw, auth):
    officer = auth("kominfo_officer")
    await publish_round(gw, auth, year=2018, selected=[TPI], start="2018-03-05")
    mou = await sign(gw, auth, TPI, "2018-05-08", "NK 119/M.KOMINFO/HK.03.02/05/2018")
    read = await gw.get(f"{M}/mous/{mou['id']}", headers=auth("pemda", region=TPI))
    assert read.status_code == 200 and read.json()["document_ref"] == mou["document_ref"]
    assert (await gw.get(f"{M}/mous/{mou['id']}", headers=auth("pemda", region=BINTAN))).status_code == 404
    change = {"reason": "Adendum: penandatangan Pemko berganti", "amended_on": "2018-07-02",
              "signatories": [*SIGNATORIES[:1], {"name": "H. Syahrul", "title": "Walikota Tanjungpinang",
                                                 "organisation": "Pemerintah Kota Tanjungpinang"}]}
    assert (await gw.patch(f"{M}/mous/{mou['id']}", headers=officer, json=change)).status_code == 428
    amended = await gw.patch(f"{M}/mous/{mou['id']}", headers={**officer, "If-Match": read.headers["etag"]},
                             json=change)
    assert amended.status_code == 200, amended.text
    assert (amended.json()["amended_on"], amended.json()["signed_on"]) == ("2018-07-02", "2018-05-08")
    stale = await gw.patch(f"{M}/mous/{mou['id']}", headers={**officer, "If-Match": read.headers["etag"]},
                           json=change)
    assert stale.status_code == 412
    early = await gw.patch(f"{M}/mous/{mou['id']}", headers={**officer, "If-Match": amended.headers["etag"]},
                           json={**change, "amended_on": "2018-01-01"})
    assert early.status_code == 422
    trail = (await gw.get(f"{M}/audit", params={"entity": "mou"}, headers=officer)).json()["items"]
    assert [e["reason"] for e in trail if e["action"] == "mou.amend"] == [change["reason"]]


async def test_withdraw_an_invitation_and_edit_or_cancel_a_session(gw, auth):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], assessors=2, assess=False)
    out = await gw.post(f"{A}/rounds/{rnd.id}/invitations/{BINTAN}/withdrawal", headers=officer,
                        json={"reason": "Undangan dikirim ke daerah yang salah"})
    assert out.status_code == 200 and out.json()["withdrawal_reason"] == "Undangan dikirim ke daerah yang salah"
    refused(await gw.patch(f"{A}/rounds/{rnd.id}/invitations/{BINTAN}", headers=auth("pemda", region=BINTAN),
                           json={"status": "accepted"}), 409, "invitation-withdrawn")

    sessions = f"{A}/rounds/{rnd.id}/sessions"
    (slot,) = (await gw.get(sessions, headers=officer)).json()["items"]
    one = f"{sessions}/{slot['id']}"
    change = {"venue": "Pustiknas, Ciputat", "starts_at": "2019-03-02T08:00:00+07:00",
              "ends_at": "2019-03-02T12:00:00+07:00", "region_codes": [TPI], "assessor_ids": [rnd.assessors[0][0]]}
    refused(await gw.patch(one, headers=officer, json=change), 428, "precondition-required")
    read = await gw.get(one, headers=officer)
    moved = await gw.patch(one, headers={**officer, "If-Match": read.headers["etag"]}, json=change)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["venue"], moved.json()["region_codes"]) == ("Pustiknas, Ciputat", [TPI])
    assert moved.headers["etag"] != read.headers["etag"]
    # A second officer still holding the first version loses nothing silently: 412.
    refused(await gw.patch(one, headers={**officer, "If-Match": read.headers["etag"]}, json={"venue": "Aula"}),
            412, "precondition-failed")
    await finish(gw, auth, rnd.id, "assessing")
    await score(gw, auth, rnd.id, rnd.assessors[0][1], {TPI: 70}, submit=False)
    current = {**officer, "If-Match": moved.headers["etag"]}
    refused(await gw.patch(one, headers=current, json={"venue": "Aula Kominfo"}), 409, "scoring-started")
    refused(await gw.delete(one, headers=current), 409, "scoring-started")


# Bulk work as at Pustiknas --------------------------------------------------------------------------

async def test_answers_for_many_regions_are_all_or_nothing(gw, auth, db):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI], assess=False)
    await gw.post(f"{A}/rounds/{rnd.id}/invitations", headers=officer, json={"region_codes": [BINTAN, "21.71"]})
    before = await rows(db["assessment"], "assessment")
    bad = await gw.post(f"{A}/rounds/{rnd.id}/invitations/answers", headers=officer, json={"items": [
        {"region_code": BINTAN, "status": "accepted", "attended": True},
        {"region_code": "21.71", "attended": True},
        {"region_code": "21.04", "status": "declined"}]})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["errors"]] == [["body", "items", 1], ["body", "items", 2, "region_code"]]
    assert await rows(db["assessment"], "assessment") == before
    ok = await gw.post(f"{A}/rounds/{rnd.id}/invitations/answers", headers=officer, json={"items": [
        {"region_code": BINTAN, "status": "accepted", "answered_on": "2019-02-12", "attended": True,
         "attended_on": "2019-03-01"}, {"region_code": "21.71", "status": "declined", "answered_on": "2019-02-13"}]})
    assert ok.status_code == 200 and ok.json()["updated"] == 2
    assert [(i["status"], i["attended_on"]) for i in ok.json()["items"]] == [("accepted", "2019-03-01"),
                                                                           ("declined", None)]


async def test_one_sheet_for_several_regions_is_all_or_nothing(gw, auth, db):
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN])
    me = auth("assessor", sub=rnd.assessors[0][1])
    before = await rows(db["assessment"], "assessment")
    bad = await gw.post(f"{A}/rounds/{rnd.id}/score-sheets", headers=me, json={"submit": True, "sheets": [
        {"region_code": TPI, "scores": [{"component_key": "overall", "value": "80"}]},
        {"region_code": "21.71", "scores": [{"component_key": "overall", "value": "80"}]},
        {"region_code": BINTAN, "scores": [{"component_key": "overall", "value": "180"}]}]})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["errors"]] == [["body", "sheets", 1, "region_code"],
                                                        ["body", "sheets", 2, "scores", 0, "value"]]
    assert await rows(db["assessment"], "assessment") == before


async def test_the_excel_score_sheet_round_trip(gw, auth, db):
    import io

    from openpyxl import load_workbook

    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], assessors=2)
    me, other = (auth("assessor", sub=sub) for _, sub in rnd.assessors)
    url = f"{A}/rounds/{rnd.id}/score-sheets/xlsx"
    got = await gw.get(url, headers=me)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(got.content))
    sheet = book["Nilai"]
    assert [c.value for c in sheet[3]] == ["Kode wilayah", "Nama wilayah", "Komponen", "Nama komponen",
                                           "Skala min", "Skala maks", "Nilai", "Catatan"]
    assert [(sheet[f"A{n}"].value, sheet[f"C{n}"].value) for n in (4, 5)] == [(BINTAN, "overall"), (TPI, "overall")]
    assert sheet.freeze_panes == "A4" and sheet["F4"].value == 100

    def upload(fill: dict[str, object], **params):
        for cell, value in fill.items():
            sheet[cell] = value
        out = io.BytesIO()
        book.save(out)
        return gw.put(url, headers={**me, "content-type": "application/vnd.openxmlformats-officedocument."
                                                          "spreadsheetml.sheet"}, params=params,
                      content=out.getvalue())

    before = await rows(db["assessment"], "assessment")
    bad = await upload({"G4": "tujuh puluh", "G5": 85})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["Nilai", "G4"]
    out_of_scale = await upload({"G4": 170})
    assert out_of_scale.status_code == 422 and out_of_scale.json()["errors"][0]["loc"] == ["Nilai", "G4"]
    assert await rows(db["assessment"], "assessment") == before
    assert (await gw.put(url, headers={**me, "content-type": "text/csv"}, content=b"a,b")).status_code == 415
    assert (await gw.put(url, headers={**me, "content-type": "application/octet-stream"},
                         content=b"PK\x03\x04 not really")).status_code == 422

    ok = await upload({"G4": "72,5", "H4": "Visi kuat, anggaran terbatas"}, submit="true")
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"saved": [BINTAN, TPI], "submitted": [BINTAN, TPI]}
    # Exactly as through the API: blind for a panel member who has not submitted, locked once submitted, audited.
    assert (await gw.get(f"{A}/rounds/{rnd.id}/scores/{TPI}", headers=other)).json()["scores"] == []
    sheet_back = (await gw.get(f"{A}/rounds/{rnd.id}/scores/{BINTAN}", headers=officer)).json()
    assert [(s["value"], s["comment"]) for s in sheet_back["scores"]] == [("72.500", "Visi kuat, anggaran terbatas")]
    locked = await upload({"G4": 10})
    assert locked.status_code == 422 and locked.json()["errors"][0]["loc"] == ["Nilai", "A4"]
    trail = (await gw.get(f"{A}/audit", params={"entity": "submission"}, headers=officer)).json()["items"]
    assert sum(e["action"] == "score.submit" for e in trail) == 2


async def test_text_people_typed_never_runs_in_the_score_sheet(gw, auth):
    import io

    from openpyxl import load_workbook

    evil = '=HYPERLINK("http://evil.example/x","klik")'
    rnd = await open_round(gw, auth, year=2019, codes=[TPI], title="+Smart City 2019", components=[
        {**OVERALL, "key": "evil", "name": evil, "levels": {"1": "@SUM(A1)", "2": "Cukup"}}])
    me = auth("assessor", sub=rnd.assessors[0][1])
    saved = await gw.post(f"{A}/rounds/{rnd.id}/score-sheets", headers=me, json={"submit": False, "sheets": [
        {"region_code": TPI, "scores": [{"component_key": "evil", "value": "70", "comment": "-cmd|' /C calc'!A0"}]}]})
    assert saved.status_code == 200, saved.text
    got = await gw.get(f"{A}/rounds/{rnd.id}/score-sheets/xlsx", headers=me)
    book = load_workbook(io.BytesIO(got.content))
    sheet, levels = book["Nilai"], book["Tingkat"]
    for cell, text in ((sheet["D4"], evil), (sheet["H4"], "-cmd|' /C calc'!A0"), (levels["B2"], evil),
                       (levels["D2"], "@SUM(A1)")):
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert sheet["A1"].value.startswith("Lembar nilai: +Smart City") and sheet["A1"].data_type == "s"
    assert not sheet["A4"].quotePrefix and not levels["D3"].quotePrefix
    # Sent back as downloaded, the comment arrives unchanged (no apostrophe added).
    out = io.BytesIO()
    book.save(out)
    back = await gw.put(f"{A}/rounds/{rnd.id}/score-sheets/xlsx", headers={
        **me, "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        content=out.getvalue())
    assert back.status_code == 200, back.text
    scores = (await gw.get(f"{A}/rounds/{rnd.id}/scores/{TPI}", headers=me)).json()["scores"]
    assert [s["comment"] for s in scores] == ["-cmd|' /C calc'!A0"]


# Figures as people read them -----------------------------------------------------------------------

async def test_indicator_values_are_never_in_exponent_notation(gw, auth):
    r = await gw.post("/api/v1/regions/indicators/population/values/bulk", headers=auth("kemendagri"),
                      json=[{"region_code": TPI, "year": 2019, "value": "2.5E+6", "source": "Dukcapil 2019"}])
    assert r.status_code == 200, r.text
    values = (await gw.get("/api/v1/regions/indicators/population/values", params={"year": 2019},
                           headers=auth("bappenas"))).json()["items"]
    assert [v["value"] for v in values if v["region_code"] == TPI] == ["2500000"]
    csv = await gw.get("/api/v1/regions/indicators/population/values/export", params={"year": 2019},
                       headers=auth("bappenas"))
    assert "2500000" in csv.text and "E+" not in csv.text
