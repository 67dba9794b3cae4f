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
from decimal import Decimal
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

WIB = ZoneInfo("Asia/Jakarta")
FONT, BOLD = "Vera", "Vera-Bold"
INDONESIAN_MARKS = str.maketrans(",.", ".,")
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
    (r"selected by equity rule: at least (\d+) with (\w+) = (.+?) \(rank (\d+), below the cut-off of (\d+)\)",
     r"terpilih oleh aturan pemerataan: sedikitnya \1 dengan \2 = \3 (peringkat \4, di bawah batas \5)"),
    (r"not selected: rank (\d+) was displaced by an equity rule reserving places for other island groups or "
     r"categories",
     r"tidak terpilih: peringkat \1 tergeser aturan pemerataan yang mencadangkan tempat bagi gugus pulau atau "
     r"kategori lain"),
    (r"not selected: rank (\d+) was displaced by an equity rule reserving places for other island groups",
     r"tidak terpilih: peringkat \1 tergeser aturan pemerataan yang mencadangkan tempat bagi gugus pulau lain"),
    (r"not selected: rank (\d+) is below the cut-off of (\d+)", r"tidak terpilih: peringkat \1 di bawah batas \2"),
    (r"not selected: no submitted panel scores", "tidak terpilih: tidak ada nilai panel yang diserahkan"),
    (r"evaluated: rank (\d+) of (\d+) nationally, (\d+) of (\d+) in province (\d+)",
     r"dievaluasi: peringkat \1 dari \2 nasional, \3 dari \4 di provinsi \5"),
]
PILLARS = {"governance": "Smart Governance", "branding": "Smart Branding", "economy": "Smart Economy",
           "living": "Smart Living", "society": "Smart Society", "environment": "Smart Environment"}


def change(value: float | None) -> str:
    """A change of index as a reader writes it: +0,25, -0,10, or a dash where none is comparable."""
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number(value, 2)


