"""A rubric's numbers are finite and in range: nothing underflows to zero or overflows to infinity on its way in."""

import json

import pytest

A = "/api/v1/assessment"
PANEL = {"key": "overall", "name": "Overall", "kind": "panel", "weight": 50, "scale_min": 0, "scale_max": 100}
INDICATOR = {"key": "kkd", "name": "Kapasitas fiskal", "kind": "indicator", "weight": 50, "indicator_code": "kkd"}


def _rubric(**changes: object) -> str:
    """The body as JSON text, so numbers such as 1e400 arrive as written."""
    panel = {**PANEL, **changes.pop("panel", {})}
    indicator = {**INDICATOR, **changes}
    text = json.dumps({"code": "numbers", "title": "Rubrik angka", "components": [panel, indicator]})
    return text.replace('"INF"', "1e400")


@pytest.mark.parametrize("body", [
    _rubric(panel={"scale_min": "1e-1000"}, normalisation={"from_indicator": True}),
    _rubric(panel={"scale_max": "1e400"}, normalisation={"from_indicator": True}),
    _rubric(normalisation={"min": 0, "max": "INF"}),
    _rubric(normalisation={"min": 10, "max": 5}),
    _rubric(normalisation={"map": {"tinggi": 150}}),
    _rubric(normalisation={"map": {"tinggi": "100"}}),
], ids=["scale underflow", "scale overflow", "infinite max", "min above max", "map above 100", "map as text"])
async def test_numbers_out_of_range_are_refused_and_nothing_is_written(gw, auth, body):
    officer = {**auth("kominfo_officer"), "content-type": "application/json"}
    before = (await gw.get(f"{A}/rubrics", headers=officer)).json()["total"]
    r = await gw.post(f"{A}/rubrics", content=body, headers=officer)
    assert r.status_code == 422, r.text
    assert (await gw.get(f"{A}/rubrics", headers=officer)).json()["total"] == before


async def test_numbers_in_range_are_kept_as_written(gw, auth):
    officer = {**auth("kominfo_officer"), "content-type": "application/json"}
    r = await gw.post(f"{A}/rubrics", headers=officer,
                      content=_rubric(panel={"scale_min": "0.5"}, normalisation={"min": 0.001, "max": 1e6}))
    assert r.status_code == 201, r.text
    assert r.json()["components"][0]["scale_min"] == "0.5"
