"""Rounds, their transitions, and invitations: who is invited, their answers and attendance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, scope_to_region
from services.common.errors import IllegalTransition, NotFound, ProblemError, Unprocessable
from services.common.records import audit
from services.common.upstream import Upstream

from ..deadlines import service as deadlines
from ..deadlines.schemas import DeadlineKind
from ..exceptions import (
    ActDateOrder,
    AttendanceNotOpen,
    InvitationNotAccepted,
    InvitationWithdrawn,
    RegionAlreadySelected,
    SessionOutsideRound,
)
from ..models import Deadline, Hearing, Invitation, Result, Round, records
from ..panel.service import within_round
from ..registry import indicator_values, lookup, regencies_matching
from ..rubric.service import get_rubric
from ..selection import service as selection
from ..types import EquityRules
from . import schemas

TRANSITIONS = {
    "draft": ("inviting",),
    "inviting": ("assessing",),
    "assessing": ("moderating",),
    "moderating": ("assessing", "finalised"),
    "finalised": ("published",),
    "published": (),
}


async def load_round(session: AsyncSession, round_id: int, *, lock: bool = False) -> Round:
    found = await session.get(Round, round_id, with_for_update=lock)
    if found is None:
        raise NotFound(f"Round {round_id} does not exist")
    return found


def listing(year: int | None, state: str | None) -> Select[Any]:
    stmt = select(Round).order_by(Round.year.desc(), Round.id.desc())
    if year:
        stmt = stmt.where(Round.year == year)
    if state:
        stmt = stmt.where(Round.state == state)
    return stmt


async def create_round(session: AsyncSession, data: schemas.RoundIn, actor: Principal) -> Round:
    await get_rubric(session, data.rubric_id)
    round_ = Round(created_by=actor.sub, **data.model_dump(mode="json") | {
        "starts_on": data.starts_on, "ends_on": data.ends_on, "disagreement_threshold": data.disagreement_threshold})
    session.add(round_)
    await session.flush()
    audit(session, records, actor=actor, action="round.create", entity="round", entity_id=round_.id,
          after=schemas.Round.model_validate(round_))
    return round_


async def update_round(session: AsyncSession, round_: Round, patch: schemas.RoundPatch, actor: Principal) -> Round:
    round_.require("draft", "inviting")
    before = schemas.Round.model_validate(round_)
    changes = patch.model_dump(exclude_unset=True)
    if "equity_rules" in changes:
        changes["equity_rules"] = patch.equity_rules.model_dump(mode="json") if patch.equity_rules else {}
    for rule in ("calibration", "robustness", "evaluation"):
        if rule in changes:
            given = getattr(patch, rule)
            changes[rule] = given.model_dump(mode="json") if given else None
    for field, value in changes.items():
        setattr(round_, field, value)
    if round_.ends_on < round_.starts_on:
        raise Unprocessable.field("ends_on", "before starts_on", "ends_on is before starts_on")
    try:
        EquityRules.model_validate(round_.equity_rules or {}).check_minimums(round_.quota)
    except ValueError as exc:
        raise Unprocessable.field("equity_rules", "minimums exceed the quota", str(exc)) from None
    hearings = (await session.scalars(select(Hearing).where(Hearing.round_id == round_.id))).all()
    outside = [hearing.name for hearing in hearings if not within_round(round_, hearing.starts_at, hearing.ends_at)]
    if outside:
        raise SessionOutsideRound(f"Sessions {', '.join(outside)} would fall outside {round_.starts_on} to "
                                  f"{round_.ends_on}; move or cancel them first", extra={"sessions": outside})
    await session.flush()
    audit(session, records, actor=actor, action="round.update", entity="round", entity_id=round_.id,
          before=before, after=schemas.Round.model_validate(round_))
    return round_


async def transition(session: AsyncSession, round_: Round, move: schemas.Transition, actor: Principal,
                     registry: Upstream, masterplans: Upstream) -> Round:
    """Each state's entry does its work: lock the rubric, take the indicators, freeze, publish."""
    to = move.to.value
    allowed = TRANSITIONS[round_.state]
    if to not in allowed:
        raise IllegalTransition(f"A {round_.state} round cannot become {to}",
                                extra={"state": round_.state, "allowed": list(allowed)})
    before = round_.state
    if to == "inviting":
        (await get_rubric(session, round_.rubric_id)).locked = True
    elif to == "moderating":
        await selection.snapshot_indicators(session, round_, registry)
        if round_.evaluation:
            await selection.snapshot_previous(session, round_, masterplans)
    elif to == "finalised":
        assert move.decided_on is not None  # the schema requires it
        if move.decided_on < round_.starts_on:
            raise ActDateOrder(f"The committee cannot decide ({move.decided_on}) before the round starts "
                               f"({round_.starts_on})")
        round_.decided_on = move.decided_on
        await selection.freeze(session, round_)
    elif to == "published":
        assert move.announced_on is not None and move.signatories is not None  # the schema requires them
        if round_.decided_on is not None and move.announced_on < round_.decided_on:
            raise ActDateOrder(f"The result cannot be announced ({move.announced_on}) before it was decided "
                               f"({round_.decided_on})")
        round_.announced_on = move.announced_on
        round_.minutes_signatories = [s.model_dump() for s in move.signatories]
        await selection.publish(session, round_)
    round_.state = to
    await session.flush()
    audit(session, records, actor=actor, action="round.transition", entity="round", entity_id=round_.id,
          before={"state": before}, after={"state": to, **move.model_dump(mode="json", exclude={"to"},
                                                                          exclude_none=True)})
    return round_


