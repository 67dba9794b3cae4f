"""The minutes (berita acara) of a published selection, as a PDF in Indonesian: the public copy.

Built from the signed result alone, so the minutes say nothing the signed document does not: the round,
its dates and venue, the quota and rules, the rubric and weights, the panels by institution (never by
assessor), the ranked table with each decision and the rule behind it, the signed document's digest and
key, and a QR code to the signed result that anyone can check with `smartcity verify-results`.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

WIB = ZoneInfo("Asia/Jakarta")
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
KINDS = {"group": "kelompok", "panel": "penilaian panel", "self": "penilaian mandiri", "indicator": "indikator"}

# The decision rules of calculation.select, in Indonesian; a rule that matches none is shown as written.
RULES = [
    (r"selected: rank (\d+) within the quota of (\d+)", r"terpilih: peringkat \1 dalam kuota \2"),
    (r"selected by equity rule: at least (\d+) from island group (\w+) \(rank (\d+), below the cut-off of (\d+)\)",
     r"terpilih oleh aturan pemerataan: sedikitnya \1 dari gugus pulau \2 (peringkat \3, di bawah batas \4)"),
    (r"selected: rank (\d+), below the cut-off of (\d+), moved up into a place freed by the province cap "
     r"\(at most (\d+) per province\)",
     r"terpilih: peringkat \1, di bawah batas \2, naik ke tempat yang dilepas batas provinsi (paling banyak \3 "
     r"per provinsi)"),
    (r"not selected: at most (\d+) per province, and province (\d+) is full",
     r"tidak terpilih: paling banyak \1 per provinsi, dan provinsi \2 sudah penuh"),
    (r"not selected: rank (\d+) was displaced by an equity rule reserving places for other island groups",
     r"tidak terpilih: peringkat \1 tergeser aturan pemerataan yang mencadangkan tempat bagi gugus pulau lain"),
    (r"not selected: rank (\d+) is below the cut-off of (\d+)", r"tidak terpilih: peringkat \1 di bawah batas \2"),
    (r"not selected: no submitted panel scores", "tidak terpilih: tidak ada nilai panel yang diserahkan"),
]


def _text(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: what users typed (titles, venues, names) is never read as the renderer's markup,
    so `&` and `<` print as themselves and no tag can fetch anything."""
    return Paragraph(escape(text), style)


def rule_in_indonesian(rule: str) -> str:
    for pattern, replacement in RULES:
        if re.fullmatch(pattern, rule):
            return re.sub(pattern, replacement, rule)
    return rule


