"""The merged OpenAPI document is a product: valid, complete, and the roles it states are the roles enforced."""

import uuid

import pytest
from openapi_spec_validator import validate

from services.common.auth import Role

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
async def spec(gw):
    r = await gw.get("/openapi.json")
    assert r.status_code == 200
    body = r.json()
    assert "x-missing-services" not in body["info"]
    return body


def _operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


async def test_merged_spec_is_valid_openapi_31(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


async def test_every_service_is_in_the_merged_spec(spec):
    paths = set(spec["paths"])
    assert "/auth/token" in paths and "/api/v1/admin/users" in paths
    assert "/api/v1/regions/{code}" in paths


async def test_every_operation_states_roles_types_and_errors(spec):
    ids = []
    for path, method, op in _operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("operationId"), where
        ids.append(op["operationId"])
        assert op.get("tags"), where
        roles = op.get("x-roles")
        assert roles, f"{where} states no roles"
        assert set(roles) <= {"public", *Role}, where
        ok = [code for code in op["responses"] if code.startswith("2")]
        assert ok, f"{where} documents no success response"
        content = op["responses"][ok[0]].get("content", {})
        if ok[0] != "204":
            assert content, f"{where} has an untyped success response"
            for media, body in content.items():
                if media == "application/json":
                    assert body["schema"] != {}, f"{where} has an untyped JSON response"
        errors = [code for code in op["responses"] if code[0] in "45"]
        assert errors, f"{where} documents no error response"
        for code in errors:
            assert "application/problem+json" in op["responses"][code]["content"], (where, code)
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def _fill(path, op):
    for param in op.get("parameters", []):
        if param["in"] != "path":
            continue
        schema = param["schema"]
        value = (schema.get("examples") or param.get("examples") or [None])[0]
        if value is None:
            value = str(uuid.uuid4()) if schema.get("format") == "uuid" else (
                "1" if schema.get("type") == "integer" else "x")
        path = path.replace("{" + param["name"] + "}", str(value))
    return path


async def test_role_matrix_matches_the_spec(spec, gw, auth):
    """Every operation, called with a token of every role: exactly the stated roles get past the gate."""
    checked = 0
    for path, method, op in _operations(spec):
        roles = op["x-roles"]
        if roles == ["public"]:
            continue
        url = _fill(path, op)
        anonymous = await gw.request(method, url, json={})
        assert anonymous.status_code == 401, f"{method} {path} without a token: {anonymous.status_code}"
        for role in Role:
            r = await gw.request(method, url, json={}, headers=auth(role.value, region="21.72"))
            if role.value in roles:
                assert r.status_code not in (401, 403), f"{role} refused at {method} {path}: {r.text}"
            else:
                assert r.status_code == 403, f"{role} let through at {method} {path}: {r.status_code}"
            checked += 1
    assert checked > 100
