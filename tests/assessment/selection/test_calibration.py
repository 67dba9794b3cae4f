"""Calibrated assessors: one lenient assessor on one of two panels changes who is selected when scores are averaged
as given, and not when the round calibrates; the parameters are signed with the result and recomputed offline."""

import copy
import json

from scenarios.publication import published_files
from scenarios.rounds import OVERALL, A, finish, score
from services.assessment.selection import calculation
from services.regions.importer import load_rows
from smartcity import verify

LENIENCY = 10
# The same qualities on both panels, the first's a half point higher (no ties): a fair selection of 6 takes the
# top three of each.
QUALITY = [80, 76, 72, 68, 64, 60, 56, 52, 48, 44]


async def _two_panels(gw, auth, codes: list[str]) -> tuple[int, dict[str, int]]:
    """A round of 20 regions before two panels: UI with a lenient ITB assessor hears the first ten, UGM and ITS
    the other ten."""
    officer = auth("kominfo_officer")
    rubric = await gw.post(f"{A}/rubrics", headers=officer, json={
        "code": "test-calibration", "title": "Rubrik", "components": [OVERALL]})
    rnd = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": 2019, "title": "Gerakan Menuju 100 Smart City 2019", "quota": 6, "starts_on": "2019-03-01",
        "ends_on": "2019-03-02", "venue": "Pustiknas", "rubric_id": rubric.json()["id"],
        "calibration": {"model": "standardise", "shrinkage": 10}})
    assert rnd.status_code == 201, rnd.text
    rid = rnd.json()["id"]
    assert rnd.json()["calibration"] == {"model": "standardise", "shrinkage": 10}
    await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": codes})
    await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "inviting"})
    await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer, json={"items": [
        {"region_code": c, "status": "accepted", "answered_on": "2019-02-10", "attended": True,
         "attended_on": "2019-03-01"} for c in codes]})
    subs = {}
    for name, institution in (("a", "UI"), ("lenient", "ITB"), ("b", "UGM"), ("c", "ITS")):
        subs[name] = f"user:calibration-{name}"
        made = await gw.post(f"{A}/assessors", headers=officer, json={
            "user_sub": subs[name], "name": f"Penilai {name}", "institution": institution})
        assert made.status_code == 201, made.text
        subs[name + "_id"] = made.json()["id"]
    for n, (members, regions) in enumerate(((("a", "lenient"), codes[:10]), (("b", "c"), codes[10:]))):
        slot = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
            "name": f"Panel {n + 1}", "venue": "Pustiknas", "starts_at": "2019-03-01T08:00:00+07:00",
            "ends_at": "2019-03-01T17:00:00+07:00", "assessor_ids": [subs[m + "_id"] for m in members],
            "region_codes": regions})
        assert slot.status_code == 201, slot.text
    await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "assessing"})
    first, second = codes[:10], codes[10:]
    await score(gw, auth, rid, subs["a"], {c: q + 0.5 for c, q in zip(first, QUALITY, strict=True)})
    await score(gw, auth, rid, subs["lenient"], {c: q + 0.5 + LENIENCY for c, q in zip(first, QUALITY, strict=True)})
    for name in ("b", "c"):
        await score(gw, auth, rid, subs[name], {c: q for c, q in zip(second, QUALITY, strict=True)})
    return rid, subs


def _selected(inputs: dict) -> set[str]:
    return {r.region_code for r in calculation.compute(inputs)[0] if r.selected}


async def test_a_lenient_assessor_moves_the_cut_off_unless_the_round_calibrates(gw, auth, tmp_path, capsys):
    codes = sorted(r[0] for r in load_rows() if r[1] == "regency")[:20]
    rid, subs = await _two_panels(gw, auth, codes)
    fair = set(codes[:3] + codes[10:13])

    live = (await gw.get(f"{A}/rounds/{rid}/results", headers=auth("kominfo_officer"))).json()
    assert {i["region_code"] for i in live["items"] if i["selected"]} == fair
    effects = live["calibration"]["assessors"]
    lenient, careful = effects[str(subs["lenient_id"])], effects[str(subs["a_id"])]
    assert lenient["own_mean"] - careful["own_mean"] == LENIENCY and lenient["scores"] == 10
    assert lenient["own_mean"] > live["calibration"]["pooled_mean"] > careful["own_mean"]

    await finish(gw, auth, rid)
    inputs = json.loads((await gw.get(f"{A}/public/rounds/{rid}/inputs")).content)
    assert inputs["round"]["calibration"] == {"model": "standardise", "shrinkage": 10}
    # The same scores averaged as given: the lenient assessor's panel takes four of the six places.
    as_given = copy.deepcopy(inputs)
    del as_given["round"]["calibration"]
    assert _selected(as_given) != fair and len(_selected(as_given) & set(codes[:10])) == 4
    assert calculation.calibration_of(as_given) is None

    # Signed with its parameters; the verifier recomputes them and the ranking from the inputs alone.
    paths = await published_files(gw, rid, tmp_path)
    assert verify.main(*paths) == 0
    assert "20 regions ranked, 6 selected: identical to the signed result" in capsys.readouterr().out
    forged = copy.deepcopy(inputs)
    forged["round"]["calibration"]["shrinkage"] = 1000  # another rule, same scores
    (tmp_path / "inputs.json").write_text(json.dumps(forged))
    assert verify.main(*paths) == 4
    out = capsys.readouterr().out
    assert "recomputed calibration of the assessors differs" in out
