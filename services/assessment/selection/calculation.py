"""Scoring, ranking and selection: pure functions over plain data, so results can be recomputed.

Scale: every component is normalised to 0-100; a group's score is the weighted mean of its
children; the total is the weighted sum of the top-level components (weights of siblings sum
to 100), so the total is also 0-100.

Ranking (documented tie-breakers): higher total, then higher panel-only total, then smaller
largest disagreement between assessors, then region code ascending.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

from . import evaluation, schemas


@dataclass(frozen=True)
class Component:
    key: str
    parent_key: str | None
    name: str
    kind: str  # group | panel | self | indicator
    weight: float
    scale_min: float | None = None
    scale_max: float | None = None
    indicator_code: str | None = None
    normalisation: Mapping[str, Any] | None = None
    pillar: str | None = None


@dataclass(frozen=True)
class Candidate:
    region_code: str
    region_name: str
    province_code: str
    island_group: str


@dataclass
class RegionScore:
    region_code: str
    total: float
    panel_total: float
    components: dict[str, dict[str, Any]]
    max_std: float
    flagged: bool
    missing: dict[str, str] = field(default_factory=dict)  # component key -> why it has no value


MISSING_RULE = "scored 0 of 100"


def rounded(x: float) -> float:
    """To 0.001, as totals and scores are kept (and -0.0 as 0.0)."""
    return round(x + 0.0, 3)


def normalise_scale(component: Component, raw: float) -> float:
    lo, hi = component.scale_min or 0.0, component.scale_max or 100.0
    return max(0.0, min(100.0, (raw - lo) / (hi - lo) * 100.0))


def normalise_indicator(component: Component, raw: str) -> float | None:
    """Category indicators map each category to a score; numeric ones scale linearly between bounds."""
    rule = component.normalisation or {}
    if rule.get("from_indicator"):
        return None  # the registry had no usable definition when scoring closed
    if "map" in rule:
        value = rule["map"].get(str(raw).strip().lower())
        return None if value is None else float(value)
    try:
        number = float(raw)
    except ValueError:
        return None
    lo, hi = float(rule.get("min", 0)), float(rule.get("max", 100))
    scaled = max(0.0, min(100.0, (number - lo) / (hi - lo) * 100.0))
    return scaled if rule.get("higher_is_better", True) else 100.0 - scaled


def rule_from_definition(definition: Mapping[str, Any]) -> dict[str, Any] | None:
    """A rubric normalisation taken from an indicator's own definition in the registry."""
    if definition["kind"] == "category":
        categories = list(definition.get("categories") or [])
        if len(categories) < 2:
            return None
        if not definition.get("higher_is_better", True):
            categories.reverse()
        step = 100.0 / (len(categories) - 1)
        return {"map": {c: round(i * step, 3) for i, c in enumerate(categories)}}
    if definition.get("min_value") is None or definition.get("max_value") is None:
        return None
    return {"min": float(definition["min_value"]), "max": float(definition["max_value"]),
            "higher_is_better": bool(definition.get("higher_is_better", True))}


_SQRT_BITS = 2 * sys.float_info.mant_dig + 3