async def _matching(session: AsyncSession, registry: Upstream, f: schemas.InvitationFilter,
                    year: int) -> list[dict[str, Any]]:
    regions = await regencies_matching(registry, type_=f.type, province=f.province,
                                       island_group=f.island_group.value if f.island_group else None)
    if f.cohort:
        members = set((await session.scalars(select(Result.region_code_today).join(
            Round, Round.id == Result.round_id).where(Round.year == f.cohort, Round.state == "published",
                                                      Result.selected.is_(True)))).all())
        regions = [r for r in regions if r["code"] in members]
    if f.indicator:
        values = await indicator_values(registry, f.indicator, f.indicator_year or year)
        wanted = {v.lower() for v in f.indicator_values or []}
        regions = [r for r in regions if values.get(r["code"]) is not None
                   and (not wanted or values[r["code"]].lower() in wanted)]
    return regions


def invitations(round_: Round, status: str | None, attended: bool | None,
                principal: Principal) -> Select[Any]:
    stmt = scope_to_region(select(Invitation).where(Invitation.round_id == round_.id), Invitation.region_code_today,
                           principal).order_by(Invitation.region_code)
    if status:
        stmt = stmt.where(Invitation.status == status)
    if attended is not None:
        stmt = stmt.where(Invitation.attended.is_(attended))
    return stmt


async def earlier_selections(session: AsyncSession, round_: Round,
                             codes: list[str]) -> dict[str, schemas.EarlierSelection]:
    """Regions (by today's code) a final (finalised or published) other round selected, with the first such
    round; a selection recorded under a former code counts."""
    rows = (await session.execute(
        select(Result.region_code_today, Round.id, Round.year).join(Round, Round.id == Result.round_id)
        .where(Result.selected.is_(True), Round.state.in_(("finalised", "published")), Round.id != round_.id,
               Result.region_code_today.in_(codes)).order_by(Round.year.desc(), Round.id.desc()))).all()
    return {code: schemas.EarlierSelection(region_code=code, round_id=rid, year=year) for code, rid, year in rows}


