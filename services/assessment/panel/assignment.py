"""Panels proposed by a solver: who sits in which session, and which regions each session hears.

Pure: plain data in, a proposal out, the same for the same data and seed. Two mixed-integer programs, solved by
HiGHS on one thread with the seed:

1. Panels: which assessors sit in which slot. Every used slot seats between the minimum and maximum panel size,
   from at least the required number of institutions; nobody sits in two slots that overlap in time or while on
   another panel; and every group of regions sharing the same conflicts (a member's home province, a declared
   conflict, a mentoring institution, none overridden) finds enough seats in slots with none of its conflicted
   assessors. Balanced: the fewest sessions between the busiest and the least busy assessor.
2. Regions: each to one slot whose panel has no conflict with it, within the slot's capacity and each assessor's;
   balanced: the smallest largest workload (regions heard) of an assessor, then of a slot.

Rules that cannot all hold are made elastic (a penalised shortfall) rather than left to a bare "infeasible", so
the answer names which rule fails and for whom. The seed breaks ties among equally good proposals (a small
cost per choice drawn from it).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import highspy
import numpy as np

PENALTY = 10_000.0  # per unit of a broken rule: always worse than any imbalance


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    province: str


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    institution: str
    home_province: str | None
    capacity: int | None = None  # regions at most


@dataclass(frozen=True)
class Slot:
    name: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    capacity: int  # regions at most
    busy: frozenset[int] = frozenset()  # assessors on another panel at that time

    def overlaps(self, other: Slot) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class Rules:
    min_panel: int = 2
    max_panel: int = 3
    min_institutions: int = 2


@dataclass
class Breach:
    """A rule that no assignment meets, and for whom."""

    rule: str
    detail: str
    regions: list[str] = field(default_factory=list)
    assessors: list[int] = field(default_factory=list)


class Infeasible(Exception):
    def __init__(self, breaches: list[Breach]) -> None:
        super().__init__("; ".join(b.detail for b in breaches))
        self.breaches = breaches


@dataclass
class Proposal:
    panels: dict[int, list[int]]  # slot index -> assessor ids
    regions: dict[int, list[str]]  # slot index -> region codes
    load: dict[int, int]  # assessor id -> regions heard


class _Program:
    """A mixed-integer program built row by row, solved by HiGHS."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[tuple[list[int], list[float], float, float]] = []

    def var(self, lower: float = 0.0, upper: float = 1.0, cost: float = 0.0, integer: bool = True) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.lower) - 1

    def row(self, terms: dict[int, float], lower: float = -highspy.kHighsInf, upper: float = highspy.kHighsInf) -> None:
        self.rows.append((list(terms), list(terms.values()), lower, upper))

    def solve(self, seed: int) -> np.ndarray:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.rows)
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = self.cost, self.lower, self.upper
        lp.row_lower_ = [r[2] for r in self.rows]
        lp.row_upper_ = [r[3] for r in self.rows]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = list(np.cumsum([0] + [len(r[0]) for r in self.rows]))
        lp.a_matrix_.index_ = [i for r in self.rows for i in r[0]]
        lp.a_matrix_.value_ = [v for r in self.rows for v in r[1]]
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        solver = highspy.Highs()  # type: ignore[no-untyped-call]
        for option, value in (("output_flag", False), ("threads", 1), ("random_seed", seed % 2_147_483_647),
                              ("mip_rel_gap", 1e-6), ("time_limit", 60.0)):
            solver.setOptionValue(option, value)
        solver.passModel(lp)
        solver.run()
        # Every rule that can fail is elastic, so a solution always exists; short of one (the time limit), say so.
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise Infeasible([Breach("solver", f"HiGHS ended with "
                                               f"{solver.modelStatusToString(solver.getModelStatus())}")])
        return np.array(solver.getSolution().col_value)


