"""The table readers under random input: every file is rows or a 422 naming why, never another exception.
`make test` tries a few hundred files per reader; `make fuzz` 10,000 (TABLE_FUZZ_EXAMPLES)."""

import io
import os
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.errors import Unprocessable
from services.common.tables import CHARSETS, read_csv, read_xlsx
from tests.common.test_hostile_files import FIELDS, good_workbook

FUZZ = settings(max_examples=int(os.environ.get("TABLE_FUZZ_EXAMPLES", 300)), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

# Pieces a CSV is made of, hostile ones included: quotes, separators, line ends of every kind, NUL, BOMs,
# bytes that are not UTF-8, a field past the csv module's limit.
PIECES = st.sampled_from([b"region_code", b"year", b"value", b"source", b",", b";", b"\t", b'"', b'""', b"\n",
                          b"\r\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\x96", b"\xe2\x80", b"21.72",
                          b"2019", b"205.000", b"1.234,5", b"=cmd", b" ", b"x" * 140_000])
HEADER = b"region_code,year,value,source\n"


@FUZZ
@given(body=st.one_of(st.binary(max_size=512), st.lists(PIECES, max_size=40).map(b"".join),
                      st.lists(PIECES, max_size=40).map(lambda p: HEADER + b"".join(p))),
       charset=st.sampled_from([None, *CHARSETS, "ebcdic"]))
def test_any_csv_is_rows_or_a_422(body, charset):
    try:
        rows = read_csv(body, FIELDS, charset)
    except Unprocessable as exc:
        assert exc.detail
    else:
        assert all(set(row) == FIELDS for row in rows)


GOOD = good_workbook()
PARTS = {i.filename: zipfile.ZipFile(io.BytesIO(GOOD)).read(i) for i in zipfile.ZipFile(io.BytesIO(GOOD)).infolist()}


def _rezipped(part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in PARTS.items():
            target.writestr(name, content if name == part else data)
    return out.getvalue()


def _flipped(flips: list[tuple[int, int]]) -> bytes:
    body = bytearray(GOOD)
    for at, byte in flips:
        body[at % len(body)] = byte
    return bytes(body)


def _spliced(part: str, at: int, inserted: bytes) -> bytes:
    content = PARTS[part]
    at %= len(content) + 1
    return _rezipped(part, content[:at] + inserted + content[at:])


XML_BITS = st.sampled_from([b"<", b">", b"</c>", b'<c r="A2" t="s"><v>99</v></c>', b'<v>1e400</v>', b"&amp;",
                            b"&#0;", b'<c t="inlineStr"><is><t>=1+1</t></is></c>', b"<!DOCTYPE x>", b"\x00",
                            b'<row r="1048577">', b'<dimension ref="A1:XFD1048576"/>', b"]]>"])


@FUZZ
@given(body=st.one_of(
    st.lists(st.tuples(st.integers(0, len(GOOD)), st.integers(0, 255)), min_size=1, max_size=8).map(_flipped),
    st.integers(0, len(GOOD)).map(lambda n: GOOD[:n]),
    st.builds(_spliced, st.sampled_from(sorted(PARTS)), st.integers(0, 10**6),
              st.lists(XML_BITS, min_size=1, max_size=6).map(b"".join)),
    st.builds(_rezipped, st.sampled_from(sorted(PARTS)), st.binary(max_size=256)),
))
def test_any_workbook_is_rows_or_a_422(body):
    try:
        rows = read_xlsx(body, FIELDS)
    except Unprocessable as exc:
        assert exc.detail
    else:
        assert all(set(row) == FIELDS for row in rows)
