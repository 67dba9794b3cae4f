"""A regional government user reaches only its own region: every region-scoped operation, another region."""

import re

from scenarios.rounds import publish_round

REGION_PARAMS = {"code", "region_code"}


async def test_pemda_of_one_region_gets_nothing_of_another(gw, auth):
    rid = await publish_round(gw, auth, year=2019, selected=["21.72", "16.03"])
    spec = (await gw.get("/openapi.json")).json()
    mine, theirs = auth("pemda", region="21.72"), "16.03"
    checked = []
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        if not names & REGION_PARAMS:
            continue
        for method, op in item.items():
            if op["x-roles"] == ["public"] or "pemda" not in op["x-roles"]:
                continue
            url = path.replace("{round_id}", str(rid))
            for name in REGION_PARAMS:
                url = url.replace("{" + name + "}", theirs)
            body = {} if method in ("post", "put", "patch") else None
            r = await gw.request(method, url, json=body, headers=mine)
            assert r.status_code in (403, 404), f"{method.upper()} {url}: {r.status_code} {r.text[:200]}"
            answer = {k: v for k, v in r.json().items() if k != "instance"}  # the caller's own URL
            assert "16.03" not in str(answer) or r.status_code == 404, f"{method.upper()} {url}: {answer}"
            checked.append(f"{method.upper()} {path}")
    assert len(checked) >= 5, checked
    # And the same calls for its own region do get through the object check.
    own = await gw.get(f"/api/v1/assessment/rounds/{rid}/self-assessments/21.72", headers=mine)
    assert own.status_code == 200
