"""Evidence (bukti dukung) of a self-assessment in the object store, cited by the published result's inputs."""

import hashlib
import json

from scenarios.documents import declared, upload
from scenarios.rounds import A, finish, open_round, score
from tests.kit import refused

TPI, BINTAN = "21.72", "21.01"
COMPONENTS = [{"key": "overall", "name": "Wawancara", "kind": "panel", "weight": 70, "scale_min": 0, "scale_max": 100},
              {"key": "readiness", "name": "Kesiapan (mandiri)", "kind": "self", "weight": 30, "scale_min": 1,
               "scale_max": 5}]
PDF = b"%PDF-1.4\n% Perwali Nomor 12 Tahun 2018 tentang TIK\n%%EOF\n"


def _declared(component_key: str) -> dict:
    return declared(PDF, title="Perwali TIK", filename="perwali-tik.pdf", component_key=component_key)


async def test_evidence_is_uploaded_confirmed_and_cited_by_the_published_inputs(gw, auth, object_store):
    pemda = auth("pemda", region=TPI)
    rnd = await open_round(gw, auth, year=2019, codes=[TPI, BINTAN], components=COMPONENTS)
    path = f"{A}/rounds/{rnd.id}/self-assessments/{TPI}/documents"
    refused(await gw.post(path, headers=pemda, json=_declared("overall")), 422, "validation")  # a panel component
    refused(await gw.post(f"{A}/rounds/{rnd.id}/self-assessments/{BINTAN}/documents", headers=pemda,
                          json=_declared("readiness")), 404, "not-found")  # another region's
    started = await upload(gw, pemda, path, PDF, title="Perwali TIK", filename="perwali-tik.pdf",
                           component_key="readiness")
    doc = started["document"]["id"]
    assert (await gw.post(f"{A}/documents/{doc}/confirm", headers=pemda)).json()["version"] == 1
    await gw.put(f"{A}/rounds/{rnd.id}/self-assessments/{TPI}", headers=pemda,
                 json={"items": [{"component_key": "readiness", "value": 4}]})
    listed = (await gw.get(path, headers=auth("kominfo_officer"))).json()
    assert [(d["purpose"], d["version"]) for d in listed] == [("readiness", 1)]

    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {TPI: 80, BINTAN: 70})
    await finish(gw, auth, rnd.id)
    inputs = json.loads((await gw.get(f"{A}/public/rounds/{rnd.id}/inputs")).content)
    assert inputs["evidence"] == [[TPI, "readiness", 1, hashlib.sha256(PDF).hexdigest()]]
    # Once the round is final no evidence is added, and what it cited is still served, checked.
    refused(await gw.post(path, headers=pemda, json=_declared("readiness")), 409, "round-frozen")
    assert (await gw.get(f"{A}/documents/{doc}/content", headers=pemda)).content == PDF
