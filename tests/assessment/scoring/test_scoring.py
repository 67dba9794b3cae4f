"""The scoring arithmetic, checked against examples worked by hand."""

import random
import statistics

import pytest

from services.assessment.selection.calculation import (
    Candidate,
    Component,
    krippendorff_alpha_interval,
    normalise_scale,
    pstdev,
    rank,
    score_region,
    select,
)


def test_krippendorff_alpha_hand_worked():
    # Units (1,2), (3,3), (2,4); n = 6 pairable values.
    # Observed: ((1+1)/1 + 0 + (4+4)/1) / 6 = 10/6.
    # Expected: (2*6*43 - 2*15^2) / (6*5) = 66/30.  alpha = 1 - (10/6)/(66/30) = 8/33.
    assert krippendorff_alpha_interval([[1, 2], [3, 3], [2, 4]]) == pytest.approx(8 / 33)


def test_alpha_edges():
    assert krippendorff_alpha_interval([[3, 3], [2, 2]]) == pytest.approx(1.0)
    assert krippendorff_alpha_interval([[1], [2]]) is None  # nothing pairable


RUBRIC = [Component("panel", None, "Panel", "group", 60),
          Component("commitment", "panel", "Komitmen", "panel", 50, 1, 5),
          Component("readiness", "panel", "Kesiapan", "self", 50, 0, 100),
          Component("kkd", None, "KKD", "indicator", 40, indicator_code="kkd",
                    normalisation={"map": {"rendah": 0, "sedang": 50, "tinggi": 100}})]


def test_weighted_total_hand_worked():
    # commitment: (4,5,3) on 1-5 normalise to (75,100,50), mean 75; panel = .5*75 + .5*80 = 77.5;
    # total = .6*77.5 + .4*100 = 86.5
    assert [normalise_scale(RUBRIC[1], v) for v in (4, 5, 3)] == [75.0, 100.0, 50.0]
    s = score_region("21.72", RUBRIC, {"commitment": [75.0, 100.0, 50.0]}, {"readiness": 80}, {"kkd": "tinggi"},
                     how="mean", threshold=15)
    assert s.total == 86.5 and s.panel_total == 22.5
    assert s.components["panel"]["score"] == 77.5
    assert s.components["commitment"]["std"] == pytest.approx(20.412, abs=1e-3)
    assert s.flagged  # 20.4 > 15
    median = score_region("21.72", RUBRIC, {"commitment": [0.0, 100.0, 100.0]}, {"readiness": 80}, {"kkd": "tinggi"},
                          how="median", threshold=50)
    assert median.components["commitment"]["score"] == 100.0 and not median.flagged


def test_missing_inputs_score_zero_and_are_named():
    s = score_region("21.72", RUBRIC, {}, {}, {}, how="mean", threshold=15)
    assert s.total == 0 and sorted(s.missing) == ["commitment", "kkd", "readiness"]


def _codes(ranked):
    return [s.region_code for s in ranked]


def _scores(totals):
    return [score_region(code, [Component("x", None, "X", "panel", 100, 0, 100)], {"x": [t]}, {}, {},
                         how="mean", threshold=100) for code, t in totals.items()]


def test_ties_break_by_code_and_selection_is_deterministic():
    candidates = {c: Candidate(c, c, c[:2], "jawa") for c in ("32.01", "31.71", "33.01")}
    ranked = rank(_scores({"32.01": 70, "31.71": 70, "33.01": 90}))
    assert [s.region_code for s in ranked] == ["33.01", "31.71", "32.01"]
    first = select(_codes(ranked), candidates, 2, {})
    assert first == select(_codes(rank(_scores({"32.01": 70, "31.71": 70, "33.01": 90}))), candidates, 2, {})
    assert [c for c, d in first.items() if d.selected] == ["33.01", "31.71"]


def test_equity_minimum_pushes_in_and_out():
    candidates = {"31.71": Candidate("31.71", "A", "31", "jawa"), "32.71": Candidate("32.71", "B", "32", "jawa"),
                  "91.71": Candidate("91.71", "C", "91", "papua")}
    ranked = rank(_scores({"31.71": 90, "32.71": 80, "91.71": 10}))
    decisions = select(_codes(ranked), candidates, 2, {"min_per_island_group": {"papua": 1}})
    assert decisions["91.71"].selected and decisions["91.71"].pushed == "in"
    assert not decisions["32.71"].selected and decisions["32.71"].pushed == "out"
    assert "displaced" in decisions["32.71"].rule


def test_province_cap():
    candidates = {c: Candidate(c, c, "35", "jawa") for c in ("35.01", "35.02", "35.03")}
    candidates["36.01"] = Candidate("36.01", "D", "36", "jawa")
    ranked = rank(_scores({"35.01": 90, "35.02": 85, "35.03": 80, "36.01": 10}))
    decisions = select(_codes(ranked), candidates, 3, {"max_per_province": 2})
    assert [c for c, d in decisions.items() if d.selected] == ["35.01", "35.02", "36.01"]
    assert "at most 2 per province" in decisions["35.03"].rule


def test_fast_pstdev_is_the_standard_librarys_to_the_last_bit():
    rng = random.Random(2019)
    for i in range(20_000):
        n = rng.randint(2, 20)
        values = ([rng.uniform(0, 100) for _ in range(n)] if i % 3 == 0 else
                  [(rng.randint(1, 5) - 1) / 4 * 100 for _ in range(n)] if i % 3 == 1 else
                  [(round(rng.uniform(1, 5), 3) - 1) / 4 * 100 for _ in range(n)])
        assert pstdev(values) == statistics.pstdev(values), values