async def invite(session: AsyncSession, round_: Round, data: schemas.InviteIn, registry: Upstream,
                 actor: Principal) -> schemas.InviteResult:
    """Each region is recorded under its code on the round's first day (the code of the act) and today's."""
    round_.require("draft", "inviting")
    if data.region_codes is not None:
        regions = await lookup(registry, data.region_codes, round_.starts_on)
    else:
        assert data.filter is not None
        matching = await _matching(session, registry, data.filter, round_.year)
        regions = await lookup(registry, [r["code"] for r in matching], round_.starts_on) if matching else []
    # A selection does not invite members again; an evaluation invites nobody else.
    selected = {} if round_.evaluation else await earlier_selections(session, round_, [r["code"] for r in regions])
    asked = {r.region_code: r.reason for r in data.reinvitations}
    reasons = {r["code"]: next((asked[c] for c in r["requested"] if c in asked), None) for r in regions}
    reasons = {code: reason for code, reason in reasons.items() if reason is not None}
    left_out: list[schemas.EarlierSelection] = []
    if data.region_codes is not None:
        refused = [sel for code, sel in sorted(selected.items()) if code not in reasons]
        if refused:
            raise RegionAlreadySelected(
                "Selected before, so not invited again: " + ", ".join(
                    f"{s.region_code} (round {s.round_id}, {s.year})" for s in refused)
                + "; an officer may re-invite with a reason in `reinvitations`",
                extra={"selected": [s.model_dump() for s in refused]})
    else:
        left_out = [selected[r["code"]] for r in regions if r["code"] in selected]
        regions = [r for r in regions if r["code"] not in selected]
    already = set((await session.scalars(select(Invitation.region_code_today).where(
        Invitation.round_id == round_.id))).all())
    fresh = [r for r in regions if r["code"] not in already]
    session.add_all([Invitation(round_id=round_.id, region_code=r["code_on"], region_code_today=r["code"],
                                region_name=r["name"], province_code=r["code_on"][:2],
                                island_group=r["island_group"], reinvite_reason=reasons.get(r["code"]))
                     for r in fresh])
    await session.flush()
    result = schemas.InviteResult(invited=len(fresh), already_invited=len(regions) - len(fresh),
                                  region_codes=sorted(r["code_on"] for r in fresh), left_out_selected=left_out)
    audit(session, records, actor=actor, action="round.invite", entity="round", entity_id=round_.id, after=result)
    for r in fresh:
        if r["code"] in reasons:
            audit(session, records, actor=actor, action="invitation.reinvite", entity="invitation",
                  entity_id=f"{round_.id}:{r['code_on']}", after={"earlier": selected[r["code"]]},
                  reason=reasons[r["code"]])
    return result


async def recorded_code(session: AsyncSession, round_id: int, code: str) -> str:
    """The code a round recorded for the region `code` names today or named then (96.71 in a 2018 round is
    its 92.71); the code itself when the round did not invite that region."""
    found = await session.scalar(select(Invitation.region_code).where(
        Invitation.round_id == round_id, or_(Invitation.region_code == code, Invitation.region_code_today == code))
        .limit(1))
    return found or code


async def get_invitation(session: AsyncSession, round_id: int, region_code: str) -> Invitation:
    inv = await session.scalar(select(Invitation).where(Invitation.round_id == round_id,
                                                        Invitation.region_code == region_code))
    if inv is None:
        raise NotFound(f"Region {region_code} is not invited to round {round_id}")
    return inv


