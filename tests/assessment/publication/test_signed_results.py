"""Signed results and the offline verifier: 2019's selection (107 attending, 25 selected) checked by someone
who trusts nothing but the published JWKS and recomputes the ranking from the published inputs alone."""

import asyncio
import hashlib
import json
import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from jose import jws
from sqlalchemy import text

from gateway.keys import KeyRing, ensure_dev_keys, rotate_dev_keys
from scenarios.rounds import finish, open_round, score
from services.common.auth import KeySource
from services.common.settings import Settings
from services.regions.importer import load_rows
from smartcity import verify

A = "/api/v1/assessment"


async def _round_2019(gw, auth) -> int:
    codes = sorted(r[0] for r in load_rows() if r[1] == "regency")[:107]
    rnd = await open_round(gw, auth, year=2019, codes=codes, quota=25, assessors=3)
    rng = random.Random(2019)
    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {c: round(rng.uniform(40, 95), 2) for c in codes})
    await finish(gw, auth, rnd.id)
    return rnd.id


async def _published(gw, rid, tmp_path):
    signed = await gw.get(f"{A}/public/rounds/{rid}/signed-results")
    assert signed.status_code == 200 and signed.headers["content-type"] == "application/jose", signed.text
    files = {"signed.jws": signed.content, "jwks.json": (await gw.get("/.well-known/jwks.json")).content,
             "inputs.json": (await gw.get(f"{A}/public/rounds/{rid}/inputs")).content}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return signed


async def test_the_2019_selection_verifies_offline_and_a_changed_score_does_not(gw, auth, db, tmp_path, capsys):
    rid = await _round_2019(gw, auth)
    signed = await _published(gw, rid, tmp_path)
    assert (await gw.get(f"{A}/public/rounds/{rid}/signed-results")).content == signed.content  # one document

    # Only a JOSE library and the JWKS: the README's snippet.
    token = signed.text
    kid = jws.get_unverified_header(token)["kid"]
    key = next(k for k in json.loads((tmp_path / "jwks.json").read_text())["keys"] if k["kid"] == kid)
    payload = json.loads(jws.verify(token, key, algorithms=["ES256"]))
    document = payload["results"]
    assert jws.get_unverified_header(token)["typ"] == "smartcity-selection+jws"
    assert sum(1 for i in document["items"] if i["rank"] is not None) == 107
    assert sum(1 for i in document["items"] if i["selected"]) == 25
    assert document["quota"] == 25 and float(document["rubric_components"][0]["weight"]) == 100
    head = document["audit_head"]
    stored = (await db["assessment"].execute(text("SELECT row_hash FROM assessment.audit_entry WHERE seq = :s"),
                                 {"s": head["seq"]})).scalar_one()
    assert stored == head["hash"]  # the chain as it stood at publication

    # The README's checks, verbatim, in a folder holding the three files it names.
    readme = (Path(__file__).parents[3] / "README.md").read_text()
    [snippet] = [textwrap.dedent(block) for block in re.findall(r"```python\n(.*?)\n *```", readme, re.S)
                 if "from jose import jws" in block]
    printed = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", snippet], cwd=tmp_path,
                                      capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == f"{document['title']} 25 selected"
    line = re.search(r"^\s*(sha256sum inputs\.json)$", readme, re.M).group(1)
    summed = await asyncio.to_thread(subprocess.run, line, shell=True, cwd=tmp_path, capture_output=True,
                                     text=True, check=True)
    assert summed.stdout.split()[0] == payload["results"]["inputs_digest"]

    files = [str(tmp_path / n) for n in ("signed.jws", "jwks.json", "inputs.json")]
    assert verify.main(*files) == 0
    out = capsys.readouterr().out
    assert "107 regions ranked, 25 selected: identical to the signed result" in out

    inputs = json.loads((tmp_path / "inputs.json").read_text())
    inputs["scores"][0][3] = "99.000"  # one assessor's score of one region, changed in the open data
    (tmp_path / "inputs.json").write_text(json.dumps(inputs))
    assert verify.main(*files) == 4
    out = capsys.readouterr().out
    assert "inputs are not those the result was computed from" in out
    assert "recomputed result hash differs" in out

    pdf = await gw.get(f"{A}/public/rounds/{rid}/minutes")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = pdfium.PdfDocument(pdf.content)
    ink = pages[0].render(scale=1).to_pil().convert("L").histogram()
    assert sum(ink[:128]) > 5_000  # the first page, rendered, is not blank
    # Its QR code reads back (a black square did until the widget's unfilled background was skipped).
    [qr] = [code for page in pages for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]
    assert qr.text.endswith(f"/api/v1/assessment/public/rounds/{rid}/signed-results")
    words = "\n".join(page.get_textpage().get_text_range() for page in pages)
    top = next(i for i in document["items"] if i["rank"] == 1)
    assert "BERITA ACARA PENETAPAN HASIL SELEKSI" in words and top["region_name"] in words
    assert words.count("Tidak terpilih") == 107 - 25 and "terpilih: peringkat 1 dalam kuota 25" in words
    assert hashlib.sha256(token.encode()).hexdigest() in words.replace("\n", "").replace("\r", "")
    assert "UI" in words and "Helper" not in words  # panels by institution, never by assessor name

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    (tmp_path / "signed.jws").write_text(forged)
    assert verify.main(*files) == 4
    assert "NOT VALID" in capsys.readouterr().out


