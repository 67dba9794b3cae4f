"""2018's evaluation of the 2017 cohort replayed: 25 members invited by cohort, evidence uploaded to the object store
through presigned URLs, two panels and one declared conflict, an index per dimension and per pillar, the change
from an earlier evaluation, ranks in the province and the country, the signed publication verified offline, the
letters rendered and read back; one appeal upheld and published again, both versions verifiable; one reminder
e-mail caught by a real SMTP server."""

import csv
import io

import pypdfium2 as pdfium
import zxingcpp

from scenarios.documents import PDF, upload
from scenarios.masterplans import M, approve, sign
from scenarios.publication import published_files
from scenarios.rounds import ADOPTED_BY, A, publish_round
from services.assessment.deadlines.mailer import deliver_once
from services.regions.importer import load_rows
from smartcity import verify
from tests.kit import refused

SCHEME = [
    {"key": "tata_kelola", "name": "Tata kelola", "kind": "group", "weight": 50},
    {"key": "kebijakan", "parent_key": "tata_kelola", "name": "Kebijakan dan kelembagaan", "kind": "panel",
     "weight": 60, "scale_min": 0, "scale_max": 100, "pillar": "governance"},
    {"key": "dokumen", "parent_key": "tata_kelola", "name": "Dokumen perencanaan (mandiri)", "kind": "self",
     "weight": 40, "scale_min": 1, "scale_max": 5, "pillar": "governance"},
    {"key": "layanan", "name": "Layanan", "kind": "group", "weight": 50},
    {"key": "ekonomi", "parent_key": "layanan", "name": "Ekonomi digital", "kind": "panel", "weight": 50,
     "scale_min": 0, "scale_max": 100, "pillar": "economy"},
    {"key": "masyarakat", "parent_key": "layanan", "name": "Masyarakat", "kind": "panel", "weight": 50,
     "scale_min": 0, "scale_max": 100, "pillar": "society"},
]
PANEL = ("kebijakan", "ekonomi", "masyarakat")
CONTACT = "diskominfo@kedirikota.go.id"


def _cohort() -> list[str]:
    """Ten members in Jawa Timur and fifteen elsewhere."""
    regencies = sorted(r[0] for r in load_rows() if r[1] == "regency")
    east = [c for c in regencies if c.startswith("35.")][:10]
    return east + [c for c in regencies if not c.startswith("35.")][::30][:15]


def _quality(i: int) -> float:
    return 40 + (i * 37) % 55


async def _evaluation(gw, auth, *, year: int, start: str, rubric_id: int, codes: list[str] | None,
                      rule: dict | None = None) -> int:
    """An evaluation round inviting `codes`, or the 2017 cohort by filter, every member accepting and present."""
    officer = auth("kominfo_officer")
    day = int(start[-2:])
    rnd = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": year, "title": f"Evaluasi Gerakan Menuju 100 Smart City {year}", "quota": 25, "starts_on": start,
        "ends_on": f"{start[:-2]}{day + 1:02d}", "venue": "Kementerian Kominfo", "rubric_id": rubric_id,
        "evaluation": rule or {"index_max": 4.0}})
    assert rnd.status_code == 201, rnd.text
    rid = rnd.json()["id"]
    invite = {"region_codes": codes} if codes else {"filter": {"cohort": 2017}}
    invited = await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json=invite)
    assert invited.status_code == 200, invited.text
    assert (await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "inviting"})
            ).status_code == 200
    return rid


async def _panels(gw, auth, rid: int, codes: list[str], start: str, ids: list[int]) -> dict[str, list[int]]:
    """Two panels of two, each hearing half the members; then scoring opens."""
    officer = auth("kominfo_officer")
    halves = {0: codes[::2], 1: codes[1::2]}
    panel_of = {}
    for n in (0, 1):
        made = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
            "name": f"Panel {n + 1}", "venue": "Kementerian Kominfo", "starts_at": f"{start}T08:00:00+07:00",
            "ends_at": f"{start}T17:00:00+07:00", "assessor_ids": ids[2 * n:2 * n + 2], "region_codes": halves[n]})
        assert made.status_code == 201, made.text
        panel_of |= dict.fromkeys(halves[n], ids[2 * n:2 * n + 2])
    assert (await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "assessing"})
            ).status_code == 200
    return panel_of


