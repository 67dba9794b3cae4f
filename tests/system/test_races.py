"""Races end in 2xx, 409 or 412, never 500, and no update is lost: measured on the real processes.

Twenty identical creates at once of every kind of record with a unique name or version, and two
hundred If-Match updates at once, all based on the same ETag, of every kind of updatable record.
"""

import asyncio
import uuid

import httpx
import pytest

from gateway.keys import access_claims, ensure_dev_keys
from tests.kit import stack_settings

pytestmark = pytest.mark.xdist_group("stack")  # running_stack: one worker under pytest-xdist

A, M = "/api/v1/assessment", "/api/v1/masterplan"
CREATES, UPDATES = 20, 100


@pytest.fixture(scope="module")
def stack(running_stack):
    base, env = running_stack
    settings = stack_settings(env)
    ring = ensure_dev_keys(settings)

    def auth(role: str, region: str | None = None, sub: str | None = None) -> dict[str, str]:
        claims = access_claims(settings, sub=sub or f"race:{role}", roles=[role], organisation="race",
                               region_code=region, minutes=30)
        return {"Authorization": f"Bearer {ring.sign(claims)}"}

    return base, auth


async def _at_once(n: int, call):
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        return await asyncio.gather(*(call(client) for _ in range(n)))


def _statuses(responses) -> dict[int, int]:
    counts: dict[int, int] = {}
    for r in responses:
        counts[r.status_code] = counts.get(r.status_code, 0) + 1
    return counts


async def test_identical_creates_at_once_make_one_record_and_no_500(stack):
    base, auth = stack
    admin, officer = auth("kominfo_admin"), auth("kominfo_officer")
    tag = uuid.uuid4().hex[:8]
    kinds = {
        "username": (f"{base}/api/v1/admin/users", admin, {
            "username": f"race-{tag}@kominfo.go.id", "full_name": "Race", "password": "a long enough password",
            "organisation": "Kominfo", "roles": ["kominfo_officer"]}),
        "client id": (f"{base}/api/v1/admin/clients", admin, {
            "client_id": f"race-{tag}", "name": "Race client", "organisation": "Kemenkeu", "roles": ["kemenkeu"]}),
        "assessor": (f"{base}{A}/assessors", officer, {
            "user_sub": f"user:race-{tag}", "name": "Race assessor", "institution": "UI"}),
        "mentorship": (f"{base}{A}/mentorships", officer, {"institution": f"ITB {tag}", "region_code": "21.72"}),
    }
    for kind, (url, headers, body) in kinds.items():
        answers = await _at_once(CREATES, lambda c, url=url, headers=headers, body=body: c.post(
            url, json=body, headers=headers))
        counts = _statuses(answers)
        assert counts.get(201) == 1 and set(counts) <= {201, 409}, (kind, counts)
    # Versions numbered under a lock: twenty creates of one code are versions 1 to 20, none lost.
    rubric = {"code": f"race-{tag}", "title": "Race rubric", "components": [
        {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0, "scale_max": 100}]}
    answers = await _at_once(CREATES, lambda c: c.post(f"{base}{A}/rubrics", json=rubric, headers=officer))
    assert _statuses(answers) == {201: CREATES}
    assert sorted(r.json()["version"] for r in answers) == list(range(1, CREATES + 1))
    scheme = {"code": f"race-{tag}", "weights": {"output": 50, "outcome": 50}}
    answers = await _at_once(CREATES, lambda c: c.post(f"{base}{M}/evaluation-schemes", json=scheme, headers=officer))
    assert _statuses(answers) == {201: CREATES}
    assert sorted(r.json()["version"] for r in answers) == list(range(1, CREATES + 1))
    # The same declaration of a conflict twenty times: one is recorded.
    async with httpx.AsyncClient(timeout=60) as c:
        assessors = (await c.get(f"{base}{A}/assessors", headers=officer, params={"limit": 200})).json()["items"]
    me = next(a for a in assessors if a["user_sub"] == f"user:race-{tag}")
    answers = await _at_once(CREATES, lambda c: c.post(f"{base}{A}/assessors/{me['id']}/conflicts", headers=officer,
                                                       json={"region_code": "21.72", "reason": "Konsultan Pemko"}))
    counts = _statuses(answers)
    assert counts.get(201) == 1 and set(counts) <= {201, 409}, counts