def _text(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: what users typed (titles, venues, names) is never read as the renderer's markup,
    so `&` and `<` print as themselves and no tag can fetch anything. Words longer than the cell are split."""
    return Paragraph(escape(text), style)


def number(value: float | int | Decimal | str, places: int | None = None) -> str:
    """A number as Indonesian readers write it: decimal comma, thousands by points (25.600.000; 81,302).
    `places` fixed, or as many as the value has."""
    exact = Decimal(str(value))
    if places is None:
        places = max(0, -exact.normalize().as_tuple().exponent)  # type: ignore[operator]
    written = f"{exact:,.{places}f}"
    return written.translate(INDONESIAN_MARKS)


@lru_cache(maxsize=1)
def _fonts() -> tuple[str, str]:
    """Bitstream Vera (shipped with reportlab), embedded in the PDF: it reads the same on every machine."""
    for name, file in ((FONT, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (f"{FONT}-Italic", "VeraIt.ttf"),
                       (f"{FONT}-BoldItalic", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, file))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=f"{FONT}-Italic",
                                  boldItalic=f"{FONT}-BoldItalic")
    return FONT, BOLD


class _Pages(Canvas):  # type: ignore[misc]
    """Prints "Halaman n dari N" on every page: the pages are kept until the total is known."""

    footer = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._kept.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for n, state in enumerate(self._kept, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.setFillColor(colors.grey)
            self.drawString(15 * mm, 9 * mm, self.footer)
            self.drawRightString(A4[0] - 15 * mm, 9 * mm, f"Halaman {n} dari {len(self._kept)}")
            super().showPage()
        super().save()


APPEAL_DECISIONS = {"upheld": "Diterima", "rejected": "Ditolak"}


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


class _Qr(Flowable):  # type: ignore[misc]
    """A QR code drawn as filled squares on the page (a reportlab Drawing would set Helvetica, unembedded)."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.width = self.height = size
        self.modules = QrCodeWidget(url, barWidth=size, barHeight=size).draw().contents

    def draw(self) -> None:
        for m in self.modules:
            if m.fillColor is None:  # the widget's unfilled background: painting it would black out the code
                continue
            self.canv.setFillColor(m.fillColor)
            self.canv.rect(m.x, m.y, m.width, m.height, stroke=0, fill=1)


def _styles() -> dict[str, ParagraphStyle]:
    font, bold = _fonts()
    sample = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sample["BodyText"], fontName=font, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    return {
        "title": ParagraphStyle("title", parent=sample["Title"], fontName=bold, fontSize=14, leading=18),
        "subtitle": ParagraphStyle("subtitle", parent=sample["Heading2"], fontName=bold, fontSize=11, leading=14,
                                   alignment=1),
        # A heading never ends a page: it goes with what follows it.
        "heading": ParagraphStyle("heading", parent=sample["Heading3"], fontName=bold, fontSize=10, leading=13,
                                  keepWithNext=True),
        "section": ParagraphStyle("section", parent=sample["Heading3"], fontName=bold, fontSize=10, leading=13),
        "body": body, "small": small, "centre": ParagraphStyle("centre", parent=small, alignment=1),
        "cell": ParagraphStyle("cell", parent=small, fontSize=7, leading=8.5),
        "head": ParagraphStyle("head", parent=small, fontName=bold, fontSize=7, leading=8.5),
        "name": ParagraphStyle("name", parent=small, fontName=bold, alignment=1),
    }


def render_minutes(document: dict[str, Any], *, jws_digest: str, kid: str, verify_url: str) -> bytes:
    """The PDF bytes. `document` is the signed payload's `results`; `jws_digest` the SHA-256 of the JWS."""
    st = _styles()
    small, body = st["small"], st["body"]
    out = io.BytesIO()
    reference = f"BA/GM100/{document['year']}/{document['round_id']}" + (
        f"/V{document['version']}" if document.get("version") else "")
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=18 * mm, title=f"Berita Acara {document['title']}",
                            initialFontName=FONT,  # not Helvetica, which the PDF would not carry
                            author="Kementerian Komunikasi dan Informatika", subject="Berita acara penetapan hasil")
    rules = document.get("equity_rules") or {}
    equity = []
    for group, n in sorted((rules.get("min_per_island_group") or {}).items()):
        equity.append(f"sedikitnya {n} dari gugus pulau {group}")
    for rule in rules.get("min_per_category") or []:
        for category, n in sorted(rule["at_least"].items()):
            equity.append(f"sedikitnya {n} dengan {rule['indicator']} = {category}")
    if rules.get("max_per_province"):
        equity.append(f"paling banyak {rules['max_per_province']} per provinsi")
    selected = [i for i in document["items"] if i["selected"]]
    evaluating = document.get("evaluation") is not None
    decided = document.get("decided_on")
    announced = document.get("announced_on")
    acts = (f"Pada {_day(decided)} hasil penilaian {document['title']} ditetapkan oleh tim penilai"
            if decided else f"Hasil penilaian {document['title']} ditetapkan oleh tim penilai")
    acts += f", dan pada {_day(announced)} diumumkan." if announced else ", lalu diumumkan."
    outcome = (f"{number(sum(1 for i in document['items'] if i['rank'] is not None))} daerah anggota dievaluasi; "
               f"indeks pada skala 0–{number(document['evaluation']['index_max'])}." if evaluating else
               f"Dari {number(len(document['items']))} daerah yang hadir, {number(len(selected))} ditetapkan "
               f"terpilih dengan kuota {number(document['quota'])}.")
    story: list[Any] = [
        _text(f"BERITA ACARA PENETAPAN HASIL {'EVALUASI' if evaluating else 'SELEKSI'}", st["title"]),
        _text(document["title"].upper(), st["subtitle"]),
        _text(f"Nomor: {reference}", st["centre"]),
        Spacer(1, 5 * mm),
        _text(f"{acts} Penilaian berlangsung {_day(document['starts_on'])} sampai {_day(document['ends_on'])} di "
              f"{document['venue']}. {outcome}", body),
        Spacer(1, 3 * mm),
        _text("1. Aturan penilaian", st["heading"]),
        _text(
            f"Rubrik {document['rubric_code']} versi {document['rubric_version']}; nilai panel digabung dengan "
            f"{'rata-rata' if document['aggregation'] == 'mean' else 'median'}; selisih antarpenilai di atas "
            f"{number(document['disagreement_threshold'])} ditandai untuk moderasi. Aturan pemerataan: "
            f"{'; '.join(equity) or 'tidak ada'}. Urutan bila nilai sama: "
            "nilai panel lebih tinggi, lalu selisih terbesar antarpenilai lebih kecil, lalu kode wilayah.", body),
        Spacer(1, 2 * mm),
    ]
    components = [["Kunci", "Komponen", "Jenis", "Bobot", "Skala"]] + [
        [c["key"], c["name"], KINDS.get(c["kind"], c["kind"]), number(c["weight"]),
         f"{number(c['scale_min'])}–{number(c['scale_max'])}" if c.get("scale_min") is not None else "–"]
        for c in document["rubric_components"]]
    story += [_table(components, [38 * mm, 70 * mm, 30 * mm, 18 * mm, 24 * mm], st, numeric={3}),
              _text("2. Panel penilai (menurut institusi)", st["heading"])]
    panels = [["Panel", "Waktu dan tempat", "Institusi", "Penilai", "Daerah"]] + [
        [p["name"], f"{_day(p['starts_at'])}, {p['venue']}", ", ".join(p["institutions"]), number(p["members"]),
         number(p["regions"])] for p in document["panels"]]
    # The ranking runs over pages: its heading starts a page only when too little of this one is left.
    story += [_table(panels, [32 * mm, 50 * mm, 68 * mm, 15 * mm, 15 * mm], st, numeric={3, 4}),
              CondPageBreak(40 * mm), _text("3. Peringkat dan keputusan", st["section"])]
    if evaluating:
        ranked = [["No.", "Kode", "Kabupaten/Kota", "Nilai", "Indeks", "Perubahan", "Peringkat di provinsi"]] + [
            [number(i["rank"]) if i["rank"] is not None else "–", i["region_code"], i["region_name"],
             number(i["total"], 3) if i["total"] is not None else "–",
             number(i["evaluation"]["index"], 2) if i.get("evaluation") else "–",
             change(i["evaluation"]["change"]) if i.get("evaluation") else "–",
             f"{i['evaluation']['rank_in_province']} dari {i['evaluation']['province_regions']}"
             if i.get("evaluation") else rule_in_indonesian(i["rule"])] for i in document["items"]]
        story += [_table(ranked, [10 * mm, 15 * mm, 55 * mm, 18 * mm, 18 * mm, 20 * mm, 44 * mm], st,
                         numeric={0, 3, 4, 5})]
    else:
        ranked = [["No.", "Kode", "Kabupaten/Kota", "Nilai", "Keputusan", "Dasar keputusan"]] + [
            [number(i["rank"]) if i["rank"] is not None else "–", i["region_code"], i["region_name"],
             number(i["total"], 3) if i["total"] is not None else "–",
             "Terpilih" if i["selected"] else "Tidak terpilih", rule_in_indonesian(i["rule"])]
            for i in document["items"]]
        story += [_table(ranked, [10 * mm, 15 * mm, 45 * mm, 15 * mm, 21 * mm, 74 * mm], st, numeric={0, 3})]
    if document.get("version"):  # a result published again: what changed it
        before = document["supersedes"]
        appeals = [["Kode", "Kabupaten/Kota", "Diajukan", "Komponen", "Putusan", "Alasan"]] + [
            [a["region_code"], a["region_name"], _day(a["filed_on"]), ", ".join(a["components"]),
             f"{APPEAL_DECISIONS.get(a['decision'], a['decision'])} {_day(a['decided_on'])}", a["reasons"]]
            for a in document["appeals"]]
        story += [CondPageBreak(40 * mm), _text("3.1 Sanggahan dan perubahan hasil", st["heading"]),
                  _text(f"Hasil ini adalah versi {document['version']}, diumumkan pada "
                        f"{_day(document['republished_on'])} setelah sanggahan berikut diputus; versi ini "
                        f"menggantikan versi {before['version']} (SHA-256 dokumen bertanda tangan "
                        f"{before['jws_sha256']}), yang tetap dapat diperiksa.", body),
                  Spacer(1, 2 * mm),
                  _table(appeals, [15 * mm, 35 * mm, 22 * mm, 25 * mm, 28 * mm, 55 * mm], st)]
    if document.get("certificate"):
        story += _certificate(document["certificate"], "3.2" if document.get("version") else "3.1", st)
    head = document.get("audit_head") or {}
    proof = Table([[_Qr(verify_url, 32 * mm), [
        _text(f"Hasil ini ditandatangani secara elektronik (JWS ES256, kunci {kid}).", small),
        _text(f"SHA-256 dokumen bertanda tangan: {jws_digest}", small),
        _text(f"Hash hasil: {document['result_hash']}", small),
        _text(f"Digest masukan: {document['inputs_digest']}", small),
        _text(f"Rantai audit penilaian saat diumumkan: baris {head.get('seq', '–')}, {head.get('hash', '–')}",
              small),
        _text(f"Periksa: {verify_url} dengan smartcity verify-results.", small)]]],
        colWidths=[36 * mm, 144 * mm], style=[("FONTNAME", (0, 0), (-1, -1), FONT)])
    story += [_text("4. Keabsahan", st["heading"]), proof]
    signatories = document.get("signatories") or []
    if signatories:
        story.append(KeepTogether([
            _text("5. Pengesahan", st["heading"]),
            _text(f"Berita acara ini ditetapkan{f' pada {_day(announced)}' if announced else ''} oleh:", body),
            Spacer(1, 3 * mm), _signatures(signatories, st)]))
    pdf.build(story, canvasmaker=lambda *a, **k: _footed(f"Berita Acara Nomor {reference}", *a, **k))
    return out.getvalue()


