"""The robustness certificate: how each decision holds when the panel or the weights had been a little different.

Pure, like `calculation`: the round's inputs (with its `robustness` rule) always give the same certificate, so the
offline verifier reproduces it. Three perturbations, each rerunning the ranking and the selection with the round's
equity rules:

- leave one out: each assessor's scores are left out in turn (a region nobody else scored gets 0 there, as a
  missing score does);
- bootstrap: each region's panel is drawn again, with replacement, from the assessors who scored it;
- weights: every component weight moves uniformly within ±band points (not below 0), siblings rescaled to the
  sum they had.

Scores are used as the result uses them (calibrated where the round calibrates, with the round's own model).
A resample ranks by total, then panel-only total, then region code (both totals to 0.001 as in the result).
Random draws come from PCG64, whose bit stream NumPy keeps stable across versions, turned into numbers by
integer arithmetic; totals are summed in a fixed order, element by element; so the figures are the same on
any machine.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from typing import Any

import numpy as np

from . import calculation, evaluation
from .calculation import Candidate

METHOD = ("leave each assessor out in turn; redraw each region's panel with replacement from its assessors "
          "(bootstrap); move every weight uniformly within the band, siblings rescaled")
FRAGILE_BETWEEN = (0.2, 0.8)
CHUNK = 100  # resamples drawn at once: bounds memory at 514 regions x 3 assessors x 10 components


class _Round:
    """A round's scores as arrays: regions that have panel scores (code order) x their assessors x leaves."""

    def __init__(self, inputs: dict[str, Any]) -> None:
        self.components = calculation.components_of(inputs)
        self.leaves = [c for c in self.components if c.kind != "group"]
        column = {c.key: i for i, c in enumerate(self.leaves)}
        scored: dict[str, dict[int, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
        for region, key, assessor, _given, used in calculation.counted(inputs, self.components):
            scored[region][assessor][key] = used
        candidates = [c[0] for c in inputs["candidates"]]
        self.codes = [code for code in candidates if code in scored]
        self.slots = max((len(scored[code]) for code in self.codes), default=1)
        regions, leaves = len(self.codes), len(self.leaves)
        self.values = np.full((regions, self.slots, leaves), np.nan)
        self.assessor = np.full((regions, self.slots), -1, dtype=np.int64)
        self.sizes = np.zeros(regions, dtype=np.uint64)
        self.fixed = np.zeros((regions, leaves))  # self-assessment and indicator leaves, as score_region gives them
        selfs, indicators = calculation.self_values(inputs), calculation.indicator_inputs(inputs)
        for r, code in enumerate(self.codes):
            for s, (assessor, by_key) in enumerate(sorted(scored[code].items())):
                self.assessor[r, s] = assessor
                for key, value in by_key.items():
                    self.values[r, s, column[key]] = value
            self.sizes[r] = len(scored[code])
            for i, c in enumerate(self.leaves):
                if c.kind == "self" and c.key in selfs[code]:
                    self.fixed[r, i] = calculation.normalise_scale(c, selfs[code][c.key])
                elif c.kind == "indicator" and (raw := indicators[code].get(c.indicator_code or "")) is not None:
                    self.fixed[r, i] = calculation.normalise_indicator(c, raw) or 0.0
        self.panel = np.array([c.kind == "panel" for c in self.leaves])
        self.how = inputs["round"]["aggregation"]

    def aggregate(self, values: np.ndarray) -> np.ndarray:
        """(..., slots, leaves) -> (..., leaves): each panel leaf's mean or median over the assessors present,
        0 where none is."""
        if self.how == "median":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: no assessor, scored 0 below
                found = np.nanmedian(values, axis=-2)
        else:
            total = np.zeros(values.shape[:-2] + values.shape[-1:])
            count = np.zeros_like(total)
            for s in range(values.shape[-2]):  # slot by slot: a fixed order of additions
                present = ~np.isnan(values[..., s, :])
                total += np.where(present, values[..., s, :], 0.0)
                count += present
            with np.errstate(invalid="ignore", divide="ignore"):
                found = total / count
        return np.where(np.isnan(found), 0.0, found)

    def weights(self, given: dict[str, float] | None = None) -> np.ndarray:
        """Each leaf's share of the total (evaluation.shares), in leaf order."""
        found = evaluation.shares(self.components, given)
        return np.array([found[c.key] for c in self.leaves])

    def totals(self, scores: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(total, panel-only total), each rounded as the result rounds it; scores (..., leaves) with the panel
        aggregates in place, shares (leaves,) or broadcastable."""
        shape = np.broadcast_shapes(scores.shape, shares.shape)[:-1]
        total, panel = np.zeros(shape), np.zeros(shape)
        for i in range(len(self.leaves)):
            part = scores[..., i] * shares[..., i]
            total += part
            if self.panel[i]:
                panel += part
        return np.round(total, 3), np.round(panel, 3)

    def with_fixed(self, aggregates: np.ndarray) -> np.ndarray:
        return np.where(self.panel, aggregates, self.fixed)


class _Selection:
    """Which regions a ranking selects, under the round's quota and equity rules."""

    def __init__(self, inputs: dict[str, Any], codes: list[str]) -> None:
        rules = inputs["round"]["equity_rules"] or {}
        self.rules, self.quota, self.codes = rules, int(inputs["round"]["quota"]), codes
        self.plain = not (rules.get("min_per_island_group") or rules.get("max_per_province")
                          or rules.get("min_per_category"))
        self.candidates = {c[0]: Candidate(*c) for c in inputs["candidates"] if c[0] in set(codes)}
        self.categories = calculation.categories_of(inputs, calculation.indicator_inputs(inputs))
        self.order = np.arange(len(codes))

    def selected(self, total: np.ndarray, panel: np.ndarray) -> np.ndarray:
        """total, panel: (runs, regions) -> (runs, regions) booleans."""
        ranking = np.lexsort((np.broadcast_to(self.order, total.shape), -panel, -total), axis=-1)
        chosen = np.zeros(total.shape, dtype=bool)
        if self.plain:
            np.put_along_axis(chosen, ranking[:, :self.quota], True, axis=-1)
            return chosen
        index = {code: i for i, code in enumerate(self.codes)}
        for run, by_rank in enumerate(ranking.tolist()):
            taken, _ = calculation.choose([self.codes[i] for i in by_rank], self.candidates, self.quota, self.rules,
                                          self.categories)
            chosen[run, [index[c] for c in taken]] = True
        return chosen


def _uniform(bits: np.random.PCG64, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform on [0, 1) from the top 53 bits of each draw, exactly."""
    return (bits.random_raw(int(np.prod(shape))).reshape(shape) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def _leave_one_out(data: _Round, selection: _Selection) -> tuple[list[int], np.ndarray]:
    assessors = sorted({int(a) for a in data.assessor.ravel() if a >= 0})
    if not assessors:
        return [], np.zeros((0, len(data.codes)), dtype=bool)
    without = np.stack([np.where((data.assessor == a)[:, :, None], np.nan, data.values) for a in assessors])
    total, panel = data.totals(data.with_fixed(data.aggregate(without)), data.weights())
    return assessors, selection.selected(total, panel)


def _bootstrap(data: _Round, selection: _Selection, resamples: int, seed: int) -> np.ndarray:
    bits = np.random.PCG64([seed, 1])
    counts = np.zeros(len(data.codes), dtype=np.int64)
    regions = np.arange(len(data.codes))[None, :, None]
    shares = data.weights()
    unused = np.arange(data.slots)[None, None, :] >= data.sizes.astype(np.int64)[None, :, None]
    for start in range(0, resamples, CHUNK):
        runs = min(CHUNK, resamples - start)
        drawn = (bits.random_raw(runs * len(data.codes) * data.slots)
                 .reshape(runs, len(data.codes), data.slots) % np.maximum(data.sizes, 1)[None, :, None])
        values = data.values[regions, drawn.astype(np.int64)]  # (runs, regions, slots, leaves)
        values[np.broadcast_to(unused, values.shape[:-1])] = np.nan
        total, panel = data.totals(data.with_fixed(data.aggregate(values)), shares)
        counts += selection.selected(total, panel).sum(axis=0)
    return counts


def _weight_band(data: _Round, selection: _Selection, resamples: int, seed: int, band: float) -> np.ndarray:
    bits = np.random.PCG64([seed, 2])
    keys = [c.key for c in data.components]
    siblings = calculation.children_of(data.components)
    baseline = data.with_fixed(data.aggregate(data.values))  # (regions, leaves)
    column = {k: i for i, k in enumerate(keys)}
    counts = np.zeros(len(data.codes), dtype=np.int64)
    for start in range(0, resamples, CHUNK):
        runs = min(CHUNK, resamples - start)
        moved = np.maximum(0.0, np.array([c.weight for c in data.components])
                           + band * (2.0 * _uniform(bits, (runs, len(keys))) - 1.0))
        for group in siblings.values():
            cols = [column[c.key] for c in group]
            given = sum(c.weight for c in group)
            moved_sum = np.zeros(runs)
            for col in cols:
                moved_sum += moved[:, col]
            scale = np.where(moved_sum > 0, given / np.where(moved_sum > 0, moved_sum, 1.0), 0.0)
            moved[:, cols] *= scale[:, None]
        shares = np.stack([data.weights(dict(zip(keys, row, strict=True))) for row in moved])  # (runs, leaves)
        total, panel = data.totals(baseline[None, :, :], shares[:, None, :])
        counts += selection.selected(total, panel).sum(axis=0)
    return counts


def _margins(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """Points to the cut-off: a selected region's total above the best region not selected, or a region not
    selected, its total below the lowest selected one (negative); None when the other side is empty."""
    ranked = [r for r in results if r["total"] is not None]
    lowest_in = min((r["total"] for r in ranked if r["selected"]), default=None)
    best_out = max((r["total"] for r in ranked if not r["selected"]), default=None)
    margins: dict[str, float | None] = {}
    for r in ranked:
        other = best_out if r["selected"] else lowest_in
        margins[r["region_code"]] = calculation.rounded(r["total"] - other) if other is not None else None
    return margins


def certificate_of(inputs: dict[str, Any], results: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The certificate the round's rule asks for (None: the round has no such rule). `results`: the dumped
    results of these inputs, when the caller has them already."""
    rule = inputs["round"].get("robustness")
    if not rule or not inputs["scores"]:
        return None
    if results is None:
        results = calculation.dump(calculation.compute(inputs)[0])
    data = _Round(inputs)
    selection = _Selection(inputs, data.codes)
    resamples, seed, band = int(rule["resamples"]), int(rule["seed"]), float(rule["weight_band"])
    assessors, left_out = _leave_one_out(data, selection)
    boot = _bootstrap(data, selection, resamples, seed)
    moved = _weight_band(data, selection, resamples, seed, band)
    margins = _margins(results)
    by_code = {r["region_code"]: r for r in results}
    low, high = FRAGILE_BETWEEN
    regions = []
    for r, code in enumerate(data.codes):
        selected = bool(by_code[code]["selected"])
        kept = int(left_out[:, r].sum()) if assessors else 0
        flips = [a for i, a in enumerate(assessors) if bool(left_out[i, r]) != selected]
        shares = {"leave_one_out": kept / len(assessors) if assessors else float(selected),
                  "bootstrap": int(boot[r]) / resamples, "weights": int(moved[r]) / resamples}
        reasons = [name for name, p in shares.items() if low <= p <= high]
        margin = margins[code]
        if margin is not None and abs(margin) < float(rule["margin"]):
            reasons.insert(0, "margin")
        regions.append({"region_code": code, "region_name": by_code[code]["region_name"], "selected": selected,
                        "total": by_code[code]["total"], "margin": margin,
                        "leave_one_out": kept, "flipped_by": flips, "bootstrap": int(boot[r]),
                        "weights": int(moved[r]), "probability": {k: round(p, 3) for k, p in shares.items()},
                        "fragile": bool(reasons), "reasons": reasons})
    regions.sort(key=lambda x: (by_code[x["region_code"]]["rank"], x["region_code"]))
    return {"method": METHOD, "rule": rule, "assessors": len(assessors), "resamples": resamples,
            "fragile_between": list(FRAGILE_BETWEEN), "regions": regions,
            "fragile": [x["region_code"] for x in regions if x["fragile"]]}
