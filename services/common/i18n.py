"""Refusals in the reader's language: Indonesian by default, English when Accept-Language prefers it.

The code writes its messages in English (a problem's `detail`, a field's or a row's `msg`). The Indonesian
catalogue (`locale/id/LC_MESSAGES/messages.po`, gettext's format, edited with any PO tool) holds each message
as a template whose `{0}`, `{1}` stand for what the code interpolates; an answer's English text is matched
against the templates and written again in Indonesian with the same values, which are themselves translated
when they are messages too ("Value error, {0}"). `smartcity messages` lists what the code says that the
catalogue does not translate yet; a test keeps that list empty.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE_FILE = Path(__file__).parent / "locale" / "id" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{(\d+)\}")
# Longer texts stay as written: matching them costs more than a refusal is worth.
MAX_TRANSLATED = 2_000

# What pydantic and the web framework say, as templates: the messages a JSON body, a query or a path of this
# API can draw.
FRAMEWORK_MESSAGES = (
    "Field required", "Extra inputs are not permitted", "Input should be a valid dictionary",
    "Input should be a valid dictionary or object to extract fields from", "Input should be a valid list",
    "Input should be a valid string", "String should have at least {0} character{1}",
    "String should have at most {0} character{1}", "String should match pattern '{0}'",
    "Input should be a valid integer", "Input should be a valid integer, unable to parse string as an integer",
    "Input should be a valid integer, got a number with a fractional part",
    "Unable to parse input string as an integer, exceeded maximum size", "Input should be a valid number",
    "Input should be a valid number, unable to parse string as a number", "Input should be a finite number",
    "Input should be greater than {0}", "Input should be greater than or equal to {0}",
    "Input should be less than {0}", "Input should be less than or equal to {0}", "Input should be a valid boolean",
    "Input should be a valid boolean, unable to interpret input", "Input should be {0}",
    "List should have at least {0} item{1} after validation, not {2}",
    "List should have at most {0} item{1} after validation, not {2}",
    "Decimal input should be an integer, float, string or Decimal object", "Input should be a valid decimal",
    "Decimal input should have no more than {0} digit{1} in total",
    "Decimal input should have no more than {0} decimal place{1}",
    "Decimal input should have no more than {0} digit{1} before the decimal point",
    "Input should be a valid date", "Input should be a valid date in the format YYYY-MM-DD, {0}",
    "Input should be a valid date or datetime, {0}", "Input should be a valid datetime",
    "Input should be a valid datetime, {0}", "Input should be a valid datetime or date, {0}",
    "Input should have timezone info", "UUID input should be a string, bytes or UUID object",
    "Input should be a valid UUID, {0}", "URL input should be a string or URL", "Input should be a valid URL, {0}",
    "Value error, {0}", "Invalid JSON: {0}", "Not Found", "Method Not Allowed",
)


def _load() -> dict[str, str]:
    with CATALOGUE_FILE.open("rb") as f:
        catalog = read_po(f, locale="id")
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


CATALOGUE = _load()


def _compile(msgid: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(msgid)  # literal, index, literal, index, ..., literal
    pattern = "".join(re.escape(part.replace("{{", "{").replace("}}", "}")) if i % 2 == 0 else f"(?P<g{part}>.*?)"
                      for i, part in enumerate(parts))
    return re.compile(pattern, re.S)


# Most literal text first, so "Round {0} does not exist" wins over "{0} {1} does not exist".
ORDER = sorted(CATALOGUE, key=lambda msgid: -len(PLACEHOLDER.sub("", msgid)))


@functools.cache  # compiled the first time a text is tried against it: all of them cost every start 50 ms
def _template(i: int) -> tuple[re.Pattern[str], str]:
    return _compile(ORDER[i]), CATALOGUE[ORDER[i]]


# A text is tried only against the templates that begin as it does (by their first HEAD characters) and those
# that begin with a value, in the order above: a refusal, and each value in it, is matched against a few
# dozen templates instead of all of them.
HEAD = 3


def _index() -> tuple[dict[str, list[int]], list[int]]:
    starts: dict[str, list[int]] = {}
    anywhere: list[int] = []
    for i, msgid in enumerate(ORDER):
        literal = PLACEHOLDER.split(msgid)[0].replace("{{", "{").replace("}}", "}")
        if len(literal) >= HEAD:
            starts.setdefault(literal[:HEAD], []).append(i)
        else:
            anywhere.append(i)
    return starts, anywhere


_STARTS, _ANYWHERE = _index()


@functools.lru_cache(maxsize=4096)  # the same refusals come again and again; matching them is not free
def indonesian(text: str, depth: int = 0) -> str:
    """`text` in Indonesian when the catalogue has its template; as it is otherwise."""
    if len(text) > MAX_TRANSLATED:
        return text
    for i in sorted([*_STARTS.get(text[:HEAD], ()), *_ANYWHERE]):
        pattern, msgstr = _template(i)
        match = pattern.fullmatch(text)
        if match:
            values = {k[1:]: v if depth >= 2 else indonesian(v, depth + 1) for k, v in match.groupdict().items()}
            parts = PLACEHOLDER.split(msgstr)
            return "".join(part.replace("{{", "{").replace("}}", "}") if i % 2 == 0 else values[part]
                           for i, part in enumerate(parts))
    return text