def _certificate(certificate: dict[str, Any], number_: str, st: dict[str, ParagraphStyle]) -> list[Any]:
    """The robustness test of the decisions: how it was run, and each fragile decision with its review."""
    rule = certificate["rule"]
    notes = {r["region_code"]: r for r in certificate.get("reviews", [])}
    fragile = [r for r in certificate["regions"] if r["fragile"]]
    rows = [["Kode", "Kabupaten/Kota", "Keputusan", "Selisih", "Tanpa 1 penilai", "Bootstrap", "Bobot",
             "Telaah komite"]]
    for r in fragile:
        p, review = r["probability"], notes.get(r["region_code"])
        rows.append([r["region_code"], r["region_name"], "Terpilih" if r["selected"] else "Tidak terpilih",
                     number(r["margin"], 3) if r["margin"] is not None else "–",
                     f"{number(p['leave_one_out'] * 100, 1)}%", f"{number(p['bootstrap'] * 100, 1)}%",
                     f"{number(p['weights'] * 100, 1)}%",
                     f"{_day(review['reviewed_on'])}: {review['note']}" if review else "–"])
    said = [_text(f"{number_} Uji ketahanan keputusan", st["heading"]),
            _text(f"Setiap keputusan diuji: tanpa salah satu dari {number(certificate['assessors'])} penilai "
                  f"secara bergantian; {number(certificate['resamples'])} kali panel setiap daerah diambil ulang "
                  f"dari penilainya (bootstrap); {number(certificate['resamples'])} kali bobot setiap komponen "
                  f"digeser acak dalam ±{number(rule['weight_band'])} poin (benih acak {rule['seed']}). Keputusan "
                  f"rapuh bila peluang terpilihnya pada salah satu uji antara 20% dan 80%, atau selisihnya dari "
                  f"batas kelulusan kurang dari {number(rule['margin'])} poin. "
                  + (f"{number(len(fragile))} keputusan rapuh, masing-masing ditelaah komite:" if fragile
                     else "Tidak ada keputusan yang rapuh."), st["body"])]
    if fragile:
        said += [Spacer(1, 2 * mm), _table(rows, [13 * mm, 27 * mm, 21 * mm, 14 * mm, 17 * mm, 18 * mm, 15 * mm,
                                                  55 * mm], st, numeric={3, 4, 5, 6})]
    return [CondPageBreak(40 * mm), *said]


