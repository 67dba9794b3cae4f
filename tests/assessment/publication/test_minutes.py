"""The minutes as an official reads them: every page rendered, every word read back with its box."""

import io
import json

import pdfplumber
import pypdfium2 as pdfium
from jose import jws

from scenarios.rounds import ADOPTED_BY, publish_round
from services.assessment.publication.minutes import number, render_minutes

A = "/api/v1/assessment"
LONG_NAMES = ["Kabupaten Kepulauan Siau Tagulandang Biaro", "Kabupaten Penukal Abab Lematang Ilir",
              "Kabupaten Pangkajene dan Kepulauan", "Kota Tanjungpinang"]


def test_numbers_as_indonesian_readers_write_them():
    assert number(81.302, 3) == "81,302" and number(25_600_000) == "25.600.000"
    assert number("12.500") == "12,5" and number(1234.5, 2) == "1.234,50" and number(514) == "514"


def _overlap(a: dict, b: dict) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5 and \
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5


async def test_514_regions_with_long_names_lay_out_without_overlap(gw, auth):
    rid = await publish_round(gw, auth, year=2019, selected=["21.72"], others=["16.03"],
                              venue="Pusat Teknologi Informasi dan Komunikasi Nasional (Pustiknas), Ciputat")
    token = (await gw.get(f"{A}/public/rounds/{rid}/signed-results")).text
    document = json.loads(jws.get_unverified_claims(token))["results"]
    assert (document["decided_on"], document["announced_on"]) == ("2019-03-02", "2019-03-09")
    assert document["signatories"] == ADOPTED_BY and document["published_at"]  # the act and its record, apart
    # The signed document of a round of every kabupaten/kota, with the longest names there are.
    document["panels"][0]["name"] = "Panel Penilaian Kabupaten Wilayah Timur Indonesia Gelombang Kedua"
    document["rubric_components"][0].update(
        key="application_integration", weight="12.5",
        name="Integrasi aplikasi dan layanan publik berbasis elektronik lintas perangkat daerah")
    template = document["items"]
    document["items"] = [{**template[i > 0], "rank": i + 1, "region_code": f"{11 + i // 60}.{i % 60 + 1:02d}",
                          "region_name": LONG_NAMES[i % 4], "total": 81.302 - i / 10}
                         for i in range(514)]
    pdf = render_minutes(document, jws_digest="0" * 64, kid="test", verify_url="https://example.go.id/x")

    assert b"/FontFile2" in pdf and b"/Helvetica" not in pdf  # fonts embedded, none left to the reader
    rendered = pdfium.PdfDocument(pdf)
    pages_rendered = len(rendered)
    for page in rendered:  # every page as an image: ink beyond the footer's grey
        assert sum(page.render(scale=1).to_pil().convert("L").histogram()[:128]) > 300
        page.close()
    rendered.close()
    text = ""
    with pdfplumber.open(io.BytesIO(pdf)) as read:
        pages = len(read.pages)
        for n, page in enumerate(read.pages, start=1):
            words = sorted(page.extract_words(), key=lambda w: w["top"])
            for i, a in enumerate(words):
                for b in words[i + 1:]:
                    if b["top"] > a["bottom"]:
                        break
                    assert not _overlap(a, b), (n, a["text"], b["text"])
            # Cells from the ruled grid alone: filled squares (header shading, the QR code) are no cell walls.
            ruled = page.filter(lambda obj: obj["object_type"] != "rect")
            cells = [c for table in ruled.find_tables() for c in table.cells]
            for w in words:
                centre = ((w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2)
                for x0, top, x1, bottom in cells:
                    if x0 <= centre[0] <= x1 and top <= centre[1] <= bottom:
                        assert x0 - 0.5 <= w["x0"] and w["x1"] <= x1 + 0.5, (n, w["text"], "crosses its cell")
                        assert top - 0.5 <= w["top"] and w["bottom"] <= bottom + 0.5, (n, w["text"])
            lines = page.extract_text().splitlines()
            assert f"Halaman {n} dari {pages_rendered}" in lines[-1]
            # A heading is never the last thing on its page.
            assert not any(lines[-2].startswith(h) for h in ("1. ", "2. ", "3. ", "4. ", "5. ")), (n, lines[-2])
            text += page.extract_text() + "\n"
    assert pages == pages_rendered > 10
    assert "Pada 2 Maret 2019 hasil penilaian" in text and "pada 9 Maret 2019 diumumkan" in text
    assert "81,302" in text and "81.302" not in text
    assert "Dr. Ir. Bambang Wicaksono, M.Sc." in text and "NIP 196801011993031001" in text
    assert "Helper" not in text  # never the assessors
