"""The result letter of a yearly evaluation to one member, as a PDF in Indonesian.

Made from the signed result alone, like the minutes and to the same standards (embedded fonts, Indonesian
numbers and dates, the signed document's digest and a QR code to it): the member's index, its change from the
previous evaluation, its ranks in the province and the country, and its index per dimension and per pillar.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table

from .minutes import FONT, PILLARS, _day, _footed, _Qr, _signatures, _styles, _table, _text, change, number


def render_letter(document: dict[str, Any], item: dict[str, Any], *, jws_digest: str, kid: str, verify_url: str,
                  agenda_number: str | None = None, dated_on: date | None = None) -> bytes:
    """`document`: the signed payload's `results`; `item`: the member's entry in it (with `evaluation`);
    `agenda_number` and `dated_on`: the agenda number and date the ministry's registry gave the letter, once it has."""
    st = _styles()
    body, small = st["body"], st["small"]
    figures = item["evaluation"]
    top = number(document["evaluation"]["index_max"])
    # Until the registry numbers it, the letter names itself by the system's reference, saying so.
    reference = agenda_number or f"SE/GM100/{document['year']}/{document['round_id']}/{item['region_code']}" + (
        f"/V{document['version']}" if document.get("version") else "")
    ranked = sum(1 for i in document["items"] if i["rank"] is not None)
    names = {c["key"]: c["name"] for c in document["rubric_components"]}
    dimensions = [c["key"] for c in document["rubric_components"] if c["parent_key"] is None]  # the scheme's order
    previous = figures["previous"]
    earlier = "evaluasi masterplan" if previous and previous.get("masterplan_evaluation_id") else "evaluasi"
    compared = (f"Dibandingkan {earlier} {previous['year']} (indeks {number(previous['index'], 2)}), indeks berubah "
                f"{change(figures['change'])}." if previous else
                "Belum ada evaluasi sebelumnya dengan skema yang dapat dibandingkan.")
    dated = dated_on or document.get("announced_on")
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"Hasil evaluasi {item['region_name']}",
                            initialFontName=FONT, author="Kementerian Komunikasi dan Informatika",
                            subject="Surat hasil evaluasi Gerakan Menuju 100 Smart City")
    story: list[Any] = [
        _text("KEMENTERIAN KOMUNIKASI DAN INFORMATIKA", st["subtitle"]),
        _text("Direktorat Jenderal Aplikasi Informatika", st["centre"]),
        Spacer(1, 6 * mm),
        _text(f"Nomor: {reference}" + ("" if agenda_number else " (rujukan sistem; nomor agenda belum diberikan)"),
              body),
        _text("Hal: Hasil evaluasi Gerakan Menuju 100 Smart City", body),
        _text(f"Tanggal: {_day(dated)}" if dated else "", body),
        Spacer(1, 4 * mm),
        _text(f"Kepada Yth. Kepala Daerah {item['region_name']}", body),
        Spacer(1, 4 * mm),
        _text(f"Bersama ini kami sampaikan hasil {document['title']}. {item['region_name']} memperoleh indeks "
              f"{number(figures['index'], 2)} pada skala 0–{top}, peringkat {figures['rank_in_province']} "
              f"dari {figures['province_regions']} daerah di provinsinya dan peringkat {item['rank']} dari "
              f"{ranked} daerah secara nasional. {compared}", body),
        Spacer(1, 3 * mm),
        _text("Indeks per dimensi", st["heading"]),
        _table([["Dimensi", "Indeks"]] + [[names[k], number(figures["dimensions"][k], 2)] for k in dimensions],
               [120 * mm, 50 * mm], st, numeric={1}),
    ]
    if figures["pillars"]:
        story += [_text("Indeks per pilar", st["heading"]),
                  _table([["Pilar", "Indeks"]] + [[name, number(figures["pillars"][p], 2)]
                                                 for p, name in PILLARS.items() if p in figures["pillars"]],
                         [120 * mm, 50 * mm], st, numeric={1})]
    proof = Table([[_Qr(verify_url, 28 * mm), [
        _text(f"Hasil ini bersumber dari hasil bertanda tangan elektronik (JWS ES256, kunci {kid}).", small),
        _text(f"SHA-256 dokumen bertanda tangan: {jws_digest}", small),
        _text(f"Periksa: {verify_url} dengan smartcity verify-results.", small)]]],
        colWidths=[32 * mm, 138 * mm], style=[("FONTNAME", (0, 0), (-1, -1), FONT)])
    story += [Spacer(1, 4 * mm), proof]
    signatories = document.get("signatories") or []
    if signatories:
        story.append(KeepTogether([Spacer(1, 6 * mm), _signatures(signatories[:1], st)]))
    pdf.build(story, canvasmaker=lambda *a, **k: _footed(f"Surat Nomor {reference}", *a, **k))
    return out.getvalue()
