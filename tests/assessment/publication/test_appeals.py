"""Appeals (sanggahan): filed in the round's window with a document, upheld, the named component re-scored for
the named region alone, and the result published again as version 2; both versions verify offline and the
verifier tells which is current."""

import hashlib

import pypdfium2 as pdfium
import zxingcpp

from scenarios.documents import PDF, upload
from scenarios.publication import published_files
from scenarios.rounds import A, finish, open_round, score
from smartcity import verify
from tests.kit import refused

TPI, MUARA_ENIM, BINTAN = "21.72", "16.03", "21.01"
GROUNDS = "Dokumen rencana induk TIK sudah diserahkan sebelum wawancara tetapi tidak dinilai panel"
REASONS = "Tanda terima menunjukkan dokumen diserahkan 20 Februari; komponen wawancara dinilai ulang"


async def _published_with_window(gw, auth):
    officer = auth("kominfo_officer")
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, MUARA_ENIM, BINTAN], quota=1, assessors=2)
    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {TPI: 80, MUARA_ENIM: 79, BINTAN: 50})
    etag = (await gw.get(f"{A}/rounds/{rnd.id}", headers=officer)).headers["etag"]
    r = await gw.put(f"{A}/rounds/{rnd.id}/deadlines", headers={**officer, "If-Match": etag}, json={"items": [
        {"kind": "announcement", "due_on": "2019-03-09"},
        {"kind": "appeal", "opens_on": "2019-03-10", "due_on": "2019-03-16"}]})
    assert r.status_code == 200, r.text
    await finish(gw, auth, rnd.id)  # announced 9 March
    return rnd


