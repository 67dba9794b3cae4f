"""Rounds opened, scored and published with chosen winners.

They go through the gateway as a user would, with the bulk operations Pustiknas uses (all answers and
attendance in one call, an assessor's sheets for many regions in one call), so a 2017-sized cohort
takes a few dozen requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

A = "/api/v1/assessment"


@dataclass
class OpenRound:
    id: int
    assessors: list[tuple[int, str]]  # (assessor id, token subject)


OVERALL = {"key": "overall", "name": "Overall", "kind": "panel", "weight": 100, "scale_min": 0, "scale_max": 100}


async def open_round(gw, auth, *, year: int, codes: list[str], quota: int = 1, start: str | None = None,
                     assessors: int = 1, attend: bool = True, assess: bool = True,
                     components: list[dict] = (OVERALL,), title: str | None = None,
                     venue: str = "Pustiknas", equity_rules: dict | None = None) -> OpenRound:
    """A two-day round (from 1 March of `year`, or `start`) with `codes` accepted and present before one panel.

    It is left `assessing` (or `inviting` with assess=False), so scores can be entered.
    """
    officer = auth("kominfo_officer")
    rubric = await gw.post(f"{A}/rubrics", headers=officer, json={
        "code": f"test-{year}", "title": f"Test rubric {year}", "components": list(components)})
    assert rubric.status_code == 201, rubric.text
    day = start or f"{year}-03-01"
    rnd = await gw.post(f"{A}/rounds", headers=officer, json={
        "year": year, "title": title or f"Gerakan Menuju 100 Smart City {year}", "quota": quota, "starts_on": day,
        "ends_on": (date.fromisoformat(day) + timedelta(days=1)).isoformat(), "venue": venue,
        "rubric_id": rubric.json()["id"], "equity_rules": equity_rules or {}})
    assert rnd.status_code == 201, rnd.text
    rid = rnd.json()["id"]
    r = await gw.post(f"{A}/rounds/{rid}/invitations", headers=officer, json={"region_codes": codes})
    assert r.status_code == 200, r.text
    assert (await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "inviting"})
            ).status_code == 200
    answers = await gw.post(f"{A}/rounds/{rid}/invitations/answers", headers=officer, json={"items": [
        {"region_code": c, "status": "accepted", "answered_on": f"{year}-02-10",
         **({"attended": True, "attended_on": day} if attend else {})} for c in codes]})
    assert answers.status_code == 200, answers.text
    panel = []
    for i in range(assessors):
        sub = f"user:helper-assessor-{year}-{rid}-{i}"
        made = await gw.post(f"{A}/assessors", headers=officer, json={
            "user_sub": sub, "name": f"Helper {i}", "institution": "UI"})
        assert made.status_code == 201, made.text
        panel.append((made.json()["id"], sub))
    slot = await gw.post(f"{A}/rounds/{rid}/sessions", headers=officer, json={
        "name": "Panel", "venue": "Pustiknas", "starts_at": f"{day}T08:00:00+07:00",
        "ends_at": f"{day}T17:00:00+07:00", "assessor_ids": [a for a, _ in panel], "region_codes": codes})
    assert slot.status_code == 201, slot.text
    if assess:
        assert (await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json={"to": "assessing"})
                ).status_code == 200
    return OpenRound(rid, panel)


async def score(gw, auth, rid: int, sub: str, values: dict[str, float], *, submit: bool = True) -> None:
    """One assessor's sheets for several regions in one call."""
    r = await gw.post(f"{A}/rounds/{rid}/score-sheets", headers=auth("assessor", sub=sub), json={
        "submit": submit, "sheets": [{"region_code": code, "scores": [{"component_key": "overall", "value": str(v)}]}
                                     for code, v in values.items()]})
    assert r.status_code == 200, r.text


# The officials who adopt the minutes of a scenario's selection (fictional people).
ADOPTED_BY = [{"name": "Dr. Ir. Bambang Wicaksono, M.Sc.", "title": "Direktur Jenderal Aplikasi Informatika",
               "organisation": "Kementerian Komunikasi dan Informatika", "nip": "196801011993031001"},
              {"name": "Sri Lestari, S.T., M.T.", "title": "Ketua Tim Penilai",
               "organisation": "Kementerian Komunikasi dan Informatika"}]


def move(state: str, ends_on: date) -> dict:
    """A transition's body: the committee decides on the round's last day and announces a week later."""
    if state == "finalised":
        return {"to": state, "decided_on": ends_on.isoformat()}
    if state == "published":
        return {"to": state, "announced_on": (ends_on + timedelta(days=7)).isoformat(), "signatories": ADOPTED_BY}
    return {"to": state}


async def finish(gw, auth, rid: int, *states: str) -> None:
    officer = auth("kominfo_officer")
    ends_on = date.fromisoformat((await gw.get(f"{A}/rounds/{rid}", headers=officer)).json()["ends_on"])
    for state in states or ("moderating", "finalised", "published"):
        r = await gw.post(f"{A}/rounds/{rid}/transitions", headers=officer, json=move(state, ends_on))
        assert r.status_code == 200, r.text


async def publish_round(gw, auth, *, year: int, selected: list[str], others: list[str] = (),
                        start: str | None = None, assessors: int = 1, **round_fields: str) -> int:
    """A published round of `year` in which exactly `selected` are selected, in that order."""
    codes = [*selected, *others]
    rnd = await open_round(gw, auth, year=year, codes=codes, quota=len(selected), start=start, assessors=assessors,
                           **round_fields)
    for _, sub in rnd.assessors:
        await score(gw, auth, rnd.id, sub, {c: 90 - i * 0.01 if c in selected else 10 for i, c in enumerate(codes)})
    await finish(gw, auth, rnd.id)
    return rnd.id
