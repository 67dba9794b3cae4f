"""The API contract: the merged spec as committed (`openapi/openapi.json`) and the changes that break clients.

`smartcity spec --write` writes the spec the processes serve. A change to it that breaks a client generated
from the previous version is allowed only when CHANGELOG.md names it by its id (e.g.
`operation-removed GET /api/v1/programme/funnel`) with what clients must do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC_FILE = Path("openapi") / "openapi.json"
CHANGELOG = Path("CHANGELOG.md")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def merged_spec() -> dict[str, Any]:
    """What the gateway serves at /openapi.json, built without starting anything."""
    from gateway.main import app as gateway
    from gateway.openapi_merge import merge_specs
    from services.assessment.main import app as assessment
    from services.masterplan.main import app as masterplan
    from services.regions.main import app as regions

    return merge_specs(gateway.openapi(), {"regions": regions.openapi(), "assessment": assessment.openapi(),
                                           "masterplan": masterplan.openapi()}, token_url="/auth/token")


def dumps(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Change:
    id: str  # stable: what CHANGELOG.md names
    detail: str


class _Specs:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]):
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def add(self, kind: str, where: str, detail: str) -> None:
        self.changes.append(Change(f"{kind} {where}", detail))

    @staticmethod
    def resolve(spec: dict[str, Any], schema: dict[str, Any], seen: frozenset[str] = frozenset()
                ) -> tuple[dict[str, Any], frozenset[str]]:
        """The schema behind its $refs, and behind `anyOf [X, null]` (nullability is compared on its own)."""
        while True:
            if "$ref" in schema and schema["$ref"] not in seen:
                seen = seen | {schema["$ref"]}
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
                continue
            variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
            if "anyOf" in schema and len(variants) == 1:
                schema = variants[0]
                continue
            return schema, seen

    def _types(self, spec: dict[str, Any], schema: dict[str, Any]) -> frozenset[str]:
        schema, _ = self.resolve(spec, schema)
        variants = schema.get("anyOf") or schema.get("oneOf")
        if variants:
            return frozenset().union(*(self._types(spec, v) for v in variants))
        kind = schema.get("type") or "any"
        return frozenset(kind) if isinstance(kind, list) else frozenset({str(kind)})

    def compare(self, old: dict[str, Any], new: dict[str, Any], where: str, *, request: bool,
                seen_old: frozenset[str] = frozenset(), seen_new: frozenset[str] = frozenset()) -> None:
        old, seen_old = self.resolve(self.old, old, seen_old)
        new, seen_new = self.resolve(self.new, new, seen_new)
        before, after = self._types(self.old, old), self._types(self.new, new)
        if before != after and "any" not in before:
            if request and before <= after:
                return  # a request field that takes more than before breaks no one
            self.add("type-changed", where, f"{sorted(before)} -> {sorted(after)}")
            return
        if "items" in old and "items" in new:
            self.compare(old["items"], new["items"], where + "[]", request=request, seen_old=seen_old,
                         seen_new=seen_new)
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
        for name, prop in old_props.items():
            if name not in new_props:
                if not request:
                    self.add("response-property-removed", f"{where}.{name}", "clients read it")
                continue
            if not request and name in old_req and name not in new_req:
                self.add("response-property-became-optional", f"{where}.{name}", "clients may rely on it")
            self.compare(prop, new_props[name], f"{where}.{name}", request=request, seen_old=seen_old,
                         seen_new=seen_new)
        if request:
            for name in sorted(new_req - old_req):
                self.add("request-property-became-required", f"{where}.{name}", "old clients do not send it")

    def operations(self) -> None:
        for path, old_item in self.old.get("paths", {}).items():
            new_item = self.new.get("paths", {}).get(path, {})
            for method in METHODS:
                if method not in old_item:
                    continue
                where = f"{method.upper()} {path}"
                if method not in new_item:
                    self.add("operation-removed", where, "clients call it")
                    continue
                self.operation(old_item[method], new_item[method], where)

    def operation(self, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
        if old.get("operationId") != new.get("operationId"):
            self.add("operation-id-changed", where, f"{old.get('operationId')} -> {new.get('operationId')}")
        before = {(p["in"], p["name"].lower()): p for p in old.get("parameters", [])}
        for p in new.get("parameters", []):
            was = before.get((p["in"], p["name"].lower()))
            if p.get("required") and not (was and was.get("required")):
                self.add("parameter-became-required", f"{where} {p['in']} {p['name']}", "old clients do not send it")
        old_body, new_body = old.get("requestBody"), new.get("requestBody")
        if new_body and new_body.get("required") and not (old_body and old_body.get("required")):
            self.add("request-body-became-required", where, "old clients send none")
        if old_body and new_body:
            for media, content in old_body.get("content", {}).items():
                if media in new_body.get("content", {}) and "schema" in content:
                    self.compare(content["schema"], new_body["content"][media].get("schema", {}),
                                 f"{where} request", request=True)
        for status, response in old.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            now = new.get("responses", {}).get(status)
            if now is None:
                self.add("success-response-removed", f"{where} {status}", "clients expect it")
                continue
            for media, content in response.get("content", {}).items():
                if media in now.get("content", {}) and "schema" in content:
                    self.compare(content["schema"], now["content"][media].get("schema", {}),
                                 f"{where} {status}", request=False)


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What breaks a client generated from `old` when the server speaks `new` (oasdiff's error-level checks:
    removed operations and success answers, renamed operations, newly required inputs, removed or retyped
    fields). Additions and relaxations are not breaking."""
    specs = _Specs(old, new)
    specs.operations()
    return specs.changes


def unlisted(changes: list[Change], changelog: str) -> list[Change]:
    return [c for c in changes if f"`{c.id}`" not in changelog]
