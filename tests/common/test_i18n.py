"""Refusals in both languages: Indonesian by default, English when Accept-Language prefers it, every message the
code can say in the catalogue."""

import re

from services.common.i18n import CATALOGUE, FRAMEWORK_MESSAGES, indonesian
from smartcity.messages import found_in_code, untranslated

PLACEHOLDER = re.compile(r"\{(\d+)\}")


def test_every_message_the_code_says_is_translated():
    assert untranslated() == []
    said = {m for m, _ in found_in_code()}
    assert len(said) > 150  # the extractor sees the code's refusals (a broken one would find none)
    for msgid, msgstr in CATALOGUE.items():
        wanted, written = set(PLACEHOLDER.findall(msgid)), set(PLACEHOLDER.findall(msgstr))
        # Every value the code puts in appears in the translation; pydantic's plural endings ({1}) may go.
        assert written <= wanted and (msgid in FRAMEWORK_MESSAGES or written == wanted), msgid


def test_a_template_keeps_the_values_and_translates_the_messages_inside():
    assert indonesian("Round 7 does not exist") == "Putaran 7 tidak ada"
    assert indonesian("Value error, send either region_codes or filter") == \
        "Nilai tidak sah, kirim region_codes atau filter, salah satu"
    assert indonesian("String should have at least 1 character") == "Teks paling sedikit 1 karakter"
    assert indonesian("text no template matches") == "text no template matches"


def test_every_template_is_found_whatever_it_begins_with():
    """Templates are looked up by how they begin: none may be out of reach, the ones that begin with a value
    included."""
    for msgid, msgstr in CATALOGUE.items():
        said = PLACEHOLDER.sub("7", msgid).replace("{{", "{").replace("}}", "}")
        assert msgstr == msgid or indonesian(said) != said, msgid


async def test_a_refusal_speaks_the_readers_language(gw, auth):
    load = "/api/v1/regions/indicators/population/values/bulk"
    body = b"region_code;year;value;source\n21.72;2031;205.000;Dukcapil\n"
    kemendagri = {**auth("kemendagri"), "content-type": "text/csv"}
    by_default = await gw.post(load, content=body, headers=kemendagri)
    english = await gw.post(load, content=body, headers={**kemendagri, "Accept-Language": "en-GB,en;q=0.9"})
    assert by_default.headers["content-language"] == "id" and english.headers["content-language"] == "en"
    assert (by_default.json()["title"], by_default.json()["detail"]) == (
        "Masukan tidak valid", "1 dari 1 baris tidak sah; tidak ada yang ditulis")
    assert (english.json()["title"], english.json()["detail"]) == ("Invalid input",
                                                                   "1 of 1 rows are invalid; nothing was written")
    assert "bila desimalnya koma" in by_default.json()["errors"][0]["msg"]
    assert "with a decimal comma" in english.json()["errors"][0]["msg"]

    officer = auth("kominfo_officer")
    short = {"year": 2019, "title": "GM", "quota": 0, "starts_on": "2019-02-21", "ends_on": "2019-02-22",
             "venue": "Pustiknas", "rubric_id": 1}
    fields = await gw.post("/api/v1/assessment/rounds", json=short, headers=officer)
    messages = {tuple(e["loc"]): e["msg"] for e in fields.json()["errors"]}
    assert fields.json()["detail"] == "2 isian tidak sah"
    assert messages[("body", "title")] == "Teks paling sedikit 3 karakter"
    assert messages[("body", "quota")] == "Masukan harus lebih besar dari atau sama dengan 1"
    fields_en = await gw.post("/api/v1/assessment/rounds", json=short, headers={**officer, "Accept-Language": "en"})
    assert {tuple(e["loc"]): e["msg"] for e in fields_en.json()["errors"]}[("body", "title")] == \
        "String should have at least 3 characters"