async def test_unpublished_rounds_have_no_signed_results(gw, auth):
    rnd = await open_round(gw, auth, year=2020, codes=["21.72"])
    assert (await gw.get(f"{A}/public/rounds/{rnd.id}/signed-results")).status_code == 404
    assert (await gw.get(f"{A}/public/rounds/{rnd.id}/inputs")).status_code == 404


def test_a_document_stays_verifiable_after_its_key_is_rotated_out(tmp_path):
    settings = Settings(env="test", data_dir=tmp_path)
    ring = ensure_dev_keys(settings)
    token = ring.sign_document({"round": 1}, "smartcity-selection+jws")
    old = ring.current.kid
    rotate_dev_keys(settings)
    rotated = rotate_dev_keys(settings)  # two rotations: the signing key is no longer active
    assert old not in {k.kid for k in rotated.keys}
    published = KeyRing.load(settings).jwks()
    retired = next(k for k in published["keys"] if k["kid"] == old)
    assert "retired_at" in retired
    payload, kid = verify.signed_payload(token, published)
    assert payload == {"round": 1} and kid == old
    assert KeySource.static(published)._keys.get(old) is None  # no token signed with it is accepted


async def test_only_a_service_has_a_document_signed_and_a_document_is_never_a_token(gw, settings, ring):
    body = {"type": "smartcity-selection+jws", "subject": "result:1", "member": "results", "content": {"a": 1}}
    assert (await gw.post("/internal/signatures", json=body)).status_code == 401
    wrong = {"X-Service-Key": "x" * 48}
    assert (await gw.post("/internal/signatures", json=body, headers=wrong)).status_code == 401
    key = {"X-Service-Key": settings.service_key}
    for claim in ("aud", "roles", "exp", "iss"):  # what would make it a token, or what the gateway adds itself
        assert (await gw.post("/internal/signatures", json={**body, "member": claim}, headers=key)).status_code == 422
    signed = await gw.post("/internal/signatures", json=body, headers=key)
    assert signed.status_code == 200 and signed.json()["kid"] == ring.current.kid
    document = signed.json()["jws"]
    assert jws.get_unverified_header(document)["typ"] == "smartcity-selection+jws"
    assert (await gw.get("/auth/me", headers={"Authorization": f"Bearer {document}"})).status_code == 401


async def test_the_minutes_print_what_people_typed_as_text(gw, auth):
    """Titles and venues with &, <, tags and scripts print as typed; nothing in them is markup or fetched."""
    from scenarios.rounds import publish_round

    venue = 'Balai Kartini & Ruang <Nusantara> <img src="http://127.0.0.1:9/x.png"> <b>tebal<i>'
    title = "Seleksi <b>2019</b> & «Kota Cerdas» مدينة ذكية 🏙"
    rid = await publish_round(gw, auth, year=2019, selected=["21.72"], others=["16.03"], title=title, venue=venue)
    pdf = await gw.get(f"{A}/public/rounds/{rid}/minutes")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf", pdf.text
    text = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf.content))
    text = text.replace("\r\n", " ")
    assert "Balai Kartini & Ruang <Nusantara>" in text and "<b>tebal<i>" in text and "<B>2019</B> &" in text
