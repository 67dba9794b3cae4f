"""Hostile files at the border: every one a 422 with a reason, nothing inflated past its limit, never a 500."""

import io
import zipfile
import zlib

import openpyxl
import psutil
import pytest

from services.common.errors import Unprocessable
from services.common.tables import read_xlsx

FIELDS = {"region_code", "year", "value", "source"}
LOAD = "/api/v1/regions/indicators/population/values/bulk"


def good_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region_code", "year", "value", "source"])
    sheet.append(["21.72", 2019, 209280, "Dukcapil 2019"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_part(name: str, content: bytes, replace: bool = True) -> bytes:
    """The good workbook with one part written (or replaced) as given."""
    source = zipfile.ZipFile(io.BytesIO(good_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if not (replace and item.filename == name):
                target.writestr(item, source.read(item))
        target.writestr(name, content)
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                     for i in range(1, 10))
          + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
          b"<si><t>&lol9;</t></si></sst>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&x;</workbook>')


class _Copies:
    """Deflates a MiB of zeros once and answers every MiB written with that copy: a full flush ends it on a byte
    boundary with nothing to refer back to, so the copies join into one valid stream. Deflating the whole GiB
    took 6 s of CPU."""

    def __init__(self, block: bytes):
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.block, self.copy = block, deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
        self.end = deflate.flush()

    def compress(self, data: bytes) -> bytes:
        assert data == self.block
        return self.copy

    def flush(self) -> bytes:
        return self.end


def _bomb() -> bytes:
    """A workbook of about 1 MB whose theme inflates to 1 GiB."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(good_workbook()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/theme/theme1.xml":
                target.writestr(item, source.read(item))
        with target.open("xl/theme/theme1.xml", "w", force_zip64=True) as theme:
            block = bytes(1 << 20)
            theme._compressor = _Copies(block)  # type: ignore[attr-defined]
            for _ in range(1024):
                theme.write(block)
    return out.getvalue()


def _encrypted() -> bytes:
    """The good workbook with every part flagged as encrypted (zipfile then wants a password): found by fuzzing."""
    body = bytearray(good_workbook())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = body.find(signature)
        while at >= 0:
            body[at + flags] |= 1
            at = body.find(signature, at + 4)
    return bytes(body)


# Named, not shown: a workbook's bytes carry the minute it was zipped, and both workers must collect the same ids.
WORKBOOKS = {
    "not a zip": b"PK\x03\x04 this is not a workbook",
    "encrypted parts": _encrypted(),
    "billion laughs in the shared strings": _with_part("xl/sharedStrings.xml", LAUGHS),
    "billion laughs in the content types": _with_part("[Content_Types].xml", LAUGHS),
    "external entity in the workbook": _with_part("xl/workbook.xml", XXE),
    "unclosed sheet XML": _with_part("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>"),
    "no sheets": _with_part("xl/workbook.xml", b'<workbook xmlns="http://schemas.openxmlformats.org/'
                                               b'spreadsheetml/2006/main"><sheets/></workbook>'),
}


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_hostile_workbooks_are_refused_with_a_reason(name):
    with pytest.raises(Unprocessable):
        read_xlsx(WORKBOOKS[name], FIELDS)


def _many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for n in range(1001):
            target.writestr(f"x/{n}.xml", b"<x/>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_inflates():
    bomb = _bomb()
    assert len(bomb) < 2 * 2**20
    before = psutil.Process().memory_info().rss
    with pytest.raises(Unprocessable, match="unpacks to more than"):
        read_xlsx(bomb, FIELDS)
    assert psutil.Process().memory_info().rss - before < 100 * 2**20  # nothing was inflated
    with pytest.raises(Unprocessable, match="parts"):
        read_xlsx(_many_parts(), FIELDS)


CSVS = {
    "unbalanced quote": b'region_code,year,value,source\n21.72,2019,"5,Dukcapil\n' + b"16.03,2019,1,x\n" * 8000,
    "a field over the limit": b"region_code,year,value,source\n21.72,2019,1," + b"x" * (200 * 1024) + b"\n",
    "a NUL byte": b"region_code,year,value,source\n21.72,2019,1,Dukcapil\x00\n",
    "a bare CR in the header": b"region_code,year\rvalue,source\n21.72,2019,1,x\n",
    "mixed line ends": b"region_code,year,value,source\r\n21.72,2019,1,x\r16.03,2019,2,y\n",
    "empty": b"",
    "Windows-1252": "region_code,year,value,source\n21.72,2019,1,Dinas Kependudukan \u2013 2019\n".encode("cp1252"),
}


@pytest.mark.parametrize("name", list(CSVS))
async def test_a_malformed_csv_is_a_422_that_names_where_and_loads_nothing(gw, auth, name):
    r = await gw.post(LOAD, content=CSVS[name], headers={**auth("kemendagri"), "content-type": "text/csv"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", (name, r.text[:300])
    listed = await gw.get("/api/v1/regions/indicators/population/values", params={"year": 2019},
                          headers=auth("bappenas"))
    assert listed.json()["total"] == 0


async def test_through_the_gateway_a_hostile_file_is_a_422_and_loads_nothing(gw, auth):
    h = auth("kemendagri")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for body in (_with_part("xl/sharedStrings.xml", LAUGHS), _bomb()):
        r = await gw.post(LOAD, content=body, headers={**h, "content-type": xlsx})
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    listed = await gw.get("/api/v1/regions/indicators/population/values", params={"year": 2019},
                          headers=auth("bappenas"))
    assert listed.json()["total"] == 0