def _precheck(regions: list[Region], members: list[Member], slots: list[Slot], rules: Rules,
              conflicted: dict[str, frozenset[int]]) -> list[Breach]:
    """Rules that fail before any choice: too few seats, institutions or assessors free of a region's conflicts."""
    found = []
    room = sum(s.capacity for s in slots)
    if room < len(regions):
        found.append(Breach("session-capacity", f"the sessions hold {room} regions; {len(regions)} are to be heard"))
    institutions = {m.institution.lower() for m in members}
    if len(institutions) < rules.min_institutions:
        found.append(Breach("institutions", f"panels need {rules.min_institutions} institutions; the assessors "
                                            f"come from {len(institutions)}"))
    capacity = [m.capacity for m in members]
    if None not in capacity and sum(c or 0 for c in capacity) < len(regions) * rules.min_panel:
        found.append(Breach("assessor-capacity", f"the assessors can hear {sum(c or 0 for c in capacity)} "
                                                 f"region-seats; {len(regions)} regions need {rules.min_panel} each",
                            assessors=[m.id for m in members]))
    for r in regions:
        free = [m for m in members if m.id not in conflicted[r.code]]
        if len(free) < rules.min_panel or len({m.institution.lower() for m in free}) < rules.min_institutions:
            found.append(Breach("conflicts", f"{r.code} {r.name}: {len(free)} assessor(s) without a conflict "
                                             f"({len({m.institution.lower() for m in free})} institution(s)); a "
                                             f"panel needs {rules.min_panel} from {rules.min_institutions}",
                                regions=[r.code], assessors=sorted(conflicted[r.code])))
    return found


def propose(regions: list[Region], members: list[Member], slots: list[Slot], rules: Rules,
            conflicts: dict[tuple[int, str], list[str]], seed: int) -> Proposal:
    """The proposal, or Infeasible naming each rule that cannot be met and for whom."""
    conflicted: dict[str, frozenset[int]] = {r.code: frozenset(a for a, c in conflicts if c == r.code)
                                             for r in regions}
    breaches = _precheck(regions, members, slots, rules, conflicted)
    if breaches:
        raise Infeasible(breaches)
    draw = random.Random(seed)
    panels = _panels(regions, members, slots, rules, conflicted, draw, seed)
    return _regions(regions, members, slots, panels, conflicted, draw, seed)


def _panels(regions: list[Region], members: list[Member], slots: list[Slot], rules: Rules,
            conflicted: dict[str, frozenset[int]], draw: random.Random, seed: int) -> dict[int, list[int]]:
    p = _Program()
    used = [p.var(cost=0.001) for _ in slots]
    seat = {(m.id, s): p.var(cost=0.0001 * draw.random()) for m in members for s in range(len(slots))}
    most, least = p.var(0, len(slots), 1.0), p.var(0, len(slots), -1.0)
    by_institution: dict[str, list[int]] = defaultdict(list)
    for m in members:
        by_institution[m.institution.lower()].append(m.id)
        p.row({seat[m.id, s]: 1.0 for s in range(len(slots))} | {most: -1.0}, upper=0)
        p.row({seat[m.id, s]: 1.0 for s in range(len(slots))} | {least: -1.0}, lower=0)
    for s, slot in enumerate(slots):
        p.row({seat[m.id, s]: 1.0 for m in members} | {used[s]: -float(rules.min_panel)}, lower=0)
        p.row({seat[m.id, s]: 1.0 for m in members} | {used[s]: -float(rules.max_panel)}, upper=0)
        named = []
        for ids in by_institution.values():
            present = p.var()
            p.row({present: 1.0} | {seat[a, s]: -1.0 for a in ids}, upper=0)
            named.append(present)
        p.row({i: 1.0 for i in named} | {used[s]: -float(rules.min_institutions)}, lower=0)
        for m in members:
            if m.id in slot.busy:
                p.upper[seat[m.id, s]] = 0.0
        for t in range(s + 1, len(slots)):
            if slot.overlaps(slots[t]):
                for m in members:
                    p.row({seat[m.id, s]: 1.0, seat[m.id, t]: 1.0}, upper=1)
    unseated = p.var(0, len(regions), PENALTY)
    p.row({used[s]: float(slot.capacity) for s, slot in enumerate(slots)} | {unseated: 1.0}, lower=len(regions))
    # Each group of regions with the same conflicts needs seats in slots none of its conflicted assessors sits in.
    groups: dict[frozenset[int], list[str]] = defaultdict(list)
    for r in regions:
        groups[conflicted[r.code]].append(r.code)
    short: dict[frozenset[int], int] = {}
    for blocked, codes in groups.items():
        if not blocked:
            continue
        short[blocked] = p.var(0, len(codes), PENALTY)
        free = []
        for s in range(len(slots)):
            f = p.var()
            p.row({f: 1.0, used[s]: -1.0}, upper=0)
            for a in blocked:
                p.row({f: 1.0, seat[a, s]: 1.0}, upper=1)
            free.append((f, slots[s].capacity))
        p.row({f: float(c) for f, c in free} | {short[blocked]: 1.0}, lower=len(codes))
    x = p.solve(seed)
    if x[unseated] > 0.5:
        raise Infeasible([Breach("panels", f"the slots that can be staffed (panels of {rules.min_panel} to "
                                           f"{rules.max_panel} from {rules.min_institutions} institutions, nobody in "
                                           "two slots at once) hold fewer than the "
                                           f"{len(regions)} regions to be heard")])
    failing = [codes for blocked, codes in groups.items() if blocked and x[short[blocked]] > 0.5]
    if failing:
        raise Infeasible([Breach("conflicts", f"{', '.join(codes[:10])}{' …' if len(codes) > 10 else ''}: too few "
                                              "seats in panels free of their conflicts, with panels of the size and "
                                              "institutions required", regions=codes) for codes in failing])
    return {s: [m.id for m in members if x[seat[m.id, s]] > 0.5] for s in range(len(slots)) if x[used[s]] > 0.5}