def _isqrt_round_to_odd(n: int, m: int) -> int:
    root = math.isqrt(n // m)
    return root | (root * root * m != n)


def pstdev(values: list[float]) -> float:
    """The population standard deviation, exactly as `statistics.pstdev` gives it, at a fraction of the cost.

    Both take the exact variance (floats are binary fractions, so integers scaled by a power of two hold
    it without error) and round its square root correctly, so the float is the same to the last bit;
    `statistics` gets there through `Fraction` objects, which made it most of the time of a selection.
    """
    ratios = [v.as_integer_ratio() for v in values]
    scale = max(d for _, d in ratios)
    ints = [n * (scale // d) for n, d in ratios]
    count, total = len(ints), sum(ints)
    numerator, denominator = count * sum(i * i for i in ints) - total * total, count * count * scale * scale
    # Correct rounding by round-to-odd (the method of statistics._float_sqrt_of_frac, bugs.python.org/msg407078).
    q = (numerator.bit_length() - denominator.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        return float(_isqrt_round_to_odd(numerator, denominator << 2 * q) << q)
    return _isqrt_round_to_odd(numerator << -2 * q, denominator) / (1 << -q)


def aggregate(values: list[float], how: str) -> float:
    return statistics.median(values) if how == "median" else statistics.fmean(values)


def children_of(components: Iterable[Component]) -> dict[str | None, list[Component]]:
    tree: dict[str | None, list[Component]] = {}
    for c in components:
        tree.setdefault(c.parent_key, []).append(c)
    return tree


def score_region(region: str, components: list[Component], panel: Mapping[str, list[float]],
                 self_values: Mapping[str, float], indicators: Mapping[str, str], *, how: str,
                 threshold: float) -> RegionScore:
    """panel: component key -> the submitted assessors' values, normalised to 0-100 (`normalise_scale`);
    self_values, indicators: raw values."""
    tree = children_of(components)
    detail: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}
    max_std = 0.0

    def leaf(c: Component) -> float:
        nonlocal max_std
        if c.kind == "panel":
            normalised = panel.get(c.key, [])
            if not normalised:
                missing[c.key] = "no submitted panel score"
                detail[c.key] = {"score": 0.0, "assessors": 0, "missing": missing[c.key], "rule": MISSING_RULE}
                return 0.0
            std = pstdev(normalised) if len(normalised) > 1 else 0.0
            max_std = max(max_std, std)
            score = aggregate(normalised, how)
            detail[c.key] = {"score": rounded(score), "assessors": len(normalised), "std": rounded(std),
                             "range": rounded(max(normalised) - min(normalised))}
            return score
        if c.kind == "self":
            if c.key not in self_values:
                missing[c.key] = "no self-assessment value"
                detail[c.key] = {"score": 0.0, "missing": missing[c.key], "rule": MISSING_RULE}
                return 0.0
            score = normalise_scale(c, self_values[c.key])
            detail[c.key] = {"score": rounded(score)}
            return score
        raw_value = indicators.get(c.indicator_code or "")
        score_or_none = normalise_indicator(c, raw_value) if raw_value is not None else None
        if score_or_none is None:
            missing[c.key] = (f"no value of indicator {c.indicator_code}" if raw_value is None else
                              f"indicator {c.indicator_code} value {raw_value!r} has no place on the rubric's scale")
            detail[c.key] = {"score": 0.0, "indicator_value": raw_value, "missing": missing[c.key],
                             "rule": MISSING_RULE}
            return 0.0
        detail[c.key] = {"score": rounded(score_or_none), "indicator_value": raw_value}
        return score_or_none

    leaf_scores = {c.key: leaf(c) for c in components if c.kind != "group"}

    def rollup(parent: str | None, panel_only: bool) -> float:
        total = 0.0
        for c in tree.get(parent, []):
            if c.kind == "group":
                total += c.weight * rollup(c.key, panel_only)
            elif c.kind == "panel" or not panel_only:
                total += c.weight * leaf_scores[c.key]
        return total / 100.0

    for c in components:
        if c.kind == "group":
            detail[c.key] = {"score": rounded(rollup(c.key, False))}
    total = rollup(None, False)
    panel_total = rollup(None, True)
    return RegionScore(region, rounded(total), rounded(panel_total), detail, rounded(max_std), max_std > threshold,
                       missing)


TIE_BREAKERS = ["higher panel-only total", "smaller largest disagreement within the panel (std, 0-100 scale)",
                "region code ascending"]


def rank(scores: list[RegionScore]) -> list[RegionScore]:
    return sorted(scores, key=lambda s: (-s.total, -s.panel_total, s.max_std, s.region_code))


@dataclass
class Decision:
    selected: bool
    rule: str
    pushed: str | None = None  # "in" or "out" when an equity rule changed the outcome


def choose(by_rank: list[str], candidates: Mapping[str, Candidate], quota: int, rules: Mapping[str, Any],
           categories: Mapping[str, Mapping[str, str]] | None = None) -> tuple[dict[str, str], set[str]]:
    """Fill the quota by rank (`by_rank`: region codes, best first) while honouring the equity rules: the chosen
    regions with why each was taken, and the regions a province cap turned away.

    `categories`: indicator -> region -> its value, for the indicators of `min_per_category`."""
    minimums: dict[str, int] = dict(sorted((rules.get("min_per_island_group") or {}).items()))
    cap: int | None = rules.get("max_per_province")
    chosen: dict[str, str] = {}
    per_province: Counter[str] = Counter()
    capped: set[str] = set()

    def take(code: str, why: str) -> bool:
        province = candidates[code].province_code
        if cap is not None and per_province[province] >= cap:
            capped.add(code)
            return False
        chosen[code] = why
        per_province[province] += 1
        return True

    for group, needed in minimums.items():
        taken = sum(1 for c in chosen if candidates[c].island_group == group)
        for code in by_rank:
            if taken >= needed or len(chosen) >= quota:
                break
            if code in chosen or candidates[code].island_group != group:
                continue
            if take(code, f"equity rule: at least {needed} from island group {group}"):
                taken += 1
    by_category = rules.get("min_per_category") or []
    for rule in by_category:
        values = (categories or {}).get(rule["indicator"], {})
        for category, needed in sorted(rule["at_least"].items()):
            wanted = category.strip().lower()
            meeting = {code for code, value in values.items() if str(value).strip().lower() == wanted}
            taken = len(meeting & chosen.keys())
            for code in by_rank:
                if taken >= needed or len(chosen) >= quota:
                    break
                if code in chosen or code not in meeting:
                    continue
                if take(code, f"equity rule: at least {needed} with {rule['indicator']} = {category}"):
                    taken += 1
    for code in by_rank:
        if len(chosen) >= quota:
            break
        if code not in chosen:
            take(code, "selected by rank")
    return chosen, capped


def select(by_rank: list[str], candidates: Mapping[str, Candidate], quota: int,
           rules: Mapping[str, Any], categories: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Decision]:
    """The choice (`choose`) with the rule that decided each region, in words."""
    chosen, capped = choose(by_rank, candidates, quota, rules, categories)
    cap: int | None = rules.get("max_per_province")
    by_category = rules.get("min_per_category") or []
    position = {code: i + 1 for i, code in enumerate(by_rank)}
    pure_top = set(by_rank[:quota])
    decisions: dict[str, Decision] = {}
    for code in by_rank:
        if code in chosen:
            if code in pure_top:
                decisions[code] = Decision(True, f"selected: rank {position[code]} within the quota of {quota}")
            elif chosen[code].startswith("equity rule"):
                decisions[code] = Decision(True, f"selected by {chosen[code]} (rank {position[code]}, below the "
                                                 f"cut-off of {quota})", pushed="in")
            else:
                decisions[code] = Decision(True, f"selected: rank {position[code]}, below the cut-off of {quota}, "
                                                 f"moved up into a place freed by the province cap (at most {cap} "
                                                 "per province)", pushed="in")
        elif code in capped:
            decisions[code] = Decision(False, f"not selected: at most {cap} per province, and province "
                                              f"{candidates[code].province_code} is full",
                                       pushed="out" if code in pure_top else None)
        elif code in pure_top and by_category:
            decisions[code] = Decision(False, f"not selected: rank {position[code]} was displaced by an equity "
                                              "rule reserving places for other island groups or categories",
                                       pushed="out")
        elif code in pure_top:
            decisions[code] = Decision(False, f"not selected: rank {position[code]} was displaced by an equity "
                                              "rule reserving places for other island groups", pushed="out")
        else:
            decisions[code] = Decision(False, f"not selected: rank {position[code]} is below the cut-off of {quota}")
    return decisions


def category_of(rule: Mapping[str, Any], value: str | None) -> str | None:
    """A region's category under a `min_per_category` rule: the indicator's value, or the class of the rule's
    `classes` a number falls in (min inclusive, max exclusive)."""
    if value is None or not rule.get("classes"):
        return value
    try:
        number = float(value)
    except ValueError:
        return None
    for name, bounds in sorted(rule["classes"].items()):
        if (bounds.get("min") is None or number >= bounds["min"]) and (bounds.get("max") is None
                                                                       or number < bounds["max"]):
            return str(name)
    return None


def krippendorff_alpha_interval(units: Iterable[list[float]]) -> float | None:
    """Krippendorff's alpha with the interval metric; units with fewer than two values are not pairable."""
    pairable = [u for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    if n < 2:
        return None
    # Every ordered pair of distinct positions, in the same order as a double loop (so the same float sums).
    observed = sum(sum((a - b) ** 2 for a, b in permutations(u, 2)) / (len(u) - 1) for u in pairable) / n
    total, squares = sum(values), sum(v * v for v in values)
    expected = (2 * n * squares - 2 * total * total) / (n * (n - 1))
    if expected == 0:
        return 1.0
    return 1.0 - observed / expected


def canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(document: Any) -> str:
    return hashlib.sha256(canonical(document).encode()).hexdigest()


def components_of(inputs: dict[str, Any]) -> list[Component]:
    rules = inputs.get("indicator_rules") or {}

    def normalisation(c: dict[str, Any]) -> Any:
        if (c["normalisation"] or {}).get("from_indicator"):
            return rules.get(c["indicator_code"]) or c["normalisation"]
        return c["normalisation"]

    return [Component(
        key=c["key"], parent_key=c["parent_key"], name=c["name"], kind=c["kind"], weight=float(c["weight"]),
        scale_min=float(c["scale_min"]) if c["scale_min"] is not None else None,
        scale_max=float(c["scale_max"]) if c["scale_max"] is not None else None,
        indicator_code=c["indicator_code"], normalisation=normalisation(c), pillar=c.get("pillar"))
        for c in inputs["rubric"]["components"]]


def _normalised(inputs: dict[str, Any], components: list[Component]) -> list[tuple[str, str, int, float]]:
    """Every counted panel score on the 0-100 scale: (region, component, assessor, value)."""
    by_key = {c.key: c for c in components}
    return [(region, key, int(assessor), normalise_scale(by_key[key], float(value)))
            for region, key, assessor, value in inputs["scores"]]


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def calibration(scores: list[tuple[str, str, int, float]], rule: dict[str, Any]) -> dict[str, Any]:
    """Each assessor's leniency and spread, drawn towards the pooled ones (types.Calibration says how)."""
    k = int(rule["shrinkage"])
    values = [x for *_, x in scores]
    mean, sd = _mean(values), pstdev(values)
    by_assessor: dict[int, list[float]] = defaultdict(list)
    for _, _, assessor, x in scores:
        by_assessor[assessor].append(x)
    assessors = {}
    for assessor, xs in sorted(by_assessor.items()):
        keep = len(xs) / (len(xs) + k)
        own_mean, own_sd = _mean(xs), pstdev(xs)
        assessors[str(assessor)] = {"scores": len(xs), "mean": rounded(keep * own_mean + (1 - keep) * mean),
                                    "sd": rounded(keep * own_sd + (1 - keep) * sd), "own_mean": rounded(own_mean),
                                    "own_sd": rounded(own_sd)}
    return {"model": rule["model"], "shrinkage": k, "pooled_mean": rounded(mean), "pooled_sd": rounded(sd),
            "assessors": assessors}


def calibrated(x: float, assessor: dict[str, Any], model: dict[str, Any]) -> float:
    mean, sd = float(assessor["mean"]), float(assessor["sd"])
    pooled_mean, pooled_sd = float(model["pooled_mean"]), float(model["pooled_sd"])
    if sd == 0:  # an assessor who gave one value to all: only its leniency is taken out
        return min(100.0, max(0.0, x - mean + pooled_mean))
    return min(100.0, max(0.0, pooled_mean + pooled_sd * (x - mean) / sd))


def calibration_of(inputs: dict[str, Any]) -> dict[str, Any] | None:
    """The calibration a round's rule asks for, from its inputs alone (None: the round does not calibrate)."""
    rule = inputs["round"].get("calibration")
    if not rule or not inputs["scores"]:
        return None
    return calibration(_normalised(inputs, components_of(inputs)), rule)


def counted(inputs: dict[str, Any], components: list[Component]) -> list[tuple[str, str, int, float, float]]:
    """Every counted panel score: (region, component, assessor, value as given on the 0-100 scale, value used:
    calibrated where the round says so)."""
    scores = _normalised(inputs, components)
    rule = inputs["round"].get("calibration")
    model = calibration(scores, rule) if rule and scores else None
    if model is None:
        return [(region, key, assessor, x, x) for region, key, assessor, x in scores]
    return [(region, key, assessor, x, calibrated(x, model["assessors"][str(assessor)], model))
            for region, key, assessor, x in scores]


def self_values(inputs: dict[str, Any]) -> dict[str, dict[str, float]]:
    """region -> component -> the (verified) self-assessment value."""
    selfs: dict[str, dict[str, float]] = defaultdict(dict)
    for region, key, value in inputs["self"]:
        selfs[region][key] = float(value)
    return selfs


def indicator_inputs(inputs: dict[str, Any]) -> dict[str, dict[str, str]]:
    """region -> indicator code -> its value."""
    indicators: dict[str, dict[str, str]] = defaultdict(dict)
    for code, region, value in inputs["indicators"]:
        indicators[region][code] = value
    return indicators


def categories_of(inputs: dict[str, Any], indicators: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """indicator -> region -> its category, for each `min_per_category` rule of the round."""
    return {r["indicator"]: {region: category for region, by_code in indicators.items()
                             if (category := category_of(r, by_code.get(r["indicator"]))) is not None}
            for r in inputs["round"]["equity_rules"].get("min_per_category") or []}


def compute(inputs: dict[str, Any]) -> tuple[list[schemas.RegionResult], float | None]:
    """Pure: the same inputs always give the same results (and so the same hash)."""
    components = components_of(inputs)
    set_aside: dict[str, list[int]] = defaultdict(list)
    for region, assessor, _reason in inputs.get("set_aside", []):
        set_aside[region].append(assessor)
    candidates = {c[0]: Candidate(*c) for c in inputs["candidates"]}
    # Normalised once: region -> component -> the assessors' 0-100 values (calibrated where the round says so);
    # the values as given are also the units of alpha, which measures the assessors' own agreement.
    panel: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    given: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for region, key, _assessor, x, used in counted(inputs, components):
        given[region][key].append(x)
        panel[region][key].append(used)
    units = [values for by_key in given.values() for values in by_key.values()]
    selfs = self_values(inputs)
    indicators = indicator_inputs(inputs)
    round_ = inputs["round"]
    threshold = float(round_["disagreement_threshold"])
    assessed = [score_region(code, components, panel[code], selfs[code], indicators[code],
                                     how=round_["aggregation"], threshold=threshold)
                for code in candidates if code in panel]
    ranked = rank(assessed)
    categories = categories_of(inputs, indicators)
    sorted_by = list(categories)
    evaluated = (evaluation.figures(round_["evaluation"], components, ranked, candidates, inputs.get("previous", []))
                 if round_.get("evaluation") else None)
    decisions = (_evaluated(ranked, candidates, evaluated) if evaluated is not None else
                 select([s.region_code for s in ranked], candidates, round_["quota"], round_["equity_rules"],
                        categories))

    def sorting(region: str) -> dict[str, str | None] | None:
        return {code: categories[code].get(region) for code in sorted_by} if sorted_by else None
    results = []
    for position, s in enumerate(ranked, start=1):
        c, d = candidates[s.region_code], decisions[s.region_code]
        # One validation per region, its components and missing ones nested inside.
        results.append(schemas.RegionResult.model_validate({
            "region_code": c.region_code, "region_name": c.region_name, "province_code": c.province_code,
            "island_group": c.island_group, "rank": position, "total": s.total, "components": s.components,
            "flagged_for_moderation": s.flagged, "selected": d.selected, "rule": d.rule, "pushed": d.pushed,
            "missing": [{"component_key": k, "reason": why, "rule": MISSING_RULE} for k, why in s.missing.items()],
            "set_aside": set_aside[s.region_code], "categories": sorting(s.region_code),
            "evaluation": evaluated[s.region_code] if evaluated is not None else None}))
    for code, c in candidates.items():
        if code not in panel:
            results.append(schemas.RegionResult(
                region_code=code, region_name=c.region_name, province_code=c.province_code,
                island_group=c.island_group, rank=None, total=None, components={}, flagged_for_moderation=False,
                selected=False, rule="not selected: no submitted panel scores", pushed=None,
                set_aside=set_aside[code], categories=sorting(code)))
    alpha = krippendorff_alpha_interval(units)
    return results, round(alpha, 6) if alpha is not None else None


def dump(results: list[schemas.RegionResult]) -> list[dict[str, Any]]:
    """Results as stored and hashed (JSON types); `categories` only where a rule sorts by them, `evaluation`
    only in an evaluation and a previous one's `masterplan_evaluation_id` only where it is one, so results of
    other rounds hash as they always did."""
    return [r.model_dump(mode="json", exclude=_absent(r)) for r in results]


def _absent(r: schemas.RegionResult) -> dict[str, Any]:
    absent: dict[str, Any] = {k: True for k in ("categories", "evaluation") if getattr(r, k) is None}
    previous = r.evaluation.previous if r.evaluation else None
    if previous is not None and previous.masterplan_evaluation_id is None:
        absent["evaluation"] = {"previous": {"masterplan_evaluation_id"}}
    return absent


def _evaluated(ranked: list[RegionScore], candidates: Mapping[str, Candidate],
               figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Decision]:
    """An evaluation selects nobody: each member's rule states its ranks."""
    return {s.region_code: Decision(False, f"evaluated: rank {n} of {len(ranked)} nationally, "
                                           f"{figures[s.region_code]['rank_in_province']} of "
                                           f"{figures[s.region_code]['province_regions']} in province "
                                           f"{candidates[s.region_code].province_code}")
            for n, s in enumerate(ranked, start=1)}


def hash_of(inputs: dict[str, Any], dumped: list[dict[str, Any]]) -> str:
    return digests(inputs, dumped)[1]


def digests(inputs: dict[str, Any], dumped: list[dict[str, Any]]) -> tuple[str, str]:
    """(inputs digest, result hash). The result hash is content_hash({"inputs": ..., "results": ...}); its
    canonical text holds the inputs' own ("inputs" sorts before "results"), so that is written once."""
    text = canonical(inputs)
    whole = '{"inputs":' + text + ',"results":' + canonical(dumped) + "}"
    return hashlib.sha256(text.encode()).hexdigest(), hashlib.sha256(whole.encode()).hexdigest()
