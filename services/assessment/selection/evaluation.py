"""The figures of a yearly evaluation: pure, like the rest of the calculation, so a verifier recomputes them.

A member's index is its 0-100 total on the scheme's scale (`index_max`), to two decimals; likewise each dimension
(a top-level component of the rubric) and each pillar (the weighted mean of the scored components tagged with it,
by their share of the total). Ranks: in the country, and in the province, by the ranking the result uses. The
change is from the member's previous evaluation, taken into the round's inputs when scoring closed, and only from
one whose scheme the round names comparable.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .calculation import Candidate, Component, RegionScore


def shares(components: list[Component], weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each scored component's share of the total: the product of the weights (over 100) on its path; `weights`
    by key where they differ from the rubric's (the certificate's draws)."""
    by_key = {c.key: c for c in components}

    def share(c: Component) -> float:
        own = (weights[c.key] if weights is not None else c.weight) / 100.0
        return own * share(by_key[c.parent_key]) if c.parent_key else own
    return {c.key: share(c) for c in components if c.kind != "group"}


def on_scale(total: float, top: float) -> float:
    """A 0-100 total as an index on the scheme's scale (0 to `top`), to two decimals."""
    return round(total * top / 100.0 + 0.0, 2)


def _previous(row: list[Any]) -> dict[str, Any]:
    round_id, year, index, *recorded = row
    found = {"round_id": round_id, "year": int(year), "index": float(index)}
    return found | {"masterplan_evaluation_id": recorded[0]} if recorded else found


def figures(rule: Mapping[str, Any], components: list[Component], ranked: list[RegionScore],
            candidates: Mapping[str, Candidate], previous: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """region -> its figures (schemas.EvaluationFigures), for the regions ranked, best first."""
    top = float(rule["index_max"])

    def index(score: float) -> float:
        return on_scale(score, top)
    weights = shares(components)
    pillars: dict[str, list[str]] = defaultdict(list)
    for c in components:
        if c.pillar and c.key in weights:
            pillars[c.pillar].append(c.key)
    dimensions = [c.key for c in components if c.parent_key is None]
    # [region, round, year, index], or [region, None, year, index, masterplan evaluation] for one recorded on a
    # masterplan before evaluation rounds.
    earlier = {row[0]: row[1:] for row in previous}
    in_province = Counter(candidates[s.region_code].province_code for s in ranked)
    seen: Counter[str] = Counter()
    out = {}
    for s in ranked:
        province = candidates[s.region_code].province_code
        seen[province] += 1
        mine = index(s.total)
        before = earlier.get(s.region_code)
        out[s.region_code] = {
            "index": mine,
            "dimensions": {key: index(s.components[key]["score"]) for key in dimensions},
            "pillars": {p: index(sum(weights[k] * s.components[k]["score"] for k in keys)
                                 / sum(weights[k] for k in keys)) for p, keys in sorted(pillars.items())},
            "rank_in_province": seen[province], "province_regions": in_province[province],
            "previous": _previous(before) if before else None,
            "change": round(mine - float(before[2]) + 0.0, 2) if before else None}
    return out