def _footed(footer: str, *args: Any, **kwargs: Any) -> _Pages:
    pages = _Pages(*args, **kwargs)
    pages.footer = footer
    return pages


def _signatures(signatories: list[dict[str, Any]], st: dict[str, ParagraphStyle]) -> Table:
    """Up to three officials a row, aligned line by line: position, institution, room to sign, name, NIP."""
    rows: list[list[Any]] = []
    heights: list[float | None] = []
    for i in range(0, len(signatories), 3):
        group = signatories[i:i + 3]
        group += [{}] * (3 - len(group))
        rows += [[_text(s.get("title", ""), st["centre"]) for s in group],
                 [_text(s.get("organisation", ""), st["centre"]) for s in group],
                 ["", "", ""],
                 [_text(s.get("name", ""), st["name"]) for s in group],
                 [_text(f"NIP {s['nip']}" if s.get("nip") else "", st["centre"]) for s in group]]
        heights += [None, None, 20 * mm, None, 10 * mm]
    table = Table(rows, colWidths=[60 * mm] * 3, rowHeights=heights)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return table


def _table(rows: list[list[str]], widths: list[float], st: dict[str, ParagraphStyle],
           numeric: set[int] = frozenset()) -> Table:  # type: ignore[assignment]
    """Every cell a paragraph, so long names wrap inside their cell; the header repeats on each page."""
    right = ParagraphStyle("right", parent=st["cell"], alignment=2)
    cells = [[_text(v, st["head"]) for v in rows[0]]] + [
        [_text(v, right if i in numeric else st["cell"]) for i, v in enumerate(row)] for row in rows[1:]]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
    return table
