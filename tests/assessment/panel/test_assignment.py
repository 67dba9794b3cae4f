"""Panels proposed by the solver, from plain data: every hard rule held, the workload balanced, the same seed the
same proposal, and a rule that cannot be met named with whom it fails."""

from datetime import datetime, timedelta, timezone

import pytest

from services.assessment.panel.assignment import Infeasible, Member, Region, Rules, Slot, propose

WIB = timezone(timedelta(hours=7))
REGIONS = [Region(f"{p}.{n:02d}", f"Kabupaten {p}.{n:02d}", p) for p in ("11", "32", "33", "73") for n in range(1, 7)]
MEMBERS = [Member(1, "A", "UI", "32"), Member(2, "B", "ITB", "32"), Member(3, "C", "UGM", "33"),
           Member(4, "D", "UI", None), Member(5, "E", "ITB", "73"), Member(6, "F", "UGM", None)]


def _slots(n: int, capacity: int, *, same_time: bool = False) -> list[Slot]:
    return [Slot(f"Sesi {i + 1}", "Pustiknas", datetime(2019, 3, 4 + (0 if same_time else i), 8, tzinfo=WIB),
                 datetime(2019, 3, 4 + (0 if same_time else i), 17, tzinfo=WIB), capacity) for i in range(n)]


def _home(members: list[Member], regions: list[Region]) -> dict[tuple[int, str], list[str]]:
    return {(m.id, r.code): [f"home province {r.province}"] for m in members for r in regions
            if m.home_province == r.province}


def test_every_rule_holds_and_the_workload_is_balanced():
    conflicts = _home(MEMBERS, REGIONS) | {(4, "11.01"): ["declared"]}
    proposal = propose(REGIONS, MEMBERS, _slots(4, 8), Rules(2, 3, 2), conflicts, seed=7)
    institution = {m.id: m.institution for m in MEMBERS}
    heard = sorted(c for codes in proposal.regions.values() for c in codes)
    assert heard == sorted(r.code for r in REGIONS)
    for s, codes in proposal.regions.items():
        panel = proposal.panels[s]
        assert 2 <= len(panel) <= 3 and len({institution[a] for a in panel}) >= 2 and len(codes) <= 8
        assert not any((a, c) in conflicts for a in panel for c in codes)
    assert max(proposal.load.values()) - min(proposal.load.values()) <= 8  # within one session's load
    assert propose(REGIONS, MEMBERS, _slots(4, 8), Rules(2, 3, 2), conflicts, seed=7) == proposal


def test_nobody_sits_in_two_slots_at_once_nor_while_on_another_panel():
    slots = _slots(3, 8, same_time=True)
    slots[2] = Slot(slots[2].name, "Pustiknas", slots[2].starts_at, slots[2].ends_at, 8, busy=frozenset({6}))
    proposal = propose(REGIONS, MEMBERS, slots, Rules(2, 2, 2), {}, seed=1)
    seated = [a for panel in proposal.panels.values() for a in panel]
    assert len(seated) == len(set(seated)) == 6 and 6 not in proposal.panels.get(2, [])


def test_an_unmeetable_rule_is_named_with_whom_it_fails():
    # Everyone but UGM's C comes from Jawa Barat: its regions cannot have a panel of two institutions.
    members = [Member(1, "A", "UI", "32"), Member(2, "B", "ITB", "32"), Member(3, "C", "UGM", None)]
    with pytest.raises(Infeasible) as found:
        propose(REGIONS, members, _slots(4, 8), Rules(2, 3, 2), _home(members, REGIONS), seed=1)
    assert {b.rule for b in found.value.breaches} == {"conflicts"}
    assert sorted(c for b in found.value.breaches for c in b.regions) == [f"32.{n:02d}" for n in range(1, 7)]
    assert "1 assessor(s) without a conflict" in found.value.breaches[0].detail

    # Two overlapping slots and three assessors: one panel of two can sit, which holds 16 of 24 regions.
    with pytest.raises(Infeasible) as found:
        propose(REGIONS, MEMBERS[:3], _slots(2, 16, same_time=True), Rules(2, 2, 2), {}, seed=1)
    assert [b.rule for b in found.value.breaches] == ["panels"]

    with pytest.raises(Infeasible) as found:
        propose(REGIONS, [Member(m.id, m.name, m.institution, None, capacity=7) for m in MEMBERS], _slots(4, 8),
                Rules(2, 3, 2), {}, seed=1)
    assert [b.rule for b in found.value.breaches] == ["assessor-capacity"]  # 42 seats; 24 regions need 48
