"""The merged OpenAPI document is a product: valid, complete, and the roles it states are the roles enforced."""

import re
import uuid

import pytest
from openapi_spec_validator import validate

from services.assessment.events import EVENTS as ASSESSMENT
from services.common.roles import Role
from services.masterplan.events import EVENTS as MASTERPLAN
from services.regions.events import EVENTS as REGIONS
from tests.kit import ROOT

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


AREAS = "regions|assessment|masterplan|admin|auth|labels|webhooks"
VERBS = ("list|get|create|update|replace|delete|cancel|save|submit|reopen|moderate|verify|declare|override|answer|"
         "withdraw|export|load|lookup|download|upload|align|report|review|revise|diff|reconfirm|amend|transition|"
         "issue|revoke|introspect|redeliver|bulk_answer|confirm|decide")
OPERATION_ID = re.compile(rf"^({AREAS})(_[a-z]+)*_({VERBS})$")


async def test_operation_ids_follow_one_pattern(spec):
    """area_resource_verb: the generated client's method names read the same way everywhere."""
    off = [op["operationId"] for _, _, op in _operations(spec) if not OPERATION_ID.match(op["operationId"])]
    assert off == []


async def test_every_operation_is_described_and_every_update_declares_its_headers(spec):
    for path, method, op in _operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), f"{where} needs a summary and a description"
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if method in ("put", "patch", "delete") and path.startswith("/api/v1/") and "{" in path:
            if_match = next((p for p in op.get("parameters", []) if p["name"] == "If-Match"), None)
            if if_match is None:  # an update of a stored thing names the version it read, or says why not
                assert op.get("x-no-if-match"), f"{where} takes no If-Match and does not say why"
            else:
                assert if_match["required"] and {"412", "428"} <= set(op["responses"]), where
        if method == "post" and path.startswith("/api/v1/") and "204" not in op["responses"]:
            assert "Idempotency-Key" in headers, f"{where} takes no Idempotency-Key"
        if "412" in op["responses"] and method != "delete":
            ok = next(code for code in op["responses"] if code.startswith("2"))
            assert "ETag" in op["responses"][ok].get("headers", {}), f"{where} does not document its ETag"


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


def test_the_merge_refuses_two_shapes_under_one_name():
    from gateway.openapi_merge import merge_specs

    own = {"openapi": "3.1.0", "info": {"title": "g", "version": "1"}, "paths": {}, "components": {"schemas": {}}}

    def service(shape):
        return {"paths": {}, "components": {"schemas": {"FunnelRow": {"type": "object", "properties": shape}}}}

    same = merge_specs(own, {"a": service({"x": {"type": "integer"}}), "b": service({"x": {"type": "integer"}})},
                       token_url="/auth/token")
    assert "FunnelRow" in same["components"]["schemas"]
    with pytest.raises(ValueError, match="FunnelRow"):
        merge_specs(own, {"a": service({"x": {"type": "integer"}}), "b": service({"y": {"type": "string"}})},
                    token_url="/auth/token")


def test_every_refusal_names_its_rule():
    """The generic 409 is a base class only: each refusal raises the problem type of its own rule."""
    generic = [f"{path.relative_to(ROOT)}:{n}" for folder in ("services", "gateway")
               for path in (ROOT / folder).rglob("*.py")
               for n, line in enumerate(path.read_text().splitlines(), 1) if "raise Conflict(" in line]
    assert generic == []


def test_every_problem_type_is_listed_in_the_readme():
    from services.common.errors import problem_types

    readme = (ROOT / "README.md").read_text()
    missing = [t.rsplit("/", 1)[-1] for t in problem_types() if f"`{t.rsplit('/', 1)[-1]}`" not in readme]
    assert missing == []


async def test_docs_are_served_from_the_gateway_itself(gw):
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):  # never framed by another site
        headers = (await gw.get(page)).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert headers["x-frame-options"] == "DENY"
    for page in ("/docs", "/redoc"):
        html = (await gw.get(page)).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
        assert assets, page
        assert not [a for a in assets if "://" in a or a.startswith("//")], (page, assets)  # no other host
        for asset in assets:
            if asset.startswith("/docs-assets/"):
                r = await gw.get(asset)
                assert r.status_code == 200 and len(r.content) > 1000, asset
    assert (await gw.get("/docs/oauth2-redirect")).status_code == 200


def test_every_event_a_service_emits_is_declared_by_that_service():
    for service, declared in (("regions", REGIONS), ("assessment", ASSESSMENT), ("masterplan", MASTERPLAN)):
        code = "".join(p.read_text() for p in (ROOT / "services" / service).rglob("*.py"))
        emitted = set(re.findall(r'emit\(session, records, "([a-z_.]+)"', code))
        # The shared documents' confirmation emits the type the service's documents_router names.
        emitted |= set(re.findall(r'documents_router\([^)]*event="([a-z_.]+)"', code, re.S))
        assert emitted == set(declared), service


async def test_every_webhook_event_is_described_with_its_payload(spec):
    declared = {*REGIONS, *ASSESSMENT, *MASTERPLAN}
    assert set(spec["webhooks"]) == declared
    assert "x-event-types" not in spec
    for name, item in spec["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["type"]["const"] == name
        ref = body["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][ref]["required"], name
        assert {p["name"] for p in item["post"]["parameters"]} >= {"webhook-id", "webhook-signature"}


async def test_every_answer_has_an_example_that_its_schema_accepts(spec):
    import json

    import referencing.jsonschema
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resource("urn:spec", Resource.from_contents(
        {"components": spec["components"]}, default_specification=referencing.jsonschema.DRAFT202012))
    missing, refused, misnamed = [], [], []
    for path, method, op in _operations(spec):
        for code, response in op["responses"].items():
            for media_type, media in (response.get("content") or {}).items():
                schema = media.get("schema", {})
                if schema.get("format") == "binary":
                    continue  # a workbook or a PDF: its description says what it holds
                if "example" not in media:
                    missing.append(f"{method.upper()} {path} {code} {media_type}")
                    continue
                resolved = json.loads(json.dumps(schema).replace('"#/components', '"urn:spec#/components'))
                errors = list(Draft202012Validator(resolved, registry=registry).iter_errors(media["example"]))
                if errors:
                    refused.append(f"{method.upper()} {path} {code}: {errors[0].message[:120]}")
                # A problem's example is one of this answer: its status, on this operation's path.
                example = media["example"]
                if media_type == "application/problem+json" and (example["status"] != int(code)
                                                                  or example["instance"] != path):
                    misnamed.append(f"{method.upper()} {path} {code}: {example['status']} {example['instance']}")
    assert missing == [] and refused == [] and misnamed == []
