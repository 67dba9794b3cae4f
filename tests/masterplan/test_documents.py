"""Documents of MoUs and masterplans in the embedded S3 server: presigned uploads, checked bytes, kept versions."""

import hashlib
import io
import zipfile

import botocore.session
import httpx
import pytest
import xlsxwriter

from scenarios.documents import PDF, declared, upload
from scenarios.masterplans import PLAN, TPI, M, sign
from scenarios.rounds import publish_round
from services.common.documents.storage import client_args
from tests.kit import PROBLEM, refused

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Anggaran").write(0, 0, "Program")
    book.close()
    return out.getvalue()


def _zip(*members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in members:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.fixture
async def mou(gw, auth, object_store):
    await publish_round(gw, auth, year=2019, selected=[TPI], others=["16.03"])
    return await sign(gw, auth, TPI, "2019-05-08", "NK/2019/TPI")


async def test_a_signed_mou_is_stored_checked_versioned_and_audited(gw, auth, mou, db):
    officer, pemda = auth("kominfo_officer"), auth("pemda", region=TPI)
    path = f"{M}/mous/{mou['id']}/documents"
    first = await upload(gw, officer, path, PDF, filename="nk-tpi-2019.pdf", media_type="application/pdf",
                          purpose="signed_mou")
    doc_id = first["document"]["id"]
    assert first["document"]["state"] == "pending" and first["document"]["version"] is None
    # Not downloadable before its confirmation.
    refused(await gw.get(f"{M}/documents/{doc_id}/content", headers=officer), 409, "document-pending")

    confirmed = await gw.post(f"{M}/documents/{doc_id}/confirm", headers=officer)
    assert confirmed.status_code == 200, confirmed.text
    stored = confirmed.json()
    assert (stored["state"], stored["version"], stored["sha256"]) == ("stored", 1, hashlib.sha256(PDF).hexdigest())
    again = await gw.post(f"{M}/documents/{doc_id}/confirm", headers=officer)
    assert again.json() == stored  # a second confirmation changes nothing

    # The region reads its own MoU's file, through the service (checked) and through a presigned link.
    content = await gw.get(f"{M}/documents/{doc_id}/content", headers=pemda)
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["repr-digest"].startswith("sha-256=:")
    assert 'filename="nk-tpi-2019.pdf"' in content.headers["content-disposition"]
    link = (await gw.get(f"{M}/documents/{doc_id}/download", headers=pemda)).json()["download"]
    async with httpx.AsyncClient() as s3:
        fetched = await s3.get(link["url"])
    assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == stored["sha256"]

    # A correction is the next version; the first stays as it was.
    corrected = PDF.replace(b"Catalog", b"Catalog /Lang (id)")
    second = await upload(gw, officer, path, corrected, filename="nk-tpi-2019-rev.pdf",
                           media_type="application/pdf", purpose="signed_mou")
    r = await gw.post(f"{M}/documents/{second['document']['id']}/confirm", headers=officer)
    assert r.json()["version"] == 2
    listed = (await gw.get(path, headers=pemda)).json()
    assert [(d["version"], d["filename"]) for d in listed] == [(2, "nk-tpi-2019-rev.pdf"), (1, "nk-tpi-2019.pdf")]
    assert (await gw.get(f"{M}/documents/{doc_id}/content", headers=pemda)).content == PDF

    # The hash is in the audit chain, and an event tells the systems that follow.
    trail = (await gw.get(f"{M}/audit", headers=officer, params={"entity": "document"})).json()["items"]
    assert {e["after"]["sha256"] for e in trail if e["action"] == "document.store"} >= {stored["sha256"]}
    feed = (await gw.get(f"{M}/events", headers=officer)).json()["items"]
    assert any(e["type"] == "document.stored" and e["payload"]["id"] == doc_id for e in feed)


async def test_bytes_other_than_declared_never_become_a_document(gw, auth, mou):
    officer = auth("kominfo_officer")
    path = f"{M}/mous/{mou['id']}/documents"
    started = (await gw.post(path, headers=officer, json=declared(
        PDF, filename="nk.pdf", media_type="application/pdf", purpose="signed_mou"))).json()
    doc_id = started["document"]["id"]
    refused(await gw.post(f"{M}/documents/{doc_id}/confirm", headers=officer), 409, "document-not-uploaded")
    # The presigned URL carries the SHA-256: the S3 server itself refuses other bytes.
    async with httpx.AsyncClient() as s3:
        swapped = await s3.put(started["upload"]["url"], content=PDF[:-1] + b"X", headers=started["upload"]["headers"])
    assert swapped.status_code == 400 and "BadDigest" in swapped.text
    refused(await gw.post(f"{M}/documents/{doc_id}/confirm", headers=officer), 409, "document-not-uploaded")

    # Right hash, wrong kind: a PNG declared as a PDF, a ZIP declared as a workbook.
    for data, kind, why in ((PNG, ("x.pdf", "application/pdf"), "does not begin as application/pdf"),
                                (_zip("word/document.xml"), ("x.xlsx", "application/vnd.openxmlformats-officedocument"
                                                             ".spreadsheetml.sheet"), "xl/workbook.xml")):
        answer = await upload(gw, officer, path, data, filename=kind[0], media_type=kind[1],
                               purpose="signed_mou")
        body = refused(await gw.post(f"{M}/documents/{answer['document']['id']}/confirm",
                                     headers={**officer, "Accept-Language": "en"}), 422, "document-type-mismatch")
        assert why in body["detail"]
    assert (await gw.get(path, headers=officer)).json() == []


async def test_declared_size_type_and_name_are_checked_before_any_url_is_given(gw, auth, mou):
    officer = auth("kominfo_officer")
    path = f"{M}/mous/{mou['id']}/documents"
    big = declared(PNG, filename="scan.png", media_type="image/png", purpose="signed_mou") | {"size": 21 * 2**20}
    assert "at most 20 MB" in refused(await gw.post(path, headers=officer, json=big), 422, "validation")["detail"]
    named = declared(PDF, filename="scan.png", media_type="application/pdf", purpose="signed_mou")
    refused(await gw.post(path, headers=officer, json=named), 422, "validation")
    for bad in ({"filename": "../../etc/passwd.pdf"}, {"media_type": "text/html"}, {"sha256": "00"},
                {"purpose": "masterplan"}, {"size": 0}):
        body = declared(PDF, filename="nk.pdf", media_type="application/pdf", purpose="signed_mou") | bad
        refused(await gw.post(path, headers=officer, json=body), 422, "validation")
    # Only Kominfo starts an MoU's upload; the region's own pemda reads it.
    r = await gw.post(path, headers=auth("pemda", region=TPI),
                      json=declared(PDF, filename="nk.pdf", media_type="application/pdf", purpose="signed_mou"))
    assert r.status_code == 403


async def test_a_masterplan_and_its_decree_belong_to_its_region_alone(gw, auth, mou):
    pemda = auth("pemda", region=TPI)
    plan = (await gw.post(f"{M}/masterplans", headers=pemda, json=PLAN)).json()
    path = f"{M}/masterplans/{plan['id']}/documents"
    workbook = _xlsx()
    answer = await upload(gw, pemda, path, workbook, filename="rencana-anggaran.xlsx", title="Rencana anggaran",
                           media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           purpose="masterplan")
    doc_id = answer["document"]["id"]
    assert (await gw.post(f"{M}/documents/{doc_id}/confirm", headers=pemda)).json()["version"] == 1
    decree = await upload(gw, pemda, path, PDF, filename="perwali-45-2019.pdf", title="Perwali No. 45 Tahun 2019",
                           media_type="application/pdf", purpose="adoption_decree")
    assert (await gw.post(f"{M}/documents/{decree['document']['id']}/confirm", headers=pemda)).json()["version"] == 1

    other = auth("pemda", region="16.03")
    for url in (f"{M}/documents/{doc_id}", f"{M}/documents/{doc_id}/content", f"{M}/documents/{doc_id}/download",
                path):
        refused(await gw.get(url, headers=other), 404, "not-found")
    refused(await gw.post(f"{M}/documents/{doc_id}/confirm", headers=other), 404, "not-found")
    refused(await gw.post(path, headers=other, json=declared(PDF, filename="x.pdf", media_type="application/pdf",
                                                              purpose="masterplan")), 404, "not-found")
    assert (await gw.get(f"{M}/documents/{doc_id}/content", headers=auth("bappenas"))).content == workbook


async def test_bytes_changed_behind_our_back_are_refused_not_served(gw, auth, mou, settings):
    officer = auth("kominfo_officer")
    answer = await upload(gw, officer, f"{M}/mous/{mou['id']}/documents", PDF, filename="nk.pdf",
                           media_type="application/pdf", purpose="signed_mou")
    doc_id = answer["document"]["id"]
    await gw.post(f"{M}/documents/{doc_id}/confirm", headers=officer)
    key = answer["upload"]["url"].split(f"/{settings.s3_bucket}/", 1)[1].split("?", 1)[0]
    # Someone with the bucket's own keys overwrites the object.
    s3 = botocore.session.get_session().create_client("s3", **client_args(settings, settings.resolved_s3_endpoint))
    try:
        s3.put_object(Bucket=settings.s3_bucket, Key=key, Body=PDF.replace(b"Catalog", b"Katalog"))
    finally:
        s3.close()
    for url in (f"{M}/documents/{doc_id}/content", f"{M}/documents/{doc_id}/download"):
        body = refused(await gw.get(url, headers=officer), 502, "document-integrity")
        assert body["extra"]["sha256"] == answer["document"]["sha256"]
    assert body["type"] == PROBLEM + "document-integrity"