async def test_a_hundred_if_match_updates_at_once_lose_nothing(stack):
    base, auth = stack
    admin, officer, kemendagri = auth("kominfo_admin"), auth("kominfo_officer"), auth("kemendagri")
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=60) as c:
        user = await c.post(f"{base}/api/v1/admin/users", headers=admin, json={
            "username": f"edit-{tag}@kominfo.go.id", "full_name": "Edit", "password": "a long enough password",
            "organisation": "Kominfo", "roles": ["kominfo_officer"]})
        client = await c.post(f"{base}/api/v1/admin/clients", headers=admin, json={
            "client_id": f"edit-{tag}", "name": "Edit client", "organisation": "Kemenkeu", "roles": ["kemenkeu"]})
        rubric = await c.post(f"{base}{A}/rubrics", headers=officer, json={
            "code": f"edit-{tag}", "title": "Edit rubric", "components": [
                {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0,
                 "scale_max": 100}]})
        rnd = await c.post(f"{base}{A}/rounds", headers=officer, json={
            "year": 2019, "title": "Race round", "quota": 25, "starts_on": "2019-02-21", "ends_on": "2019-02-22",
            "venue": "Pustiknas", "rubric_id": rubric.json()["id"]})
        head = await c.post(f"{base}/api/v1/regions/21.04/heads", headers=kemendagri, json={
            "head_name": "Bupati Lingga", "title": "bupati", "start_date": "2003-01-01", "end_date": "2003-12-31"})
        indicator = await c.get(f"{base}/api/v1/regions/indicators/ipm", headers=officer)
    records = {
        "user account": (f"{base}/api/v1/admin/users/{user.json()['id']}", "kominfo_admin", user,
                         lambda i: {"full_name": f"Edit {i}"}),
        "client": (f"{base}/api/v1/admin/clients/{client.json()['id']}", "kominfo_admin", client,
                   lambda i: {"name": f"C {i}"}),
        "rubric": (f"{base}{A}/rubrics/{rubric.json()['id']}", "kominfo_officer", rubric,
                   lambda i: {**{k: rubric.json()[k] for k in ("code",)}, "title": f"Rubric {i}",
                              "components": [{"key": "overall", "name": "Overall", "kind": "panel", "weight": 100,
                                              "scale_min": 0, "scale_max": 100}]}),
        "round": (f"{base}{A}/rounds/{rnd.json()['id']}", "kominfo_officer", rnd, lambda i: {"title": f"Round {i}"}),
        "head term": (f"{base}{head.headers['location']}", "kemendagri", head,
                      lambda i: {"head_name": f"Bupati {i}"}),
        "indicator": (f"{base}/api/v1/regions/indicators/ipm", "kominfo_admin", indicator,
                      lambda i: {"name_en": f"Human Development Index ({i})"}),
    }
    for kind, (url, role, created, change) in records.items():
        assert created.status_code in (200, 201), (kind, created.text)
        etag = created.headers["etag"]
        method = "PUT" if kind == "rubric" else "PATCH"
        # A hundred different people of the role, so the per-client in-flight cap does not stand between them.
        people = iter([auth(role, sub=f"race:{role}:{i}") for i in range(UPDATES)])
        answers = await _at_once(UPDATES, lambda c, url=url, etag=etag, change=change, method=method, people=people:
                                 c.request(method, url, json=change(uuid.uuid4().int % 1000),
                                           headers={**next(people), "If-Match": etag}))
        counts = _statuses(answers)
        assert counts.get(200) == 1 and set(counts) <= {200, 412}, (kind, counts)
        winner = next(r for r in answers if r.status_code == 200)
        async with httpx.AsyncClient(timeout=60) as c:
            now = await c.get(url, headers=auth(role))
        assert now.headers["etag"] == winner.headers["etag"] != etag, kind  # the one accepted change is what is stored


async def test_the_audit_verifier_does_not_cry_wolf_while_six_officers_write(stack):
    """A hundred verifications while six writers append to the same chain: every one finds it intact."""
    base, auth = stack
    officer, reader = auth("kominfo_officer"), auth("bappenas")
    done = asyncio.Event()

    async def write(client: httpx.AsyncClient, n: int) -> int:
        written = 0
        while not done.is_set():
            r = await client.post(f"{base}{A}/assessors", headers={**officer, "Idempotency-Key": str(uuid.uuid4())},
                                  json={"user_sub": f"user:audit-race-{n}-{written}", "name": f"Penilai {n}",
                                        "institution": "Universitas Indonesia"})
            assert r.status_code == 201, r.text
            written += 1
        return written

    async def verify(client: httpx.AsyncClient) -> list[dict]:
        checks = []
        for _ in range(100):
            r = await client.get(f"{base}{A}/audit/verification", headers=reader)
            assert r.status_code == 200, r.text
            checks.append(r.json())
        done.set()
        return checks

    async with httpx.AsyncClient(timeout=60) as client:
        *written, checks = await asyncio.gather(*(write(client, n) for n in range(6)), verify(client))
    assert sum(written) > 0
    broken = [c["first_break"] for c in checks if not c["intact"]]
    assert broken == [], broken[:3]
    assert checks[-1]["rows"] > checks[0]["rows"]  # the chain grew while it was verified