def _apply_answer(round_: Round, inv: Invitation, data: schemas.InvitationAnswer, actor: Principal,
                  deadline: Deadline | None) -> None:
    if inv.status == "withdrawn":
        raise InvitationWithdrawn(f"{inv.region_name} was withdrawn from round {round_.id}: {inv.withdrawal_reason}")
    if data.contact_email is not None:
        inv.contact_email = data.contact_email
    if data.status is not None:
        answered_on = data.answered_on or clock.today()
        inv.answered_late = deadlines.late(deadline, answered_on, inv.region_name)
        inv.status = data.status.value
        inv.answered_on, inv.answer_recorded_at = answered_on, clock.now()
    if data.attended is not None:
        if round_.state not in ("inviting", "assessing"):
            raise AttendanceNotOpen(f"Round {round_.id} is {round_.state}; attendance is recorded while it is "
                                    "inviting or assessing", extra={"state": round_.state})
        if data.attended and inv.status != "accepted":
            raise InvitationNotAccepted(f"{inv.region_name} has not accepted the invitation")
        inv.attended = data.attended
        inv.attended_on = (data.attended_on or clock.today()) if data.attended else None
        inv.attendance_recorded_at = clock.now()


async def answer_invitation(session: AsyncSession, round_: Round, inv: Invitation, data: schemas.InvitationAnswer,
                            actor: Principal) -> Invitation:
    round_.refuse_if_frozen()
    before = schemas.Invitation.model_validate(inv)
    _apply_answer(round_, inv, data, actor, await deadlines.due(session, round_.id, DeadlineKind.invitation_answer))
    await session.flush()
    audit(session, records, actor=actor, action="invitation.answer", entity="invitation",
          entity_id=f"{round_.id}:{inv.region_code}", before=before, after=schemas.Invitation.model_validate(inv))
    return inv


async def answer_invitations(session: AsyncSession, round_: Round, data: schemas.InvitationAnswersIn,
                             actor: Principal) -> schemas.InvitationAnswersResult:
    """Many answers and attendances at once: all are applied, or none (the report names each refused row)."""
    round_.refuse_if_frozen()
    codes = [item.region_code for item in data.items]
    found = {i.region_code: i for i in (await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.region_code.in_(codes)))).all()}
    errors: list[dict[str, Any]] = []
    changed: list[tuple[schemas.Invitation, Invitation]] = []
    deadline = await deadlines.due(session, round_.id, DeadlineKind.invitation_answer)
    for n, item in enumerate(data.items):
        inv = found.get(item.region_code)
        if inv is None:
            errors.append({"loc": ["body", "items", n, "region_code"], "type": "not-found",
                           "msg": f"{item.region_code} is not invited to round {round_.id}"})
            continue
        before = schemas.Invitation.model_validate(inv)
        try:
            _apply_answer(round_, inv, item, actor, deadline)
        except AttendanceNotOpen:
            raise
        except ProblemError as exc:
            errors.append({"loc": ["body", "items", n], "type": exc.slug, "msg": exc.detail})
            continue
        changed.append((before, inv))
    if errors:
        raise Unprocessable(f"{len(errors)} of {len(data.items)} row(s) refused; nothing was recorded", errors=errors)
    await session.flush()
    items = []
    for before, inv in changed:
        after = schemas.Invitation.model_validate(inv)
        audit(session, records, actor=actor, action="invitation.answer", entity="invitation",
              entity_id=f"{round_.id}:{inv.region_code}", before=before, after=after)
        items.append(after)
    return schemas.InvitationAnswersResult(updated=len(items), items=items)


async def withdraw(session: AsyncSession, round_: Round, inv: Invitation, data: schemas.WithdrawalIn,
                   actor: Principal) -> Invitation:
    """The region leaves the round (or its invitation is taken back): kept for the record, never ranked."""
    round_.refuse_if_frozen()
    if inv.status == "withdrawn":
        raise InvitationWithdrawn(f"{inv.region_name} is already withdrawn from round {round_.id}")
    before = schemas.Invitation.model_validate(inv)
    inv.status, inv.withdrawn_on, inv.withdrawal_reason = "withdrawn", data.withdrawn_on or clock.today(), data.reason
    await session.flush()
    audit(session, records, actor=actor, action="invitation.withdraw", entity="invitation",
          entity_id=f"{round_.id}:{inv.region_code}", before=before, after=schemas.Invitation.model_validate(inv),
          reason=data.reason)
    return inv