async def _score(gw, auth, rid: int, codes: list[str], panel_of: dict, subs: dict[int, str], bonus: float = 0):
    for assessor, sub in subs.items():
        sheets = [{"region_code": c, "scores": [
            {"component_key": key, "value": str(min(100, _quality(codes.index(c)) + k * 3 + bonus))}
            for k, key in enumerate(PANEL)]} for c in codes if assessor in panel_of.get(c, ())]
        saved = await gw.post(f"{A}/rounds/{rid}/score-sheets", headers=auth("assessor", sub=sub),
                              json={"submit": True, "sheets": sheets})
        assert saved.status_code == 200, saved.text


async def _close(gw, auth, rid: int, decided: str, announced: str) -> None:
    officer = auth("kominfo_officer")
    for body in ({"to": "moderating"}, {"to": "finalised", "decided_on": decided},
                 {"to": "published", "announced_on": announced, "signatories": ADOPTED_BY}):
        moved = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json=body)
        assert moved.status_code == 200, moved.text


async def test_the_2018_evaluation_of_the_2017_cohort(gw, auth, tmp_path, capsys, object_store, smtp, settings,
                                                      sessionmakers):
    officer = auth("kominfo_officer")
    codes = _cohort()
    selection = await publish_round(gw, auth, year=2017, selected=codes, start="2017-03-01")
    rubric = await gw.post(f"{A}/rubrics", headers=officer, json={
        "code": "evaluasi-gm100", "title": "Skema evaluasi Gerakan Menuju 100 Smart City", "components": SCHEME})
    assert rubric.status_code == 201, rubric.text
    scheme = rubric.json()["id"]
    subs, ids = {}, []
    for n, institution in enumerate(("UI", "ITB", "UGM", "ITS")):
        made = await gw.post(f"{A}/assessors", headers=officer, json={
            "user_sub": f"user:evaluator-{n}", "name": f"Evaluator {n}", "institution": institution})
        ids.append(made.json()["id"])
        subs[ids[-1]] = f"user:evaluator-{n}"

    # An earlier evaluation of ten of the members, in December 2017, on the same scheme.
    earlier = await _evaluation(gw, auth, year=2017, start="2017-12-04", rubric_id=scheme, codes=codes[:10])
    await gw.post(f"{A}/rounds/{earlier}/invitations/answers", headers=officer, json={"items": [
        {"region_code": c, "status": "accepted", "answered_on": "2017-11-20", "attended": True,
         "attended_on": "2017-12-04"} for c in codes[:10]]})
    before = await _panels(gw, auth, earlier, codes[:10], "2017-12-04", ids)
    await _score(gw, auth, earlier, codes, before, subs, bonus=-10)
    await _close(gw, auth, earlier, "2017-12-05", "2017-12-15")

    # Evaluations recorded on masterplans before evaluation rounds, by scheme: 2018 names one comparable.
    recorded = {}
    for code, scheme_code, years in ((codes[0], "evaluasi-masterplan", (2017,)),
                                     (codes[10], "evaluasi-masterplan", (2017, 2018)),
                                     (codes[11], "evaluasi-lain", (2017,))):
        weights = await gw.post(f"{M}/evaluation-schemes", headers=officer, json={
            "code": scheme_code, "weights": {"output": 50, "outcome": 50}})
        await sign(gw, auth, code, "2017-04-10", f"MoU {code}")
        plan = await approve(gw, auth, code, "2017-06-01")
        for year in years:
            made = await gw.post(f"{M}/masterplans/{plan['id']}/evaluations", headers=officer, json={
                "year": year, "scheme_id": weights.json()["id"], "scores": {"output": 70, "outcome": year - 1937}})
            assert made.status_code == 201, made.text
            recorded[code, year] = made.json()["id"]
    # 2018: the cohort by filter, the dates as data, a reminder to the member that still owes its evidence.
    rule = {"index_max": 4.0, "comparable_with": [], "masterplan_schemes": ["evaluasi-masterplan"]}
    rid = await _evaluation(gw, auth, year=2018, start="2018-10-08", rubric_id=scheme, codes=None, rule=rule)
    listed = (await gw.get(f"{A}/rounds/{rid}/invitations?limit=100", headers=officer)).json()["items"]
    assert sorted(i["region_code"] for i in listed) == sorted(codes)  # every member, none refused as selected
    etag = (await gw.get(f"{A}/rounds/{rid}", headers=officer)).headers["etag"]
    dates = await gw.put(f"{A}/rounds/{rid}/deadlines", headers={**officer, "If-Match": etag}, json={"items": [
        {"kind": "self_assessment", "due_on": "2018-10-01", "late": "accept_marked", "remind_days_before": [7]},
        {"kind": "announcement", "due_on": "2018-10-31"},
        {"kind": "appeal", "opens_on": "2018-11-01", "due_on": "2018-11-09"}]})
    assert dates.status_code == 200, dates.text
    answered = await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer, json={"items": [
        {"region_code": c, "status": "accepted", "answered_on": "2018-09-10", "attended": True,
         "attended_on": "2018-10-08", **({"contact_email": CONTACT} if c == codes[0] else {})} for c in codes]})
    assert answered.status_code == 200, answered.text
    for n, c in enumerate(codes[1:], start=1):  # all but the first have declared their documents
        saved = await gw.put(f"{A}/rounds/{rid}/self-assessments/{c}", headers=auth("pemda", region=c), json={
            "items": [{"component_key": "dokumen", "value": 1 + n % 5}], "submitted_on": "2018-09-20"})
        assert saved.status_code == 200, saved.text
    reminded = (await gw.post(f"{A}/rounds/{rid}/reminders", headers=officer, json={"on": "2018-09-25"})).json()
    assert [(r["region_code"], r["kind"]) for r in reminded["created"]] == [(codes[0], "self_assessment")]
    inbox, port = smtp
    assert await deliver_once(sessionmakers["assessment"],
                              settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})) == 1
    [mail] = inbox.messages
    assert mail["To"] == CONTACT and "01-10-2018" in mail["Subject"]
    # The first member's evidence, through a presigned URL to the object store; then its self-assessment.
    member = auth("pemda", region=codes[0])
    started = await upload(gw, member, f"{A}/rounds/{rid}/self-assessments/{codes[0]}/documents", PDF,
                           title="Masterplan smart city", filename="masterplan.pdf", component_key="dokumen")
    assert (await gw.post(f"{A}/documents/{started['document']['id']}/confirm", headers=member)).status_code == 200
    await gw.put(f"{A}/rounds/{rid}/self-assessments/{codes[0]}", headers=member, json={
        "items": [{"component_key": "dokumen", "value": 5}], "submitted_on": "2018-09-28"})

    # One conflict: ITS's evaluator declared one for a member, so the panel that would seat them is refused.
    conflict = await gw.post(f"{A}/assessors/{ids[3]}/conflicts", headers=auth("assessor", sub=subs[ids[3]]),
                             json={"region_code": codes[1], "reason": "Saudara kandung bekerja di Diskominfo"})
    assert conflict.status_code == 201, conflict.text
    refused(await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel 2", "venue": "Kementerian Kominfo", "starts_at": "2018-10-08T08:00:00+07:00",
        "ends_at": "2018-10-08T17:00:00+07:00", "assessor_ids": ids[2:], "region_codes": [codes[1]]}), 409,
        "conflict-of-interest")
    panel_of = await _panels(gw, auth, rid, [codes[1], codes[0], *codes[2:]], "2018-10-08", ids)
    assert ids[3] not in panel_of[codes[1]]
    await _score(gw, auth, rid, codes, panel_of, subs)
    await _close(gw, auth, rid, "2018-10-09", "2018-10-31")

    # Indices per dimension and pillar, ranks, the change for the ten evaluated before; nobody selected.
    results = (await gw.get(f"{A}/public/rounds/{rid}/results")).json()
    items = {i["region_code"]: i for i in results["items"]}
    assert results["evaluation"] == rule
    assert not any(i["selected"] for i in items.values())
    assert all(set(i["evaluation"]["pillars"]) == {"economy", "governance", "society"} for i in items.values())
    assert all(i["evaluation"]["index"] == round(i["total"] * 4 / 100, 2) for i in items.values())
    changed = {c for c, i in items.items() if i["evaluation"]["change"] is not None}
    assert changed == {*codes[:10], codes[10]}  # not the member whose only earlier one is of another scheme
    first = items[codes[0]]["evaluation"]
    assert first["previous"] == {"round_id": earlier, "masterplan_evaluation_id": None, "year": 2017,
                                 "index": first["previous"]["index"]}  # the round's, not the masterplan's
    # (70 + 80) / 2 = 75 of 100 is 3.00 of 4; the masterplan's 2018 one is not before the round's year.
    assert items[codes[10]]["evaluation"]["previous"] == {
        "round_id": None, "masterplan_evaluation_id": recorded[codes[10], 2017], "year": 2017, "index": 3.0}
    assert first["change"] == round(first["index"] - first["previous"]["index"], 2) > 0
    east = sorted((i for i in items.values() if i["province_code"] == "35"), key=lambda i: i["rank"])
    assert [i["evaluation"]["rank_in_province"] for i in east] == list(range(1, 11))
    assert all(i["evaluation"]["province_regions"] == 10 for i in east)

    # Signed and verified offline; the letters read back with the member's figures.
    files = await published_files(gw, rid, tmp_path, version=1)
    assert verify.main(*files) == 0
    assert "25 regions ranked, 0 selected: identical to the signed result" in capsys.readouterr().out
    top = east[0]
    letter = await gw.get(f"{A}/public/rounds/{rid}/letters/{top['region_code']}")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    page = pdfium.PdfDocument(letter.content)[0]
    words = page.get_textpage().get_text_range().replace("\r", "").replace("\n", " ")
    index = f"{top['evaluation']['index']:.2f}".replace(".", ",")
    assert top["region_name"] in words and f"indeks {index} pada skala 0–4" in words
    assert f"peringkat 1 dari 10 daerah di provinsinya dan peringkat {top['rank']} dari 25" in words
    assert "Smart Governance" in words and "31 Oktober 2018" in words
    assert words.index("Smart Governance") < words.index("Smart Economy") < words.index("Smart Society")
    [qr] = zxingcpp.read_barcodes(page.render(scale=2).to_pil())
    assert qr.text.endswith(f"/api/v1/assessment/public/rounds/{rid}/signed-results")
    refused(await gw.get(f"{A}/public/rounds/{selection}/letters/{codes[0]}"), 404, "not-found")  # a selection
    # The registry numbers the letter; the letter then carries that number and date, given once.
    agenda = {"dated_on": "2018-11-05", "items": [{"region_code": top["region_code"],
                                                   "number": "B-1003/DJAI/AI.01.04/11/2018"}]}
    refused(await gw.post(f"{A}/rounds/{rid}/letter-numbers", headers=officer, json={**agenda,
                                                                                     "dated_on": "2018-10-30"}),
            409, "act-date-order")
    refused(await gw.post(f"{A}/rounds/{rid}/letter-numbers", headers=officer, json={**agenda, "items": [
        {"region_code": "31.71", "number": "B-1004/DJAI/AI.01.04/11/2018"}]}), 422, "validation")  # not a member
    assert (await gw.post(f"{A}/rounds/{rid}/letter-numbers", headers=officer, json=agenda)).status_code == 201
    refused(await gw.post(f"{A}/rounds/{rid}/letter-numbers", headers=officer, json=agenda), 409, "letter-numbered")
    numbered = pdfium.PdfDocument((await gw.get(f"{A}/public/rounds/{rid}/letters/{top['region_code']}",
                                                headers={"Cache-Control": "no-cache"})).content)
    said = numbered[0].get_textpage().get_text_range().replace("\r", "").replace("\n", " ")
    assert "Nomor: B-1003/DJAI/AI.01.04/11/2018" in said and "Tanggal: 5 November 2018" in said
    compared = pdfium.PdfDocument((await gw.get(f"{A}/public/rounds/{rid}/letters/{codes[10]}")).content)
    assert "Dibandingkan evaluasi masterplan 2017 (indeks 3,00)" in " ".join(
        compared[0].get_textpage().get_text_range().split())
    # The open data carries each member's index and change, written as an Indonesian spreadsheet reads them.
    table = (await gw.get(f"{A}/open-data/results", params={"format": "csv", "decimal": "comma", "year": 2018})).text
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(table.lstrip("\ufeff")), delimiter=";")}
    assert rows[top["region_code"]]["index"] == str(top["evaluation"]["index"]).replace(".", ",")
    assert rows[codes[0]]["index_change"] == str(first["change"]).replace(".", ",")
    assert rows[top["region_code"]]["selected"] == "False"
    minutes = pdfium.PdfDocument((await gw.get(f"{A}/public/rounds/{rid}/minutes")).content)
    assert "PENETAPAN HASIL EVALUASI" in minutes[0].get_textpage().get_text_range()

    # One appeal, upheld: its component re-scored for that member alone, published again as version 2.
    last = max(items.values(), key=lambda i: i["rank"])
    appellant = auth("pemda", region=last["region_code"])
    filed = await gw.post(f"{A}/rounds/{rid}/appeals", headers=appellant, json={
        "region_code": last["region_code"], "filed_on": "2018-11-05", "components": ["ekonomi"],
        "grounds": "Bukti layanan ekonomi digital sudah diserahkan tetapi tidak dinilai panel"})
    assert filed.status_code == 201, filed.text
    decided = await gw.post(f"{A}/rounds/{rid}/appeals/{filed.json()['id']}/decision", headers=officer, json={
        "decision": "upheld", "decided_on": "2018-11-12", "reasons": "Bukti diterima; komponen dinilai ulang"})
    assert decided.status_code == 200, decided.text
    for assessor in panel_of[last["region_code"]]:
        moderated = await gw.post(f"{A}/rounds/{rid}/scores/{last['region_code']}/moderations", headers=officer,
                                  json={"assessor_id": assessor, "component_key": "ekonomi", "value": 100,
                                        "reason": "Dinilai ulang setelah sanggahan diterima"})
        assert moderated.status_code == 200, moderated.text
    again = await gw.post(f"{A}/rounds/{rid}/republications", headers=officer, json={"republished_on": "2018-11-15"})
    assert again.status_code == 200 and again.json()["version"] == 2, again.text
    raised = {i["region_code"]: i for i in (await gw.get(f"{A}/rounds/{rid}/results", headers=officer)).json()["items"]}
    assert raised[last["region_code"]]["evaluation"]["index"] > last["evaluation"]["index"]
    for version, standing in ((1, "SUPERSEDED"), (2, "the current version")):
        assert verify.main(*await published_files(gw, rid, tmp_path, version=version)) == 0
        assert standing in capsys.readouterr().out
