"""Downloads as a ministry opens them: typed workbook cells, the CSV Indonesian Excel reads, and text a person
typed never run as a formula (OWASP CSV injection), in every format."""

import asyncio
import csv
import io
import shutil
import subprocess
from datetime import datetime

import openpyxl
import pytest

LOAD = "/api/v1/regions/indicators/population/values/bulk"
EXPORT = "/api/v1/regions/indicators/population/values/export"
FORMULA = '=HYPERLINK("http://evil.example/x","klik")'


async def _load(gw, auth) -> None:
    rows = [{"region_code": "21.72", "year": 2019, "value": "81302.5", "source": FORMULA},
            {"region_code": "16.03", "year": 2019, "value": "25600000", "source": "@SUM(A1:A2)"},
            {"region_code": "21.71", "year": 2019, "value": "12", "source": "Dukcapil \u2013 2019"}]
    r = await gw.post(LOAD, json=rows, headers=auth("kemendagri"))
    assert r.status_code == 200, r.text


async def test_csv_for_scripts_and_for_indonesian_excel(gw, auth):
    await _load(gw, auth)
    plain = await gw.get(EXPORT, params={"format": "csv", "year": 2019}, headers=auth("bappenas"))
    assert not plain.content.startswith(b"\xef\xbb\xbf") and b"\r\n" not in plain.content
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(plain.text))}
    assert rows["21.72"]["value"] == "81302.5" and rows["21.72"]["source"] == "'" + FORMULA
    assert rows["16.03"]["source"] == "'@SUM(A1:A2)" and rows["21.71"]["source"] == "Dukcapil \u2013 2019"
    datetime.fromisoformat(rows["21.72"]["loaded_at"])

    excel = await gw.get(EXPORT, params={"format": "csv", "decimal": "comma", "year": 2019}, headers=auth("bappenas"))
    assert excel.content.startswith(b"\xef\xbb\xbf") and excel.content.count(b"\r\n") == 4
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(excel.content.decode("utf-8-sig")),
                                                         delimiter=";")}
    assert rows["21.72"]["value"] == "81302,5" and rows["21.72"]["source"] == "'" + FORMULA
    datetime.strptime(rows["21.72"]["loaded_at"], "%Y-%m-%d %H:%M:%S")


async def test_workbook_cells_are_typed_and_text_never_runs(gw, auth):
    await _load(gw, auth)
    r = await gw.get(EXPORT, params={"format": "xlsx", "year": 2019}, headers=auth("bappenas"))
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["data"]
    header = [c.value for c in sheet[1]]
    cells = {row[1].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    evil = cells["21.72"]
    assert evil["value"].value == 81302.5 and evil["value"].data_type == "n"
    assert isinstance(evil["loaded_at"].value, datetime) and evil["loaded_at"].is_date
    assert evil["source"].value == FORMULA and evil["source"].data_type == "s"
    assert evil["source"].quotePrefix  # Excel's own apostrophe: editing the cell keeps it text
    assert not cells["21.71"]["source"].quotePrefix


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (make test installs it "
                                                            "where it can: root and apt)")
async def test_libreoffice_with_indonesian_settings_opens_the_excel_csv_as_columns_and_numbers(gw, auth, tmp_path):
    await _load(gw, auth)
    excel = await gw.get(EXPORT, params={"format": "csv", "decimal": "comma", "year": 2019}, headers=auth("bappenas"))
    (tmp_path / "export.csv").write_bytes(excel.content)
    # Separator ;, text delimiter ", UTF-8 (76), from line 1, language Indonesian (1057), as Excel's id-ID reads it.
    await asyncio.to_thread(subprocess.run, [
        "soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--infilter=CSV:59,34,76,1,,1057",
        "--convert-to", "xlsx", "--outdir", str(tmp_path), str(tmp_path / "export.csv")],
        check=True, capture_output=True, timeout=120)
    sheet = openpyxl.load_workbook(tmp_path / "export.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header == ["indicator_code", "region_code", "year", "value", "source", "loaded_by", "loaded_at"]
    cells = {row[1].value: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)}
    assert set(cells) == {"21.72", "16.03", "21.71"}  # codes stay text: 21.72 is no number under id-ID
    assert cells["21.72"]["value"].value == 81302.5 and cells["16.03"]["value"].value == 25600000
    assert cells["21.71"]["source"].value == "Dukcapil \u2013 2019"  # no mojibake
    assert cells["21.72"]["source"].data_type == "s" and cells["21.72"]["source"].value.startswith("'=")
    assert isinstance(cells["21.72"]["loaded_at"].value, datetime)

    # The streamed workbook opens in LibreOffice too, its numbers as numbers.
    book = await gw.get(EXPORT, params={"format": "xlsx", "year": 2019}, headers=auth("bappenas"))
    (tmp_path / "export.xlsx").write_bytes(book.content)
    await asyncio.to_thread(subprocess.run, [
        "soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path / "back"),
        str(tmp_path / "export.xlsx")], check=True, capture_output=True, timeout=120)
    rows = {r["region_code"]: r for r in csv.DictReader((tmp_path / "back" / "export.csv").open(encoding="utf-8"))}
    assert rows["21.72"]["value"] == "81302.5" and rows["21.72"]["source"] == FORMULA


async def test_open_data_never_writes_a_round_title_as_a_formula(gw, auth):
    from scenarios.rounds import publish_round

    title = "=cmd|' /C calc'!A0 Smart City 2019"
    await publish_round(gw, auth, year=2019, selected=["21.72"], title=title)
    for decimal in ("point", "comma"):
        r = await gw.get("/api/v1/assessment/open-data/results", params={"format": "csv", "decimal": decimal})
        text = r.content.decode("utf-8-sig")
        [row] = csv.DictReader(io.StringIO(text), delimiter=";" if decimal == "comma" else ",")
        assert row["round_title"] == "'" + title, (decimal, row)
    book = await gw.get("/api/v1/assessment/open-data/results", params={"format": "xlsx", "year": 2019})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content))["data"]
    [cell] = [c for c in sheet[2] if c.value == title]
    assert cell.data_type == "s" and cell.quotePrefix