async def test_an_upheld_appeal_is_published_again_and_both_versions_verify(gw, auth, tmp_path, capsys,
                                                                          object_store):
    officer, pemda = auth("kominfo_officer"), auth("pemda", region=MUARA_ENIM)
    rnd = await _published_with_window(gw, auth)
    rid = rnd.id
    first = await gw.get(f"{A}/public/rounds/{rid}/signed-results")
    assert [i["region_code"] for i in (await gw.get(f"{A}/public/rounds/{rid}/results")).json()["items"]
            if i["selected"]] == [TPI]

    appeal = {"region_code": MUARA_ENIM, "filed_on": "2019-03-17", "grounds": GROUNDS, "components": ["overall"]}
    body = refused(await gw.post(f"{A}/rounds/{rid}/appeals", headers=pemda, json=appeal), 409,
                   "appeal-window-closed")
    assert body["extra"] == {"opens_on": "2019-03-10", "due_on": "2019-03-16"}
    refused(await gw.post(f"{A}/rounds/{rid}/appeals", headers=pemda, json={**appeal, "filed_on": "2019-03-12",
                                                                          "components": ["nope"]}), 422, "validation")
    refused(await gw.post(f"{A}/rounds/{rid}/appeals", headers=auth("pemda", region=BINTAN),
                          json={**appeal, "filed_on": "2019-03-12"}), 404, "not-found")
    filed = await gw.post(f"{A}/rounds/{rid}/appeals", headers=pemda, json={**appeal, "filed_on": "2019-03-12"})
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["id"]
    assert (await gw.get(f"{A}/rounds/{rid}/appeals", headers=auth("pemda", region=BINTAN))).json() == []

    # The grounds' document, through a presigned URL to the object store.
    started = await upload(gw, pemda, f"{A}/rounds/{rid}/appeals/{appeal_id}/documents", PDF,
                           title="Tanda terima dokumen", filename="tanda-terima.pdf", purpose="grounds")
    doc = started["document"]["id"]
    assert (await gw.post(f"{A}/documents/{doc}/confirm", headers=pemda)).json()["version"] == 1
    assert [d["sha256"] for d in (await gw.get(f"{A}/rounds/{rid}/appeals/{appeal_id}/documents",
                                               headers=officer)).json()] == [hashlib.sha256(PDF).hexdigest()]

    # Nothing is re-opened before the decision; an upheld appeal re-opens its component for its region alone.
    moderation = {"assessor_id": rnd.assessors[0][0], "component_key": "overall", "value": 95,
                  "reason": "Dinilai ulang setelah sanggahan diterima"}
    path = f"{A}/rounds/{rid}/scores/{MUARA_ENIM}/moderations"
    refused(await gw.post(path, headers=officer, json=moderation), 409, "component-not-reopened")
    decided = await gw.post(f"{A}/rounds/{rid}/appeals/{appeal_id}/decision", headers=officer, json={
        "decision": "upheld", "decided_on": "2019-03-18", "reasons": REASONS})
    assert decided.status_code == 200 and decided.json()["state"] == "upheld", decided.text
    refused(await gw.post(f"{A}/rounds/{rid}/appeals/{appeal_id}/decision", headers=officer, json={
        "decision": "rejected", "decided_on": "2019-03-19", "reasons": REASONS}), 409, "appeal-decided")
    refused(await gw.post(f"{A}/rounds/{rid}/scores/{TPI}/moderations", headers=officer, json=moderation), 409,
            "component-not-reopened")
    for assessor_id, _ in rnd.assessors:
        r = await gw.post(path, headers=officer, json={**moderation, "assessor_id": assessor_id})
        assert r.status_code == 200, r.text

    refused(await gw.post(f"{A}/rounds/{rid}/republications", headers=officer,
                          json={"republished_on": "2019-03-17"}), 409, "act-date-order")
    again = await gw.post(f"{A}/rounds/{rid}/republications", headers=officer, json={"republished_on": "2019-03-20"})
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2 and again.json()["current"] is True
    refused(await gw.post(f"{A}/rounds/{rid}/republications", headers=officer,
                          json={"republished_on": "2019-03-21"}), 409, "no-upheld-appeal")
    refused(await gw.post(path, headers=officer, json=moderation), 409, "component-not-reopened")  # closed again

    # Shared caches keep "the current result" a minute; a reader who must see it now asks for no-cache.
    fresh = {"Cache-Control": "no-cache"}
    results = (await gw.get(f"{A}/public/rounds/{rid}/results", headers=fresh)).json()
    assert [i["region_code"] for i in results["items"] if i["selected"]] == [MUARA_ENIM]
    versions = (await gw.get(f"{A}/public/rounds/{rid}/signed-results/versions")).json()
    assert [(v["version"], v["current"], v["superseded_at"] is not None) for v in versions] == [
        (1, False, True), (2, True, False)]
    assert versions[0]["jws_sha256"] == hashlib.sha256(first.content).hexdigest()
    # Version 1 is the same bytes as before; the current one names it and the appeal.
    assert (await gw.get(f"{A}/public/rounds/{rid}/signed-results?version=1")).content == first.content
    # Both are read after the re-publication: version 1 with the inputs kept when the appeal was upheld.
    v1_files = await published_files(gw, rid, tmp_path, version=1)
    v2_files = await published_files(gw, rid, tmp_path, version=2)

    assert verify.main(*v1_files) == 0
    out = capsys.readouterr().out
    assert "version 1: SUPERSEDED" in out and "the current one is version 2" in out
    assert "3 regions ranked, 1 selected: identical to the signed result" in out
    assert verify.main(*v2_files) == 0
    out = capsys.readouterr().out
    assert "version 2, superseding version 1" in out and "the current version (of 2)" in out

    feed = (await gw.get(f"{A}/events")).json()["items"]
    republished = next(e["payload"] for e in feed if e["type"] == "round.republished")
    assert (republished["selected"], republished["no_longer_selected"]) == ([MUARA_ENIM], [TPI])
    filed_event = next(e["payload"] for e in feed if e["type"] == "appeal.filed")
    assert "grounds" not in filed_event and filed_event["region_code"] == MUARA_ENIM

    minutes = await gw.get(f"{A}/public/rounds/{rid}/minutes", headers=fresh)
    assert minutes.headers["content-disposition"].endswith('-v2.pdf"')
    pages = pdfium.PdfDocument(minutes.content)
    words = " ".join(p.get_textpage().get_text_range() for p in pages).replace("\r", "").replace("\n", " ")
    assert "3.1 Sanggahan dan perubahan hasil" in words and "versi 2" in words
    assert "Diterima" in words and "BA/GM100/2019/" in words and "/V2" in words
    # The QR code, read from the rendered page as a phone would, names this version.
    [qr] = zxingcpp.read_barcodes(pages[0].render(scale=2).to_pil())
    assert qr.text.endswith(f"/api/v1/assessment/public/rounds/{rid}/signed-results?version=2")
