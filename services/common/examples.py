"""An example for every answer in the spec, made from its schema: the fields' own examples where the models give
them, the formats' and bounds' otherwise, so each one validates against its schema (the contract test checks)."""

from __future__ import annotations

from typing import Any

from .errors import PROBLEM_JSON, TYPE_BASE, problem_titles

BY_FORMAT = {"date-time": "2019-03-20T09:00:00+07:00", "date": "2019-03-20", "binary": "", "duration": "P1D",
             "uuid": "6f1c2e4a-8d3b-4c5e-9a7f-1b2c3d4e5f60", "uri": "https://api.gm100.example.go.id/docs",
             "email": "petugas@kominfo.go.id"}
# Fields the programme names the same everywhere, where a model gives no example of its own.
BY_NAME: dict[str, Any] = {
    "region_code": "21.72", "code": "21.72", "parent_code": "21", "province_code": "21",
    "region_name": "Kota Tanjungpinang", "name": "Kota Tanjungpinang", "name_short": "Tanjungpinang",
    "island_group": "sumatera", "year": 2019, "cohort_year": 2019, "round_id": 7, "rank": 1, "quota": 25,
    "title": "Gerakan Menuju 100 Smart City 2019", "venue": "Pustiknas, Tangerang Selatan", "place": "Jakarta",
    "source": "BPS 2019", "institution": "Universitas Indonesia",
    "organisation": "Kementerian Komunikasi dan Informatika", "sub": "user:6f1c2e4a-8d3b-4c5e-9a7f-1b2c3d4e5f60",
    "reason": "Dokumen pendukung belum lengkap", "indicator_code": "population", "component_key": "overall",
}


def example_of(schema: dict[str, Any], schemas: dict[str, Any], trail: tuple[str, ...] = (),
               name: str | None = None) -> Any:
    """A value the schema accepts; `schemas` resolves `#/components/schemas/...` references, `name` is the
    property's (for the programme's common fields)."""
    if "$ref" in schema:
        target = schema["$ref"].rsplit("/", 1)[1]
        return None if target in trail else example_of(schemas[target], schemas, (*trail, target), name)
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("default") is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(options[0], schemas, trail, name)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_of(part, schemas, trail)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if name in BY_NAME and kind in ("string", "integer") and isinstance(BY_NAME[name], str) == (kind == "string"):
        return BY_NAME[name]
    if kind == "object" or "properties" in schema:
        out = {key: example_of(sub, schemas, trail, key) for key, sub in schema.get("properties", {}).items()}
        if not out and isinstance(schema.get("additionalProperties"), dict):
            out = {"key": example_of(schema["additionalProperties"], schemas, trail)}
        return out
    if kind == "array":
        if "prefixItems" in schema:
            return [example_of(item, schemas, trail) for item in schema["prefixItems"]]
        return [example_of(schema.get("items", {}), schemas, trail, name)] * max(1, schema.get("minItems", 1))
    if kind == "string":
        text = BY_FORMAT.get(schema.get("format", ""), "teks")
        return text.ljust(schema.get("minLength", 0), "x")
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in schema else 0))
        return max(low, min(1, schema.get("maximum", 1)))
    if kind == "boolean":
        return True
    return None


def add_examples(spec: dict[str, Any]) -> None:
    """Every JSON answer without an example gets one from its schema; every problem answer one of its kind."""
    schemas = spec.get("components", {}).get("schemas", {})
    titles = problem_titles()
    for path, item in spec.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                for media_type, media in (response.get("content") or {}).items():
                    if "example" in media or "examples" in media or "schema" not in media:
                        continue
                    if media_type == PROBLEM_JSON and code.isdigit():
                        slug, title = titles.get(int(code), ("error", response.get("description", "Error")))
                        media["example"] = {"type": TYPE_BASE + slug, "title": title, "status": int(code),
                                            "detail": response.get("description", title), "instance": path}
                    elif media_type.endswith("json"):
                        media["example"] = example_of(media["schema"], schemas)
