"""The messages a person reads in a refusal, gathered from the code for translators (`smartcity messages`).

Each `detail` a problem is raised with and each `msg` of a field or row error is found in the source; an f-string
becomes its template (`At most {0} rows per request`), the form the catalogue's msgids take. The running service
matches an answer's English text against those templates to write it in the reader's language
(`services/common/i18n.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from services.common.i18n import CATALOGUE, FRAMEWORK_MESSAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("services", "gateway")
# Calls whose argument at that place is a refusal's text, besides the first of every ProblemError subclass.
TEXT_ARG = {"problem_response": 1, "bad": 2, "_problem": 1, "OAuthError": 1, "ValueError": 0, "absent": 0}
# Names assigned a refusal's text, and dicts of them.
TEXT_NAMES = {"detail", "RACES"}


def template(node: ast.expr) -> str | None:
    """The msgid of a string literal or f-string (`{0}`, `{1}`, ... for what it interpolates), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        out, n = [], 0
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            else:
                out.append(f"{{{n}}}")
                n += 1
        return "".join(out)
    return None


def _problem_classes(trees: list[ast.Module]) -> set[str]:
    """Names of ProblemError and every class deriving from it, across the sources."""
    bases: dict[str, list[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases]
    found = {"ProblemError"}
    while True:
        more = {name for name, parents in bases.items() if set(parents) & found} - found
        if not more:
            return found
        found |= more


def found_in_code() -> Iterator[tuple[str, str]]:
    """(msgid, where) for every refusal text in the code."""
    files = [f for d in SOURCES for f in sorted((ROOT / d).rglob("*.py"))]
    trees = [ast.parse(f.read_text(), str(f)) for f in files]
    problems = _problem_classes(trees)
    for path, tree in zip(files, trees, strict=True):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            texts: list[ast.expr] = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                at = TEXT_ARG.get(name, 0 if name in problems else None)
                if at is not None and len(node.args) > at:
                    texts.append(node.args[at])
            elif isinstance(node, ast.Dict):
                texts += [v for k, v in zip(node.keys, node.values, strict=True)
                          if isinstance(k, ast.Constant) and k.value in ("msg", "detail") and v is not None]
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in TEXT_NAMES
                                                      for t in node.targets):
                value = node.value
                texts += [value.body, value.orelse] if isinstance(value, ast.IfExp) else \
                    list(value.values) if isinstance(value, ast.Dict) else [value]
            for text in texts:
                msgid = template(text)
                if msgid and any(c.isalpha() for c in msgid):
                    yield msgid, f"{where}:{text.lineno}"


def untranslated() -> list[str]:
    wanted = {m for m, _ in found_in_code()} | set(FRAMEWORK_MESSAGES)
    return sorted(wanted - set(CATALOGUE))


def write_catalogue(translations: dict[str, str] | None = None) -> list[str]:
    """The catalogue written anew from the code: kept translations, new messages untranslated (for a PO editor),
    messages the code no longer says dropped. Returns what is left to translate."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from services.common.i18n import CATALOGUE_FILE

    where: dict[str, set[str]] = {}
    for msgid, place in found_in_code():
        where.setdefault(msgid, set()).add(place.rsplit(":", 1)[0])
    for msgid in FRAMEWORK_MESSAGES:
        where.setdefault(msgid, set()).add("pydantic, starlette")
    known = {**CATALOGUE, **(translations or {})}
    catalog = Catalog(locale="id", project="Gerakan Menuju 100 Smart City API", version="1",
                      copyright_holder="Kementerian Komunikasi dan Informatika", msgid_bugs_address="",
                      last_translator="Tim Gerakan Menuju 100 Smart City", language_team="Bahasa Indonesia",
                      fuzzy=False, header_comment="# Refusals of the API in Indonesian. `smartcity messages` writes "
                      "this file anew from the code;\n# translate each empty msgstr, keeping {0}, {1} (what the code "
                      "puts there).")
    for msgid, places in sorted(where.items()):
        catalog.add(msgid, known.get(msgid, ""), locations=[(p, None) for p in sorted(places)])  # type: ignore[misc]
    with CATALOGUE_FILE.open("wb") as f:
        write_po(f, catalog, width=120, include_lineno=False)
    return sorted(m for m in where if not known.get(m))
