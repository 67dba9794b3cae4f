"""A yearly evaluation's figures from its inputs: the index and its dimensions and pillars on the scheme's scale,
ranks in the country and the province, the change from a previous comparable evaluation; nobody is selected."""

from services.assessment.selection import calculation

COMPONENTS = [
    {"key": "tata_kelola", "parent_key": None, "name": "Tata kelola", "kind": "group", "weight": 60},
    {"key": "kebijakan", "parent_key": "tata_kelola", "name": "Kebijakan", "kind": "panel", "weight": 50,
     "scale_min": 0, "scale_max": 100, "pillar": "governance"},
    {"key": "anggaran", "parent_key": "tata_kelola", "name": "Anggaran", "kind": "panel", "weight": 50,
     "scale_min": 0, "scale_max": 100, "pillar": "economy"},
    {"key": "layanan", "parent_key": None, "name": "Layanan", "kind": "panel", "weight": 40, "scale_min": 0,
     "scale_max": 100, "pillar": "governance"},
]
SCORES = {"35.71": (80, 70, 90), "35.72": (60, 60, 60), "35.06": (90, 80, 70), "32.73": (50, 90, 80)}


def _inputs(**round_fields) -> dict:
    components = [{"scale_min": None, "scale_max": None, "indicator_code": None, "normalisation": None, **c}
                  for c in COMPONENTS]
    return {"round": {"id": 2, "year": 2018, "quota": 4, "aggregation": "mean", "disagreement_threshold": "15",
                      "equity_rules": {}, **round_fields},
            "rubric": {"id": 1, "code": "evaluasi", "version": 1, "components": components},
            "candidates": [[c, f"Kota {c}", c[:2], "jawa"] for c in sorted(SCORES)],
            "scores": sorted([c, key, 1, str(v)] for c, values in SCORES.items()
                             for key, v in zip(("kebijakan", "anggaran", "layanan"), values, strict=True)),
            "self": [], "indicators": [], "indicator_rules": {}, "set_aside": [],
            **({"previous": [["35.06", None, 2016, 3.0, 42], ["35.71", 1, 2017, 2.95]]}
               if "evaluation" in round_fields else {})}


def test_indices_ranks_and_the_change_from_last_year():
    results, _ = calculation.compute(_inputs(evaluation={"index_max": 4.0, "comparable_with": []}))
    by_code = {r.region_code: r for r in results}
    kediri = by_code["35.71"]
    # total = 0.6 * (80 + 70) / 2 + 0.4 * 90 = 81.0 -> 3.24 on 0-4
    assert kediri.total == 81.0 and kediri.evaluation.index == 3.24
    assert kediri.evaluation.dimensions == {"tata_kelola": 3.0, "layanan": 3.6}
    # governance: kebijakan (share 0.3) and layanan (0.4): (0.3 * 80 + 0.4 * 90) / 0.7 = 85.714 -> 3.43
    assert kediri.evaluation.pillars == {"economy": 2.8, "governance": 3.43}
    assert kediri.evaluation.previous.model_dump() == {"round_id": 1, "masterplan_evaluation_id": None,
                                                       "year": 2017, "index": 2.95}
    assert kediri.evaluation.change == 0.29
    # One recorded on the masterplan: named, and stored with the result; a round's one is stored as it always was.
    assert by_code["35.06"].evaluation.previous.masterplan_evaluation_id == 42
    stored = {r["region_code"]: r["evaluation"]["previous"] for r in calculation.dump(results)}
    assert stored["35.71"] == {"round_id": 1, "year": 2017, "index": 2.95}
    assert stored["35.06"] == {"round_id": None, "masterplan_evaluation_id": 42, "year": 2016, "index": 3.0}
    assert by_code["35.72"].evaluation.previous is None and by_code["35.72"].evaluation.change is None
    # Totals 81, 79 (35.06), 74 (32.73, Jawa Barat), 60: ranked in the country and within Jawa Timur (35).
    assert [r.region_code for r in results] == ["35.71", "35.06", "32.73", "35.72"]
    assert [(r.rank, r.evaluation.rank_in_province, r.evaluation.province_regions) for r in results] == [
        (1, 1, 3), (2, 2, 3), (3, 1, 1), (4, 3, 3)]
    assert not any(r.selected for r in results)
    assert kediri.rule == "evaluated: rank 1 of 4 nationally, 1 of 3 in province 35"
    assert "evaluation" in calculation.dump(results)[0]


def test_a_selection_has_no_evaluation_figures_and_hashes_as_before():
    inputs = _inputs()
    results, _ = calculation.compute(inputs)
    assert all(r.evaluation is None for r in results) and sum(r.selected for r in results) == 4
    assert all("evaluation" not in r for r in calculation.dump(results))