def _regions(regions: list[Region], members: list[Member], slots: list[Slot], panels: dict[int, list[int]],
             conflicted: dict[str, frozenset[int]], draw: random.Random, seed: int) -> Proposal:
    p = _Program()
    heard: dict[tuple[str, int], int] = {}
    by_slot: dict[int, list[int]] = defaultdict(list)
    missing = {r.code: p.var(0, 1, PENALTY) for r in regions}
    for r in regions:
        options: dict[int, float] = {}
        for s, panel in panels.items():
            if not conflicted[r.code] & set(panel):
                heard[r.code, s] = v = p.var(cost=0.0001 * draw.random())
                by_slot[s].append(v)
                options[v] = 1.0
        p.row(options | {missing[r.code]: 1.0}, lower=1, upper=1)
    busiest, fullest = p.var(0, len(regions), 1.0, integer=False), p.var(0, len(regions), 0.1, integer=False)
    for s in panels:
        p.row({v: 1.0 for v in by_slot[s]}, upper=slots[s].capacity)
        p.row({v: 1.0 for v in by_slot[s]} | {fullest: -1.0}, upper=0)
    over = {}
    for m in members:
        hears = {v: 1.0 for s, panel in panels.items() if m.id in panel for v in by_slot[s]}
        if not hears:
            continue
        p.row(hears | {busiest: -1.0}, upper=0)
        if m.capacity is not None:
            over[m.id] = p.var(0, len(regions), PENALTY)
            p.row(hears | {over[m.id]: -1.0}, upper=m.capacity)
    x = p.solve(seed)
    breaches = [Breach("assessor-capacity", f"assessor {a} would hear {int(round(x[v]))} region(s) over capacity",
                       assessors=[a]) for a, v in over.items() if x[v] > 0.5]
    unheard = [code for code, v in missing.items() if x[v] > 0.5]
    if unheard:
        breaches.append(Breach("conflicts", f"{', '.join(unheard[:10])}{' …' if len(unheard) > 10 else ''}: no "
                                            "session with room whose panel is free of their conflicts",
                               regions=unheard))
    if breaches:
        raise Infeasible(breaches)
    placed: dict[int, list[str]] = {s: [] for s in panels}
    for (code, s), v in heard.items():
        if x[v] > 0.5:
            placed[s].append(code)
    load = {m.id: sum(len(placed[s]) for s, panel in panels.items() if m.id in panel) for m in members}
    return Proposal(panels={s: ids for s, ids in panels.items() if placed[s]},
                    regions={s: sorted(codes) for s, codes in placed.items() if codes}, load=load)
