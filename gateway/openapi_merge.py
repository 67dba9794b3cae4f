"""One OpenAPI document for frontend teams: the gateway's own operations plus every service's."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from services.common.errors import ProblemError, ServiceUnavailable
from services.common.examples import add_examples
from services.common.openapi import EVENT_TYPES
from services.common.upstream import Upstreams

from .webhooks.events import webhooks_section

log = logging.getLogger("smartcity.gateway")


# What the gateway itself may answer in front of any operation.
GATEWAY_ERRORS = {"408": "The request body did not arrive in time",
                  "429": "Rate limit or in-flight cap reached (see Retry-After)"}
UPSTREAM_ERRORS = {"502": "The service failed", "503": "The service is not reachable",
                   "504": "The service did not answer in time"}


def _add_errors(paths: dict[str, Any], errors: dict[str, str]) -> None:
    for item in paths.values():
        for op in item.values():
            for code, description in errors.items():
                # A content of its own for each: the example added to it later names this code and this path.
                op["responses"].setdefault(code, {"description": description, "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})


def merge_specs(own: dict[str, Any], services: dict[str, dict[str, Any]], *, token_url: str) -> dict[str, Any]:
    merged: dict[str, Any] = json.loads(json.dumps(own))
    merged["info"] = {
        "title": "Gerakan Menuju 100 Smart City API",
        "version": own["info"]["version"],
        "description": "One API for the programme: the region registry, assessment rounds and selection, and "
                       "masterplans. Every operation lists the roles that may call it in `x-roles`; `public` "
                       "needs no token. Errors are RFC 9457 problem details (application/problem+json).",
    }
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    tag_groups = [{"name": "gateway", "tags": list(tags)}]
    event_types: dict[str, dict[str, Any]] = {}
    for service, spec in services.items():
        for name, described in spec.get(EVENT_TYPES, {}).items():
            if event_types.setdefault(name, described) is not described:
                raise ValueError(f"{service} and another service both emit {name}")
        # One name, one shape: two services may share a model only if it is the same; else name them apart.
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            if schemas.setdefault(name, schema) != schema:
                raise ValueError(f"{service} defines schema {name} differently from another service; rename one")
        spec.pop(EVENT_TYPES, None)
        _add_errors(spec.get("paths", {}), UPSTREAM_ERRORS)
        for path, item in spec.get("paths", {}).items():
            if path in merged["paths"]:
                raise ValueError(f"{service} and another service both define {path}")
            merged["paths"][path] = item
        service_tags = []
        for tag in spec.get("tags", []):
            tags.setdefault(tag["name"], tag)
            service_tags.append(tag["name"])
        tag_groups.append({"name": service, "tags": service_tags})
    _add_errors(merged["paths"], GATEWAY_ERRORS)
    add_examples(merged)  # the gateway's own answers, added above
    merged["webhooks"] = webhooks_section(event_types)
    merged["tags"] = list(tags.values())
    merged["x-tagGroups"] = tag_groups
    merged["components"]["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                       "description": "Access token from POST /auth/token"},
        "oauth2": {"type": "oauth2", "flows": {
            "password": {"tokenUrl": token_url, "refreshUrl": token_url, "scopes": {}},
            "clientCredentials": {"tokenUrl": token_url, "scopes": {}}}},
    }
    return merged


async def fetch_service_specs(upstreams: Upstreams,
                              names: Iterable[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    specs: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name in names:
        try:
            specs[name] = await upstreams.call(name, "GET", "/openapi.json")
        except (ProblemError, ValueError) as exc:
            log.warning("could not fetch the %s spec: %s", name, type(exc).__name__)
            missing.append(name)
    return specs, missing


async def merged_spec(app: Any, names: Iterable[str]) -> tuple[dict[str, Any], bool]:
    """The merged spec, and whether every service's part is in it; a complete one is kept (services change
    only on deploy)."""
    state = app.state
    if getattr(state, "merged_spec", None) is not None:
        return state.merged_spec, True
    specs, missing = await fetch_service_specs(state.upstreams, names)
    spec = merge_specs(app.openapi(), specs, token_url="/auth/token")
    if missing:
        spec["info"]["x-missing-services"] = missing
        return spec, False
    state.merged_spec = spec
    return spec, True


async def event_types(app: Any, names: Iterable[str]) -> set[str]:
    """Every event type a partner may subscribe to: what the services' specs say they emit."""
    spec, complete = await merged_spec(app, names)
    if not complete:
        raise ServiceUnavailable("The event types are not all known while a service is away; try again shortly",
                                 headers={"Retry-After": "1"})
    return set(spec["webhooks"])