def _day(value: str | date | datetime) -> str:
    moment = value if isinstance(value, date | datetime) else datetime.fromisoformat(value)
    if isinstance(moment, datetime):
        moment = moment.astimezone(WIB)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render_minutes(document: dict[str, Any], *, jws_digest: str, kid: str, verify_url: str) -> bytes:
    """The PDF bytes. `document` is the signed payload's `results`; `jws_digest` the SHA-256 of the JWS."""
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    cell = ParagraphStyle("cell", parent=small, fontSize=7, leading=8.5)
    body = styles["BodyText"]
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"Berita Acara {document['title']}",
                            author="Kementerian Komunikasi dan Informatika", subject="Berita acara penetapan hasil")
    rules = document.get("equity_rules") or {}
    equity = []
    for group, n in sorted((rules.get("min_per_island_group") or {}).items()):
        equity.append(f"sedikitnya {n} dari gugus pulau {group}")
    if rules.get("max_per_province"):
        equity.append(f"paling banyak {rules['max_per_province']} per provinsi")
    selected = [i for i in document["items"] if i["selected"]]
    story: list[Any] = [
        _text("BERITA ACARA PENETAPAN HASIL SELEKSI", styles["Title"]),
        _text(document["title"].upper(), styles["Heading2"]),
        _text(f"Nomor: BA/GM100/{document['year']}/{document['round_id']}", body),
        Spacer(1, 4 * mm),
        _text(
            f"Pada {_day(document['finalised_at'])} hasil penilaian {document['title']} ditetapkan, dan pada "
            f"{_day(document['published_at'])} diumumkan. Penilaian berlangsung {_day(document['starts_on'])} "
            f"sampai {_day(document['ends_on'])} di {document['venue']}. Dari {len(document['items'])} daerah "
            f"yang hadir, {len(selected)} ditetapkan terpilih dengan kuota {document['quota']}.", body),
        Spacer(1, 3 * mm),
        _text("1. Aturan penilaian", styles["Heading3"]),
        _text(
            f"Rubrik {document['rubric_code']} versi {document['rubric_version']}; nilai panel digabung dengan "
            f"{'rata-rata' if document['aggregation'] == 'mean' else 'median'}; selisih antarpenilai di atas "
            f"{document['disagreement_threshold']} ditandai untuk moderasi. Aturan pemerataan: "
            f"{'; '.join(equity) or 'tidak ada'}. Urutan bila nilai sama: "
            "nilai panel lebih tinggi, lalu selisih terbesar antarpenilai lebih kecil, lalu kode wilayah.", body),
    ]
    components = [["Kunci", "Komponen", "Jenis", "Bobot", "Skala"]] + [
        [c["key"], _text(c["name"], cell), KINDS.get(c["kind"], c["kind"]), f"{float(c['weight']):g}",
         f"{float(c['scale_min']):g}-{float(c['scale_max']):g}" if c.get("scale_min") is not None else "-"]
        for c in document["rubric_components"]]
    story += [Spacer(1, 2 * mm), _table(components, [25 * mm, 80 * mm, 35 * mm, 18 * mm, 20 * mm]),
              _text("2. Panel penilai (menurut institusi)", styles["Heading3"])]
    panels = [["Panel", "Waktu dan tempat", "Institusi", "Penilai", "Daerah"]] + [
        [p["name"], _text(f"{_day(p['starts_at'])}, {p['venue']}", cell),
         _text(", ".join(p["institutions"]), cell), str(p["members"]), str(p["regions"])]
        for p in document["panels"]]
    story += [_table(panels, [28 * mm, 45 * mm, 75 * mm, 15 * mm, 15 * mm]),
              _text("3. Peringkat dan keputusan", styles["Heading3"])]
    ranked = [["No.", "Kode", "Kabupaten/Kota", "Nilai", "Keputusan", "Dasar keputusan"]] + [
        [str(i["rank"]) if i["rank"] is not None else "-", i["region_code"], _text(i["region_name"], cell),
         f"{i['total']:.3f}" if i["total"] is not None else "-", "Terpilih" if i["selected"] else "Tidak terpilih",
         _text(rule_in_indonesian(i["rule"]), cell)] for i in document["items"]]
    story += [_table(ranked, [10 * mm, 16 * mm, 45 * mm, 15 * mm, 20 * mm, 74 * mm], repeat=1),
              _text("4. Keabsahan", styles["Heading3"])]
    head = document.get("audit_head") or {}
    proof = Table([[_qr(verify_url, 32 * mm), [
        _text(f"Hasil ini ditandatangani secara elektronik (JWS ES256, kunci {kid}).", small),
        _text(f"SHA-256 dokumen bertanda tangan: {jws_digest}", small),
        _text(f"Hash hasil: {document['result_hash']}", small),
        _text(f"Digest masukan: {document['inputs_digest']}", small),
        _text(f"Rantai audit penilaian saat diumumkan: baris {head.get('seq', '-')}, "
                  f"{head.get('hash', '-')}", small),
        _text(f"Periksa: {verify_url} dengan smartcity verify-results.", small)]]],
        colWidths=[36 * mm, 144 * mm])
    story += [proof]
    pdf.build(story)
    return out.getvalue()


def _table(rows: list[list[Any]], widths: list[float], repeat: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=repeat)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 7), ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    return table
