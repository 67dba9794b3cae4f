"""OpenAPI as a product: roles per operation, problem+json errors, one security scheme."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from .auth import Gate
from .errors import PROBLEM_JSON
from .examples import add_examples
from .roles import PUBLIC

BEARER = "bearerAuth"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def find_gate(dependant: Dependant) -> Gate | None:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Gate):
            return dep.call
        found = find_gate(dep)
        if found:
            return found
    return None


def roles_of(route: APIRoute) -> list[str] | None:
    gate = find_gate(route.dependant)
    if gate is None:
        return None
    return [PUBLIC] if gate.public else sorted(gate.roles)


# Where a service's spec lists the events it emits (type -> payload schema); the gateway's merged spec turns
# them into its `webhooks` section.
EVENT_TYPES = "x-event-types"


def _describe_events(spec: dict[str, Any], events: Mapping[str, type[BaseModel]]) -> None:
    schemas = spec["components"]["schemas"]
    listed = {}
    for name, model in events.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(nested, definition)
        component = f"Webhook{model.__name__}"
        schemas[component] = schema
        listed[name] = {"summary": (model.__doc__ or name).strip().splitlines()[0],
                        "payload": {"$ref": f"#/components/schemas/{component}"}}
    spec[EVENT_TYPES] = listed


def build_openapi(app: FastAPI, routers: Sequence[APIRouter],
                  events: Mapping[str, type[BaseModel]] | None = None) -> dict[str, Any]:
    spec = get_openapi(title=app.title, version=app.version, description=app.description,
                       routes=app.routes, tags=app.openapi_tags)
    # Walk our own routers: their routes carry full paths, whatever FastAPI does when including them.
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        roles = roles_of(route)
        for method in route.methods or ():
            op = spec["paths"][route.path_format].get(method.lower())
            if op is None:
                continue
            if roles is not None:
                op["x-roles"] = roles
                op["security"] = [{}, {BEARER: []}] if roles == [PUBLIC] else [{BEARER: []}]
                if roles != [PUBLIC]:
                    op.setdefault("responses", {}).setdefault(
                        "401", {"description": "Authentication required",
                                "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}})
                    op["responses"].setdefault(
                        "403", {"description": "Not allowed", "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}})
            for parameter in op.get("parameters", []):
                # Optional in Python only so that a missing one is answered 428 rather than 422: it is required.
                if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                    parameter["required"] = True
                    # Required, so never null: the entity tags alone (a client sending "null" gets 422).
                    schema = parameter.get("schema", {})
                    parameter["schema"] = next((s for s in schema.get("anyOf", []) if s.get("type") != "null"),
                                               schema)
                    for code, title in (("412", "The record changed since you read it"),
                                        ("428", "If-Match is missing")):
                        op.setdefault("responses", {}).setdefault(code, {"description": title})
            if "requestBody" in op:
                op["responses"].setdefault("400", {"description": "The body cannot be parsed",
                                                   "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}})
            op.setdefault("responses", {}).setdefault(
                "500", {"description": "Unexpected error (logged with the request ID)",
                        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}})
            for code, response in op.get("responses", {}).items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    if "Problem" not in schemas:
        from .errors import Problem
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schemas["Problem"].pop("$defs", {}))
    spec["components"]["securitySchemes"] = {
        BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                 "description": "Access token from POST /auth/token at the gateway"}}
    if events:
        _describe_events(spec, events)
    add_examples(spec)
    return spec


def install_openapi(app: FastAPI, routers: Sequence[APIRouter],
                    events: Mapping[str, type[BaseModel]] | None = None) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, routers, events)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
