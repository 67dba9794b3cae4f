"""The robustness certificate from a round's inputs: which decisions hold when an assessor is absent, the panels are
redrawn or the weights move, and which are fragile; the same inputs always give the same certificate."""

import copy

from services.assessment.selection import calculation, robustness

RULE = {"resamples": 400, "seed": 7, "weight_band": 2.0, "margin": 1.0}
COMPONENTS = [
    {"key": "plan", "parent_key": None, "name": "Rencana", "kind": "panel", "weight": 50, "scale_min": 0,
     "scale_max": 100, "indicator_code": None, "normalisation": None},
    {"key": "people", "parent_key": None, "name": "SDM", "kind": "panel", "weight": 50, "scale_min": 0,
     "scale_max": 100, "indicator_code": None, "normalisation": None}]


def _inputs(plan: list[float], people: list[float], *, quota: int = 4, rule: dict | None = RULE,
            equity_rules: dict | None = None) -> dict:
    """Twelve regions in Jawa Barat; even ones heard by assessors 1 and 2, odd ones by 3 and 4, who differ by
    three points either side of the region's quality."""
    codes = [f"32.{i:02d}" for i in range(1, len(plan) + 1)]
    scores = []
    for i, code in enumerate(codes):
        for assessor, delta in zip((1, 2) if i % 2 == 0 else (3, 4), (-3, 3), strict=True):
            scores += [[code, "people", assessor, str(people[i] + delta)], [code, "plan", assessor,
                                                                              str(plan[i] + delta)]]
    return {"round": {"id": 1, "year": 2019, "quota": quota, "aggregation": "mean", "disagreement_threshold": "15",
                      "equity_rules": equity_rules or {}, **({"robustness": rule} if rule else {})},
            "rubric": {"id": 1, "code": "t", "version": 1, "components": COMPONENTS},
            "candidates": [[c, f"Kabupaten {c}", "32", "jawa"] for c in codes], "scores": sorted(scores),
            "self": [], "indicators": [], "indicator_rules": {}, "set_aside": []}


# Three clear winners; 32.04 and 32.05 contest the fourth place by 0.4 points.
CLEAR = [90, 85, 80, 70.4, 70, 60, 55, 50, 45, 40, 35, 30]


def test_a_clear_decision_holds_and_a_close_one_is_named_with_the_assessors_who_flip_it():
    certificate = robustness.certificate_of(_inputs(CLEAR, CLEAR))
    by_code = {r["region_code"]: r for r in certificate["regions"]}
    assert certificate["fragile"] == ["32.04", "32.05"]
    assert [r["region_code"] for r in certificate["regions"]][:5] == ["32.01", "32.02", "32.03", "32.04", "32.05"]
    top = by_code["32.01"]
    assert top["selected"] and top["margin"] == 20.0 and top["bootstrap"] == top["weights"] == 400
    assert top["leave_one_out"] == 4 and top["flipped_by"] == [] and not top["fragile"]
    fourth, fifth = by_code["32.04"], by_code["32.05"]
    assert fourth["selected"] and fourth["margin"] == 0.4 and fifth["margin"] == -0.4
    # Without assessor 4 (who gave 32.04 three points more) 32.04 falls below 32.05; without assessor 1 (three
    # points less for 32.05), 32.05 rises above it: each absence reverses both decisions.
    assert fourth["flipped_by"] == fifth["flipped_by"] == [1, 4]
    assert fourth["reasons"][0] == "margin" and "bootstrap" in fourth["reasons"]
    assert 0.2 <= fourth["probability"]["bootstrap"] <= 0.8
    assert fourth["bootstrap"] + fifth["bootstrap"] == 400  # one of the two takes the fourth place in every draw
    assert by_code["32.06"]["bootstrap"] == 0 and not by_code["32.06"]["fragile"]


def test_moving_weights_tests_a_decision_that_rests_on_one_component():
    # 32.04 leads 32.05 on the plan, trails it on people: a shift of the weights decides between them.
    plan, people = list(CLEAR), list(CLEAR)
    plan[3], people[3], plan[4], people[4] = 75.0, 66.0, 65.6, 75.2
    by_code = {r["region_code"]: r for r in robustness.certificate_of(_inputs(plan, people))["regions"]}
    assert by_code["32.04"]["margin"] == 0.1 and by_code["32.04"]["selected"]
    assert 0.2 <= by_code["32.04"]["probability"]["weights"] <= 0.8 and "weights" in by_code["32.04"]["reasons"]
    assert by_code["32.04"]["weights"] + by_code["32.05"]["weights"] == 400
    assert by_code["32.01"]["weights"] == 400


def test_the_same_inputs_give_the_same_certificate_and_the_seed_is_the_rules():
    inputs = _inputs(CLEAR, CLEAR)
    first = robustness.certificate_of(inputs)
    assert robustness.certificate_of(copy.deepcopy(inputs)) == first
    assert robustness.certificate_of(inputs, calculation.dump(calculation.compute(inputs)[0])) == first
    reseeded = robustness.certificate_of(_inputs(CLEAR, CLEAR, rule={**RULE, "seed": 8}))
    assert reseeded["rule"]["seed"] == 8 and reseeded["regions"] != first["regions"]  # other draws
    assert reseeded["fragile"] == first["fragile"]
    assert robustness.certificate_of(_inputs(CLEAR, CLEAR, rule=None)) is None


def test_the_rounds_equity_rules_decide_every_resample():
    # Two of the middling regions are in Papua, and one place is Papua's by rule: the fourth place is no longer
    # contested by rank, and the margins say how far the rule moved the cut-off.
    inputs = _inputs(CLEAR, CLEAR, equity_rules={"min_per_island_group": {"papua": 1}})
    for candidate in inputs["candidates"]:
        if candidate[0] in ("32.07", "32.10"):
            candidate[3] = "papua"
    certificate = robustness.certificate_of(inputs)
    by_code = {r["region_code"]: r for r in certificate["regions"]}
    assert by_code["32.07"]["selected"] and by_code["32.07"]["bootstrap"] == 400  # 55 against 40: always ahead
    assert by_code["32.04"]["bootstrap"] == by_code["32.05"]["bootstrap"] == 0  # the fourth place went to Papua
    assert by_code["32.07"]["margin"] == -15.4 and by_code["32.04"]["margin"] == 15.4  # displaced, 15.4 above
    assert certificate["fragile"] == []
