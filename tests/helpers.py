"""Building blocks for tests that need history: a published round with chosen winners."""

from __future__ import annotations

A = "/api/v1/assessment"


async def publish_round(gw, auth, *, year: int, selected: list[str], others: list[str] = (),
                        start_day: int = 1) -> int:
    """A minimal published round of `year` in which exactly `selected` are selected."""
    officer = auth("kominfo_officer")
    rubric = await gw.post(f"{A}/rubrics", headers=officer, json={
        "code": f"test-{year}", "title": f"Test rubric {year}", "components": [
            {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0, "scale_max": 100}]})
    assert rubric.status_code == 201, rubric.text
    rnd = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": year, "title": f"Gerakan Menuju 100 Smart City {year}", "quota": len(selected),
        "starts_on": f"{year}-03-0{start_day}", "ends_on": f"{year}-03-0{start_day + 1}", "venue": "Pustiknas",
        "rubric_id": rubric.json()["id"]})
    rid = rnd.json()["id"]
    codes = [*selected, *others]
    assert (await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": codes})
            ).status_code == 200
    await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "inviting"})
    for code in codes:
        await gw.patch(f"{A}/rounds/{rid}/invitations/{code}", headers=officer, json={"status": "accepted"})
        await gw.patch(f"{A}/rounds/{rid}/invitations/{code}", headers=officer, json={"attended": True})
    sub = f"user:helper-assessor-{year}"
    assessor = await gw.post(f"{A}/assessors", headers=officer, json={"user_sub": sub, "name": "Helper",
                                                                      "institution": "UI"})
    session = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel", "venue": "Pustiknas", "starts_at": f"{year}-03-0{start_day}T08:00:00+07:00",
        "ends_at": f"{year}-03-0{start_day}T17:00:00+07:00", "assessor_ids": [assessor.json()["id"]],
        "region_codes": codes})
    assert session.status_code == 201, session.text
    await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "assessing"})
    me = auth("assessor", sub=sub)
    for i, code in enumerate(codes):
        value = 90 - i * 0.01 if code in selected else 10
        await gw.put(f"{A}/rounds/{rid}/scores/{code}", headers=me,
                     json={"scores": [{"component_key": "overall", "value": str(value)}]})
        await gw.post(f"{A}/rounds/{rid}/scores/{code}/submit", headers=me)
    for state in ("moderating", "finalised", "published"):
        r = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": state})
        assert r.status_code == 200, r.text
    return rid
