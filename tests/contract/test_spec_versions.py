"""The spec is a contract: the committed one is what the gateway serves, and no change breaks a client silently."""

import json
import subprocess

import pytest

from smartcity.spec import CHANGELOG, ROOT, SPEC_FILE, breaking_changes, unlisted


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def _previous_spec() -> dict | None:
    """The committed spec before the newest change to it (or HEAD's, while the file has uncommitted changes)."""
    try:
        if _git("status", "--porcelain", "--", str(SPEC_FILE)).strip():
            return json.loads(_git("show", f"HEAD:{SPEC_FILE}"))
        commits = _git("log", "--format=%H", "-n", "2", "--", str(SPEC_FILE)).split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: no earlier spec to compare with")
    return json.loads(_git("show", f"{commits[1]}:{SPEC_FILE}")) if len(commits) == 2 else None


async def test_the_committed_spec_is_what_the_gateway_serves(gw):
    served = (await gw.get("/openapi.json")).json()
    committed = json.loads((ROOT / SPEC_FILE).read_text())
    assert served == committed, f"the served spec differs from {SPEC_FILE}: run `.venv/bin/smartcity spec --write`"


def test_every_breaking_change_is_in_the_changelog():
    previous = _previous_spec()
    if previous is None:
        pytest.skip("the spec has no earlier version")
    changes = breaking_changes(previous, json.loads((ROOT / SPEC_FILE).read_text()))
    missing = unlisted(changes, (ROOT / CHANGELOG).read_text())
    assert missing == [], "list these in CHANGELOG.md with what clients must do:\n" + "\n".join(
        f"`{c.id}` ({c.detail})" for c in missing)


def _spec(operation: dict, schemas: dict | None = None) -> dict:
    return {"paths": {"/things/{id}": {"get": {"operationId": "things_get", **operation}}},
            "components": {"schemas": schemas or {}}}


THING = {"type": "object", "required": ["id", "name"],
         "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "note": {"type": "string"}}}
ANSWER = {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}


def test_what_breaks_a_client_is_found_and_what_does_not_is_not():
    old = _spec({"responses": ANSWER}, {"Thing": THING})
    assert breaking_changes(old, old) == []
    more = {**THING, "properties": {**THING["properties"], "added": {"type": "string"}}}
    assert breaking_changes(old, _spec({"responses": ANSWER}, {"Thing": more})) == []  # an added field is fine
    cases = {
        "operation-removed GET /things/{id}": {"paths": {}, "components": {"schemas": {}}},
        "operation-id-changed GET /things/{id}": {"paths": {"/things/{id}": {"get": {
            "operationId": "thing_read", "responses": ANSWER}}}, "components": {"schemas": {"Thing": THING}}},
        "response-property-removed GET /things/{id} 200.note": _spec({"responses": ANSWER}, {"Thing": {
            **THING, "properties": {k: v for k, v in THING["properties"].items() if k != "note"}}}),
        "type-changed GET /things/{id} 200.id": _spec({"responses": ANSWER}, {"Thing": {
            **THING, "properties": {**THING["properties"], "id": {"type": "string"}}}}),
        "response-property-became-optional GET /things/{id} 200.name": _spec(
            {"responses": ANSWER}, {"Thing": {**THING, "required": ["id"]}}),
        "parameter-became-required GET /things/{id} header If-Match": _spec({"responses": ANSWER, "parameters": [
            {"in": "header", "name": "If-Match", "required": True}]}, {"Thing": THING}),
        "success-response-removed GET /things/{id} 200": _spec({"responses": {"204": {}}}, {"Thing": THING}),
    }
    for expected, new in cases.items():
        assert [c.id for c in breaking_changes(old, new)] == [expected], expected
    body = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"a": {"type": "string"}}}}}}}
    stricter = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}}}}}
    assert [c.id for c in breaking_changes(_spec(body), _spec(stricter))] == [
        "request-property-became-required GET /things/{id} request.a"]
    listed = "- `operation-removed GET /things/{id}`: call /items/{id}"
    assert unlisted(breaking_changes(old, {"paths": {}}), listed) == []
