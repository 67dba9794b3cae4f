"""Assessment logic. Works inside the caller's transaction; never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, Role
from services.common.errors import Conflict, Forbidden, NotFound, ProblemError, Unprocessable
from services.common.records import audit, emit
from services.common.upstream import Upstream

from . import schemas, scoring
from .exceptions import (
    AttendanceNotOpen,
    ConflictOfInterest,
    InvitationWithdrawn,
    RegionAlreadySelected,
    ScoresOwed,
    ScoringStarted,
    SessionOutsideRound,
)
from .models import (
    AssessmentSession,
    Assessor,
    ConflictDeclaration,
    ConflictOverride,
    IndicatorInput,
    Invitation,
    Mentorship,
    PanelMember,
    Result,
    Round,
    Rubric,
    RubricComponent,
    Score,
    SelfAssessment,
    SessionRegion,
    Submission,
    records,
)

TRANSITIONS = {
    "draft": ("inviting",),
    "inviting": ("assessing",),
    "assessing": ("moderating",),
    "moderating": ("assessing", "finalised"),
    "finalised": ("published",),
    "published": (),
}


def _field_error(field: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", field], "msg": msg, "type": "value_error"}]


# Rubrics ----------------------------------------------------------------------------------------

async def get_rubric(session: AsyncSession, rubric_id: int) -> Rubric:
    rubric = await session.get(Rubric, rubric_id)
    if rubric is None:
        raise NotFound(f"Rubric {rubric_id} does not exist")
    return rubric


async def create_rubric(session: AsyncSession, data: schemas.RubricIn, actor: Principal) -> Rubric:
    """A new code starts at version 1; the same code again makes the next version."""
    latest = await session.scalar(select(func.max(Rubric.version)).where(Rubric.code == data.code))
    rubric = Rubric(code=data.code, version=(latest or 0) + 1, title=data.title, description=data.description,
                    created_by=actor.sub, components=[
                        RubricComponent(position=i, **c.model_dump()) for i, c in enumerate(data.components)])
    session.add(rubric)
    await session.flush()
    audit(session, records, actor=actor, action="rubric.create", entity="rubric", entity_id=rubric.id,
          after=schemas.Rubric.model_validate(rubric))
    return rubric


async def replace_rubric(session: AsyncSession, rubric: Rubric, data: schemas.RubricIn, actor: Principal) -> Rubric:
    if rubric.locked:
        raise Conflict("This rubric is used by a round that left draft; create a new version instead")
    if data.code != rubric.code:
        raise Unprocessable("The code of a rubric cannot change", errors=_field_error("code", "must stay the same"))
    before = schemas.Rubric.model_validate(rubric)
    rubric.title, rubric.description = data.title, data.description
    rubric.components = [RubricComponent(position=i, **c.model_dump()) for i, c in enumerate(data.components)]
    await session.flush()
    audit(session, records, actor=actor, action="rubric.replace", entity="rubric", entity_id=rubric.id,
          before=before, after=schemas.Rubric.model_validate(rubric))
    return rubric


# Rounds -----------------------------------------------------------------------------------------

async def get_round(session: AsyncSession, round_id: int, *, lock: bool = False) -> Round:
    stmt = select(Round).where(Round.id == round_id)
    if lock:
        stmt = stmt.with_for_update()
    found = await session.scalar(stmt)
    if found is None:
        raise NotFound(f"Round {round_id} does not exist")
    return found


def require_state(round_: Round, *states: str) -> None:
    if round_.state not in states:
        raise Conflict(f"Round {round_.id} is {round_.state}; this needs it to be {' or '.join(states)}",
                       extra={"state": round_.state, "required": list(states)})


def refuse_if_frozen(round_: Round) -> None:
    if round_.state in ("finalised", "published"):
        raise Conflict(f"Round {round_.id} is {round_.state}: its scores and results can no longer change",
                       extra={"state": round_.state})


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
    require_state(round_, "draft", "inviting")
    before = schemas.Round.model_validate(round_)
    changes = patch.model_dump(exclude_unset=True)
    if "equity_rules" in changes:
        changes["equity_rules"] = patch.equity_rules.model_dump(mode="json") if patch.equity_rules else {}
    for field, value in changes.items():
        setattr(round_, field, value)
    if round_.ends_on < round_.starts_on:
        raise Unprocessable("ends_on is before starts_on", errors=_field_error("ends_on", "before starts_on"))
    if sum((round_.equity_rules.get("min_per_island_group") or {}).values()) > round_.quota:
        raise Unprocessable("the island-group minimums add up to more than the quota",
                            errors=_field_error("equity_rules", "minimums exceed the quota"))
    slots = (await session.scalars(select(AssessmentSession).where(AssessmentSession.round_id == round_.id))).all()
    outside = [slot.name for slot in slots if not _within_round(round_, slot.starts_at, slot.ends_at)]
    if outside:
        raise SessionOutsideRound(f"Sessions {', '.join(outside)} would fall outside {round_.starts_on} to "
                                  f"{round_.ends_on}; move or cancel them first", extra={"sessions": outside})
    await session.flush()
    audit(session, records, actor=actor, action="round.update", entity="round", entity_id=round_.id,
          before=before, after=schemas.Round.model_validate(round_))
    return round_


async def transition(session: AsyncSession, round_: Round, to: str, actor: Principal,
                     registry: Upstream | None) -> Round:
    allowed = TRANSITIONS[round_.state]
    if to not in allowed:
        raise Conflict(f"A {round_.state} round cannot become {to}",
                       extra={"state": round_.state, "allowed": list(allowed)})
    before = round_.state
    if to == "inviting":
        rubric = await get_rubric(session, round_.rubric_id)
        rubric.locked = True
    if to == "moderating" and registry is not None:
        await snapshot_indicators(session, round_, registry)
    if to == "finalised":
        owed = await scores_owed(session, round_)
        if owed:
            raise ScoresOwed(f"{len(owed)} panel score sheet(s) are still owed; have them submitted, or withdraw the "
                             "region with a reason", extra={"owed": owed})
        await freeze_results(session, round_)
    if to == "published":
        round_.published_at = clock.now()
        selected = (await session.scalars(select(Result).where(Result.round_id == round_.id,
                                                               Result.selected.is_(True)))).all()
        for r in selected:
            emit(session, records, "region.selected", r.region_code,
                 {"round_id": round_.id, "year": round_.year, "region_code": r.region_code,
                  "region_name": r.explanation["region_name"], "rank": r.rank})
        emit(session, records, "round.published", round_.id,
             {"round_id": round_.id, "year": round_.year, "title": round_.title, "quota": round_.quota,
              "result_hash": round_.result_hash, "selected": sorted(r.region_code for r in selected)})
    round_.state = to
    await session.flush()
    audit(session, records, actor=actor, action="round.transition", entity="round", entity_id=round_.id,
          before={"state": before}, after={"state": to})
    return round_


# Invitations ------------------------------------------------------------------------------------

async def _regencies_matching(registry: Upstream, f: schemas.InvitationFilter, year: int) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"level": "regency", "limit": 200}
    for key in ("type", "province", "island_group"):
        if getattr(f, key):
            params[key] = str(getattr(f, key))
    regions: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await registry.call("GET", "/api/v1/regions", params={**params, "offset": offset})
        regions.extend(page["items"])
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            break
    if f.indicator:
        values = await indicator_values(registry, f.indicator, f.indicator_year or year)
        wanted = {v.lower() for v in f.indicator_values or []}
        regions = [r for r in regions if values.get(r["code"]) is not None
                   and (not wanted or values[r["code"]].lower() in wanted)]
    return regions


async def indicator_values(registry: Upstream, code: str, year: int) -> dict[str, str]:
    values: dict[str, str] = {}
    offset = 0
    while True:
        page = await registry.call("GET", f"/api/v1/regions/indicators/{code}/values",
                                   params={"year": year, "limit": 200, "offset": offset})
        for item in page["items"]:
            values[item["region_code"]] = str(item["value"])
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            return values


async def earlier_selections(session: AsyncSession, round_: Round,
                             codes: list[str]) -> dict[str, schemas.EarlierSelection]:
    """Regions a final (finalised or published) other round selected, with the first such round."""
    rows = (await session.execute(
        select(Result.region_code, Round.id, Round.year).join(Round, Round.id == Result.round_id)
        .where(Result.selected.is_(True), Round.state.in_(("finalised", "published")), Round.id != round_.id,
               Result.region_code.in_(codes)).order_by(Round.year.desc(), Round.id.desc()))).all()
    return {code: schemas.EarlierSelection(region_code=code, round_id=rid, year=year) for code, rid, year in rows}


async def invite(session: AsyncSession, round_: Round, data: schemas.InviteIn, registry: Upstream,
                 actor: Principal) -> schemas.InviteResult:
    require_state(round_, "draft", "inviting")
    if data.region_codes is not None:
        answer = await registry.call("POST", "/api/v1/regions/lookup", json={"codes": data.region_codes})
        if answer["missing"]:
            raise Unprocessable(f"Not kabupaten/kota codes in the registry: {', '.join(answer['missing'])}",
                                errors=[{"loc": ["body", "region_codes", c], "msg": "not in the registry",
                                         "type": "value_error"} for c in answer["missing"]])
        regions = answer["found"]
    else:
        assert data.filter is not None
        regions = await _regencies_matching(registry, data.filter, round_.year)
    selected = await earlier_selections(session, round_, [r["code"] for r in regions])
    reasons = {r.region_code: r.reason for r in data.reinvitations}
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
    already = set((await session.scalars(select(Invitation.region_code).where(
        Invitation.round_id == round_.id))).all())
    fresh = [r for r in regions if r["code"] not in already]
    session.add_all([Invitation(round_id=round_.id, region_code=r["code"], region_name=r["name"],
                                province_code=r["province_code"], island_group=r["island_group"],
                                reinvite_reason=reasons.get(r["code"])) for r in fresh])
    await session.flush()
    result = schemas.InviteResult(invited=len(fresh), already_invited=len(regions) - len(fresh),
                                  region_codes=sorted(r["code"] for r in fresh), left_out_selected=left_out)
    audit(session, records, actor=actor, action="round.invite", entity="round", entity_id=round_.id, after=result)
    for r in fresh:
        if r["code"] in reasons:
            audit(session, records, actor=actor, action="invitation.reinvite", entity="invitation",
                  entity_id=f"{round_.id}:{r['code']}", after={"earlier": selected[r["code"]]},
                  reason=reasons[r["code"]])
    return result


async def get_invitation(session: AsyncSession, round_id: int, region_code: str) -> Invitation:
    inv = await session.scalar(select(Invitation).where(Invitation.round_id == round_id,
                                                        Invitation.region_code == region_code))
    if inv is None:
        raise NotFound(f"Region {region_code} is not invited to round {round_id}")
    return inv


def _apply_answer(round_: Round, inv: Invitation, data: schemas.InvitationAnswer, actor: Principal) -> None:
    if inv.status == "withdrawn":
        raise InvitationWithdrawn(f"{inv.region_name} was withdrawn from round {round_.id}: {inv.withdrawal_reason}")
    if data.status is not None:
        inv.status = data.status.value
        inv.answered_on, inv.answer_recorded_at = data.answered_on or clock.today(), clock.now()
    if data.attended is not None:
        if actor.is_pemda_only:
            raise Forbidden("Attendance is recorded by Kominfo, not by the region")
        if round_.state not in ("inviting", "assessing"):
            raise AttendanceNotOpen(f"Round {round_.id} is {round_.state}; attendance is recorded while it is "
                                    "inviting or assessing", extra={"state": round_.state})
        if data.attended and inv.status != "accepted":
            raise Conflict(f"{inv.region_name} has not accepted the invitation")
        inv.attended = data.attended
        inv.attended_on = (data.attended_on or clock.today()) if data.attended else None
        inv.attendance_recorded_at = clock.now()


async def answer_invitation(session: AsyncSession, round_: Round, inv: Invitation, data: schemas.InvitationAnswer,
                            actor: Principal) -> Invitation:
    refuse_if_frozen(round_)
    before = schemas.Invitation.model_validate(inv)
    _apply_answer(round_, inv, data, actor)
    await session.flush()
    audit(session, records, actor=actor, action="invitation.answer", entity="invitation",
          entity_id=f"{round_.id}:{inv.region_code}", before=before, after=schemas.Invitation.model_validate(inv))
    return inv


async def answer_invitations(session: AsyncSession, round_: Round, data: schemas.InvitationAnswersIn,
                             actor: Principal) -> schemas.InvitationAnswersResult:
    """Many answers and attendances at once: all are applied, or none (the report names each refused row)."""
    refuse_if_frozen(round_)
    codes = [item.region_code for item in data.items]
    found = {i.region_code: i for i in (await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.region_code.in_(codes)))).all()}
    errors: list[dict[str, Any]] = []
    changed: list[tuple[schemas.Invitation, Invitation]] = []
    for n, item in enumerate(data.items):
        inv = found.get(item.region_code)
        if inv is None:
            errors.append({"loc": ["body", "items", n, "region_code"], "type": "not-found",
                           "msg": f"{item.region_code} is not invited to round {round_.id}"})
            continue
        before = schemas.Invitation.model_validate(inv)
        try:
            _apply_answer(round_, inv, item, actor)
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
    refuse_if_frozen(round_)
    if inv.status == "withdrawn":
        raise InvitationWithdrawn(f"{inv.region_name} is already withdrawn from round {round_.id}")
    before = schemas.Invitation.model_validate(inv)
    inv.status, inv.withdrawn_on, inv.withdrawal_reason = "withdrawn", data.withdrawn_on or clock.today(), data.reason
    await session.flush()
    audit(session, records, actor=actor, action="invitation.withdraw", entity="invitation",
          entity_id=f"{round_.id}:{inv.region_code}", before=before, after=schemas.Invitation.model_validate(inv),
          reason=data.reason)
    return inv


# Assessors, conflicts, sessions -----------------------------------------------------------------

async def get_assessor(session: AsyncSession, assessor_id: int) -> Assessor:
    found = await session.get(Assessor, assessor_id)
    if found is None:
        raise NotFound(f"Assessor {assessor_id} does not exist")
    return found


async def assessor_of(session: AsyncSession, principal: Principal) -> Assessor:
    found = await session.scalar(select(Assessor).where(Assessor.user_sub == principal.sub))
    if found is None:
        raise Forbidden("Your account is not registered as an assessor")
    return found


async def declare_conflict(session: AsyncSession, assessor: Assessor, data: schemas.ConflictIn,
                           actor: Principal) -> ConflictDeclaration:
    """Takes effect at once: scores already submitted for the region in open rounds are set aside, not deleted."""
    if not actor.has(Role.kominfo_admin, Role.kominfo_officer) and assessor.user_sub != actor.sub:
        raise NotFound(f"Assessor {assessor.id} is not you")
    if await session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.assessor_id == assessor.id, ConflictDeclaration.region_code == data.region_code)):
        raise Conflict("Already declared")
    row = ConflictDeclaration(assessor_id=assessor.id, **data.model_dump())
    session.add(row)
    await session.flush()
    audit(session, records, actor=actor, action="conflict.declare", entity="assessor", entity_id=assessor.id,
          after=data)
    affected = (await session.scalars(select(Submission.round_id).join(Round, Round.id == Submission.round_id).where(
        Submission.assessor_id == assessor.id, Submission.region_code == data.region_code,
        Round.state.in_(("assessing", "moderating"))))).all()
    for round_id in affected:
        audit(session, records, actor=actor, action="score.set_aside", entity="submission",
              entity_id=f"{round_id}:{assessor.id}:{data.region_code}", reason=data.reason)
    return row


async def conflicts_between(session: AsyncSession, round_id: int, assessors: list[Assessor],
                            regions: list[Invitation]) -> list[dict[str, Any]]:
    """Every (assessor, region) pair that a conflict rule blocks and no officer has overridden."""
    ids = [a.id for a in assessors]
    codes = [r.region_code for r in regions]
    declared = {(d.assessor_id, d.region_code): d.reason for d in (await session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.assessor_id.in_(ids),
                                          ConflictDeclaration.region_code.in_(codes)))).all()}
    mentors = {(m.institution.lower(), m.region_code) for m in (await session.scalars(
        select(Mentorship).where(Mentorship.region_code.in_(codes)))).all()}
    overridden = {(o.assessor_id, o.region_code) for o in (await session.scalars(
        select(ConflictOverride).where(ConflictOverride.round_id == round_id))).all()}
    clashes = []
    for a in assessors:
        for r in regions:
            if (a.id, r.region_code) in overridden:
                continue
            reasons = []
            if (a.id, r.region_code) in declared:
                reasons.append(f"declared: {declared[(a.id, r.region_code)]}")
            if a.home_province and a.home_province == r.province_code:
                reasons.append(f"home province {a.home_province}")
            if (a.institution.lower(), r.region_code) in mentors:
                reasons.append(f"{a.institution} mentors this region")
            if reasons:
                clashes.append({"assessor_id": a.id, "assessor": a.name, "region_code": r.region_code,
                                "region": r.region_name, "reasons": reasons})
    return clashes


def _within_round(round_: Round, starts_at: Any, ends_at: Any) -> bool:
    # Dates as the caller wrote them (in their own offset): the day the panel sits.
    return round_.starts_on <= starts_at.date() and ends_at.date() <= round_.ends_on


async def _check_session(session: AsyncSession, round_: Round, data: schemas.SessionIn, actor: Principal,
                         *, slot_id: int | None = None) -> None:
    """Every rule a session must meet; `slot_id` is the session being edited, which clashes with nothing."""
    if not _within_round(round_, data.starts_at, data.ends_at):
        raise SessionOutsideRound(
            f"Round {round_.id} runs {round_.starts_on} to {round_.ends_on}; a session from "
            f"{data.starts_at.date()} to {data.ends_at.date()} lies outside it (change the round's dates first)",
            extra={"starts_on": round_.starts_on.isoformat(), "ends_on": round_.ends_on.isoformat()})
    assessors = list((await session.scalars(select(Assessor).where(Assessor.id.in_(data.assessor_ids)))).all())
    unknown = set(data.assessor_ids) - {a.id for a in assessors}
    if unknown:
        raise Unprocessable(f"Unknown assessors: {sorted(unknown)}", errors=_field_error("assessor_ids", "unknown"))
    invitations = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.region_code.in_(data.region_codes)))).all())
    by_code = {i.region_code: i for i in invitations}
    not_ready = [c for c in data.region_codes if c not in by_code or by_code[c].status != "accepted"]
    if not_ready:
        raise Conflict(f"Regions not invited or not accepted: {', '.join(not_ready)}",
                       extra={"region_codes": not_ready})
    others = AssessmentSession.id != (slot_id or 0)
    # A region presents in one slot per round.
    taken = (await session.execute(select(SessionRegion.region_code, AssessmentSession.name).join(
        AssessmentSession, AssessmentSession.id == SessionRegion.session_id).where(
        SessionRegion.round_id == round_.id, SessionRegion.region_code.in_(data.region_codes), others))).all()
    if taken:
        raise Conflict("Regions already in another slot: " + ", ".join(f"{c} ({name})" for c, name in taken),
                       extra={"clashes": [{"region_code": c, "session": name} for c, name in taken]})
    # An assessor sits on one panel at a time, across all rounds.
    busy = (await session.execute(select(PanelMember.assessor_id, AssessmentSession.name).join(
        AssessmentSession, AssessmentSession.id == PanelMember.session_id).where(
        PanelMember.assessor_id.in_(data.assessor_ids), AssessmentSession.starts_at < data.ends_at,
        AssessmentSession.ends_at > data.starts_at, others))).all()
    if busy:
        raise Conflict("Assessors already on a panel at that time: "
                       + ", ".join(f"{a} ({name})" for a, name in busy),
                       extra={"clashes": [{"assessor_id": a, "session": name} for a, name in busy]})
    await record_overrides(session, round_, data.overrides, actor)
    clashes = await conflicts_between(session, round_.id, assessors, [by_code[c] for c in data.region_codes])
    if clashes:
        raise ConflictOfInterest(f"{len(clashes)} conflict(s) of interest block this panel; remove the pair or "
                                 "override it with a reason", extra={"conflicts": clashes})


async def record_overrides(session: AsyncSession, round_: Round, overrides: list[schemas.OverrideIn],
                           actor: Principal) -> None:
    """An officer's decision that a conflicted assessor scores a region anyway; idempotent per pair."""
    known = {(o.assessor_id, o.region_code) for o in (await session.scalars(
        select(ConflictOverride).where(ConflictOverride.round_id == round_.id))).all()}
    for o in overrides:
        if (o.assessor_id, o.region_code) in known:
            continue
        session.add(ConflictOverride(round_id=round_.id, assessor_id=o.assessor_id, region_code=o.region_code,
                                     reason=o.reason, decided_by=actor.sub))
        audit(session, records, actor=actor, action="conflict.override", entity="assessor", entity_id=o.assessor_id,
              after={"round_id": round_.id, "region_code": o.region_code}, reason=o.reason)
    await session.flush()


def _seat(session: AsyncSession, round_: Round, slot: AssessmentSession, data: schemas.SessionIn) -> None:
    session.add_all([PanelMember(session_id=slot.id, assessor_id=a) for a in data.assessor_ids])
    session.add_all([SessionRegion(session_id=slot.id, region_code=c, round_id=round_.id) for c in data.region_codes])


async def create_session(session: AsyncSession, round_: Round, data: schemas.SessionIn,
                         actor: Principal) -> AssessmentSession:
    require_state(round_, "inviting", "assessing")
    await _check_session(session, round_, data, actor)
    slot = AssessmentSession(round_id=round_.id, name=data.name, venue=data.venue, starts_at=data.starts_at,
                             ends_at=data.ends_at)
    session.add(slot)
    await session.flush()
    _seat(session, round_, slot, data)
    await session.flush()
    audit(session, records, actor=actor, action="session.create", entity="session", entity_id=slot.id,
          after=data.model_dump(mode="json"))
    return slot


async def get_session(session: AsyncSession, round_: Round, session_id: int) -> AssessmentSession:
    slot = await session.get(AssessmentSession, session_id)
    if slot is None or slot.round_id != round_.id:
        raise NotFound(f"Round {round_.id} has no session {session_id}")
    return slot


async def _refuse_if_scoring_started(session: AsyncSession, slot: AssessmentSession) -> None:
    started = await session.scalar(select(exists().where(
        Score.round_id == slot.round_id,
        Score.region_code.in_(select(SessionRegion.region_code).where(SessionRegion.session_id == slot.id)),
        Score.assessor_id.in_(select(PanelMember.assessor_id).where(PanelMember.session_id == slot.id)))))
    if started:
        raise ScoringStarted(f"Scores were saved on session {slot.name}; it can no longer change")


async def update_session(session: AsyncSession, round_: Round, slot: AssessmentSession, patch: schemas.SessionPatch,
                         actor: Principal) -> AssessmentSession:
    require_state(round_, "inviting", "assessing")
    await _refuse_if_scoring_started(session, slot)
    before = await session_out(session, slot)
    merged = before.model_dump(exclude={"id"}) | {"overrides": []} | patch.model_dump(exclude_unset=True)
    try:
        data = schemas.SessionIn.model_validate(merged)
    except ValueError as exc:
        raise Unprocessable(f"The edited session is invalid: {exc}") from None
    await _check_session(session, round_, data, actor, slot_id=slot.id)
    await session.execute(delete(PanelMember).where(PanelMember.session_id == slot.id))
    await session.execute(delete(SessionRegion).where(SessionRegion.session_id == slot.id))
    slot.name, slot.venue, slot.starts_at, slot.ends_at = data.name, data.venue, data.starts_at, data.ends_at
    _seat(session, round_, slot, data)
    await session.flush()
    audit(session, records, actor=actor, action="session.update", entity="session", entity_id=slot.id,
          before=before, after=data.model_dump(mode="json"))
    return slot


async def cancel_session(session: AsyncSession, round_: Round, slot: AssessmentSession, actor: Principal) -> None:
    refuse_if_frozen(round_)
    await _refuse_if_scoring_started(session, slot)
    before = await session_out(session, slot)
    await session.delete(slot)
    await session.flush()
    audit(session, records, actor=actor, action="session.cancel", entity="session", entity_id=slot.id, before=before)


async def session_out(session: AsyncSession, slot: AssessmentSession) -> schemas.Session:
    assessors = (await session.scalars(select(PanelMember.assessor_id).where(
        PanelMember.session_id == slot.id).order_by(PanelMember.assessor_id))).all()
    regions = (await session.scalars(select(SessionRegion.region_code).where(
        SessionRegion.session_id == slot.id).order_by(SessionRegion.region_code))).all()
    return schemas.Session(id=slot.id, name=slot.name, venue=slot.venue, starts_at=slot.starts_at,
                           ends_at=slot.ends_at, assessor_ids=list(assessors), region_codes=list(regions))


async def assigned_regions(session: AsyncSession, round_id: int, assessor_id: int) -> list[str]:
    return list((await session.scalars(select(SessionRegion.region_code).join(
        PanelMember, PanelMember.session_id == SessionRegion.session_id).where(
        SessionRegion.round_id == round_id, PanelMember.assessor_id == assessor_id)
        .order_by(SessionRegion.region_code))).all())


# Scoring ----------------------------------------------------------------------------------------

async def _panel_components(session: AsyncSession, round_: Round) -> dict[str, RubricComponent]:
    rubric = await get_rubric(session, round_.rubric_id)
    return {c.key: c for c in rubric.components if c.kind == "panel"}


async def _submitted(session: AsyncSession, round_id: int, assessor_id: int, region: str) -> bool:
    return await session.get(Submission, (round_id, assessor_id, region)) is not None


async def _require_free_to_score(session: AsyncSession, round_: Round, region: str, assessor: Assessor) -> None:
    """Assigned, not conflicted (a conflict declared after the panel was formed counts at once), not submitted."""
    if region not in await assigned_regions(session, round_.id, assessor.id):
        raise NotFound(f"Region {region} is not assigned to you in round {round_.id}")
    inv = await get_invitation(session, round_.id, region)
    clashes = await conflicts_between(session, round_.id, [assessor], [inv])
    if clashes:
        raise ConflictOfInterest(f"You may not score {inv.region_name}: {'; '.join(clashes[0]['reasons'])}; an "
                                 "officer may override it with a reason", extra={"conflicts": clashes})
    if await _submitted(session, round_.id, assessor.id, region):
        raise Conflict("You submitted these scores; an officer must reopen them before they change")


Locate = Callable[[int | None, str], list[str | int]]


def _scale_errors(components: dict[str, RubricComponent], scores: list[schemas.ScoreIn],
                  loc: Locate) -> list[dict[str, Any]]:
    """`loc(i, field)` names where score i's field came from: a body path, or a spreadsheet cell."""
    errors = []
    for i, s in enumerate(scores):
        c = components.get(s.component_key)
        if c is None:
            errors.append({"loc": loc(i, "component_key"), "msg": "not a panel component of the round's rubric",
                           "type": "value_error"})
        elif not (c.scale_min <= s.value <= c.scale_max):
            errors.append({"loc": loc(i, "value"), "msg": f"outside the scale {c.scale_min}-{c.scale_max}",
                           "type": "value_error"})
    return errors


async def _store_scores(session: AsyncSession, round_: Round, region: str, scores: list[schemas.ScoreIn],
                        assessor: Assessor, actor: Principal) -> None:
    existing = {s.component_key: s for s in (await session.scalars(select(Score).where(
        Score.round_id == round_.id, Score.assessor_id == assessor.id, Score.region_code == region))).all()}
    for s in scores:
        row = existing.get(s.component_key)
        before = {"value": row.value, "comment": row.comment} if row else None
        if row is None:
            row = Score(round_id=round_.id, assessor_id=assessor.id, region_code=region,
                        component_key=s.component_key, value=s.value, comment=s.comment)
            session.add(row)
        else:
            row.value, row.comment = s.value, s.comment
        audit(session, records, actor=actor, action="score.save", entity="score",
              entity_id=f"{round_.id}:{assessor.id}:{region}:{s.component_key}", before=before,
              after={"value": s.value, "comment": s.comment})
    await session.flush()


async def save_scores(session: AsyncSession, round_: Round, region: str, data: schemas.ScoreSheetIn,
                      assessor: Assessor, actor: Principal) -> None:
    refuse_if_frozen(round_)
    require_state(round_, "assessing")
    await _require_free_to_score(session, round_, region, assessor)
    errors = _scale_errors(await _panel_components(session, round_), data.scores,
                           lambda i, field: ["body", "scores", i if i is not None else "", field])
    if errors:
        raise Unprocessable(f"{len(errors)} score(s) are invalid; nothing was saved", errors=errors)
    await _store_scores(session, round_, region, data.scores, assessor, actor)


async def _submit(session: AsyncSession, round_: Round, region: str, assessor: Assessor, actor: Principal) -> None:
    components = await _panel_components(session, round_)
    scored = set((await session.scalars(select(Score.component_key).where(
        Score.round_id == round_.id, Score.assessor_id == assessor.id, Score.region_code == region))).all())
    missing = sorted(set(components) - scored)
    if missing:
        raise Conflict(f"Score every panel component before submitting; missing: {', '.join(missing)}",
                       extra={"missing": missing})
    session.add(Submission(round_id=round_.id, assessor_id=assessor.id, region_code=region))
    await session.flush()
    audit(session, records, actor=actor, action="score.submit", entity="submission",
          entity_id=f"{round_.id}:{assessor.id}:{region}")


async def submit_scores(session: AsyncSession, round_: Round, region: str, assessor: Assessor,
                        actor: Principal) -> None:
    refuse_if_frozen(round_)
    require_state(round_, "assessing")
    await _require_free_to_score(session, round_, region, assessor)
    await _submit(session, round_, region, assessor, actor)


async def save_score_sheets(session: AsyncSession, round_: Round, data: schemas.ScoreSheetsIn, assessor: Assessor,
                            actor: Principal, *,
                            locate: Callable[[int], Locate] | None = None) -> schemas.ScoreSheetsResult:
    """Several regions' sheets at once, all or nothing; each region is checked exactly as a single save is.

    `locate(n)` gives where sheet n's fields came from: the body by default, spreadsheet cells for an upload.
    """
    refuse_if_frozen(round_)
    require_state(round_, "assessing")

    def in_body(n: int) -> Locate:
        return lambda i, field: ["body", "sheets", n, *(["scores", i] if i is not None else []), field]

    locate = locate or in_body
    components = await _panel_components(session, round_)
    errors: list[dict[str, Any]] = []
    for n, sheet in enumerate(data.sheets):
        try:
            await _require_free_to_score(session, round_, sheet.region_code, assessor)
        except ProblemError as exc:
            errors.append({"loc": locate(n)(None, "region_code"), "msg": exc.detail, "type": exc.slug})
            continue
        errors += _scale_errors(components, sheet.scores, locate(n))
        missing = sorted(set(components) - {s.component_key for s in sheet.scores})
        if data.submit and missing:
            errors.append({"loc": locate(n)(None, "scores"), "type": "value_error",
                           "msg": f"submitting needs every panel component; missing {', '.join(missing)}"})
    if errors:
        raise Unprocessable(f"{len(errors)} problem(s) in the sheets; nothing was saved", errors=errors)
    for sheet in data.sheets:
        await _store_scores(session, round_, sheet.region_code, sheet.scores, assessor, actor)
        if data.submit:
            await _submit(session, round_, sheet.region_code, assessor, actor)
    codes = [sheet.region_code for sheet in data.sheets]
    return schemas.ScoreSheetsResult(saved=codes, submitted=codes if data.submit else [])


async def reopen(session: AsyncSession, round_: Round, region: str, data: schemas.ReopenIn, actor: Principal) -> None:
    refuse_if_frozen(round_)
    require_state(round_, "assessing", "moderating")
    sub = await session.get(Submission, (round_.id, data.assessor_id, region))
    if sub is None:
        raise NotFound(f"Assessor {data.assessor_id} has not submitted for {region}")
    await session.delete(sub)
    await session.flush()
    audit(session, records, actor=actor, action="score.reopen", entity="submission",
          entity_id=f"{round_.id}:{data.assessor_id}:{region}", reason=data.reason)


async def score_sheet(session: AsyncSession, round_: Round, region: str, principal: Principal) -> schemas.ScoreSheet:
    submitted = list((await session.scalars(select(Submission.assessor_id).where(
        Submission.round_id == round_.id, Submission.region_code == region).order_by(Submission.assessor_id))).all())
    stmt = select(Score).where(Score.round_id == round_.id, Score.region_code == region)
    if principal.has(Role.assessor) and not principal.has(Role.kominfo_admin, Role.kominfo_officer):
        me = await assessor_of(session, principal)
        if region not in await assigned_regions(session, round_.id, me.id):
            raise NotFound(f"Region {region} is not assigned to you in round {round_.id}")
        if me.id not in submitted:  # blind until you have submitted your own
            stmt = stmt.where(Score.assessor_id == me.id)
    rows = (await session.scalars(stmt.order_by(Score.assessor_id, Score.component_key))).all()
    return schemas.ScoreSheet(region_code=region, submitted_by=submitted, scores=[schemas.Score(
        assessor_id=s.assessor_id, component_key=s.component_key, value=s.value, moderated_value=s.moderated_value,
        comment=s.comment) for s in rows])


async def moderate(session: AsyncSession, round_: Round, region: str, data: schemas.ModerationIn,
                   actor: Principal) -> Score:
    refuse_if_frozen(round_)
    require_state(round_, "moderating")
    row = await session.scalar(select(Score).where(
        Score.round_id == round_.id, Score.assessor_id == data.assessor_id, Score.region_code == region,
        Score.component_key == data.component_key))
    if row is None:
        raise NotFound("No such score to moderate")
    component = (await _panel_components(session, round_))[data.component_key]
    if not (component.scale_min <= data.value <= component.scale_max):
        raise Unprocessable(f"outside the scale {component.scale_min}-{component.scale_max}",
                            errors=_field_error("value", "outside the scale"))
    before = {"value": row.value, "moderated_value": row.moderated_value}
    row.moderated_value = data.value
    await session.flush()
    audit(session, records, actor=actor, action="score.moderate", entity="score",
          entity_id=f"{round_.id}:{data.assessor_id}:{region}:{data.component_key}", before=before,
          after={"value": row.value, "moderated_value": data.value}, reason=data.reason)
    return row


# Self-assessment --------------------------------------------------------------------------------

async def save_self_assessment(session: AsyncSession, round_: Round, inv: Invitation,
                               data: schemas.SelfAssessmentIn, actor: Principal) -> None:
    refuse_if_frozen(round_)
    require_state(round_, "inviting", "assessing")
    rubric = await get_rubric(session, round_.rubric_id)
    components = {c.key: c for c in rubric.components if c.kind == "self"}
    errors = []
    for i, item in enumerate(data.items):
        c = components.get(item.component_key)
        if c is None:
            errors.append({"loc": ["body", "items", i, "component_key"], "msg": "not a self-assessed component",
                           "type": "value_error"})
        elif not (c.scale_min <= item.value <= c.scale_max):
            errors.append({"loc": ["body", "items", i, "value"], "msg": f"outside {c.scale_min}-{c.scale_max}",
                           "type": "value_error"})
    if errors:
        raise Unprocessable("Invalid self-assessment; nothing was saved", errors=errors)
    existing = {s.component_key: s for s in (await session.scalars(select(SelfAssessment).where(
        SelfAssessment.round_id == round_.id, SelfAssessment.region_code == inv.region_code))).all()}
    for item in data.items:
        links = [str(u) for u in item.evidence_links]
        row = existing.get(item.component_key)
        if row is None:
            session.add(SelfAssessment(round_id=round_.id, region_code=inv.region_code,
                                       component_key=item.component_key, value=item.value, evidence_links=links,
                                       submitted_by=actor.sub))
        else:
            row.value, row.evidence_links, row.verified_value = item.value, links, None
    await session.flush()
    audit(session, records, actor=actor, action="self_assessment.save", entity="self_assessment",
          entity_id=f"{round_.id}:{inv.region_code}", after=data.model_dump(mode="json"))


async def self_assessment(session: AsyncSession, round_id: int, region: str) -> schemas.SelfAssessment:
    rows = (await session.scalars(select(SelfAssessment).where(
        SelfAssessment.round_id == round_id, SelfAssessment.region_code == region)
        .order_by(SelfAssessment.component_key))).all()
    return schemas.SelfAssessment(region_code=region, items=[schemas.SelfItem(
        component_key=r.component_key, value=r.value, evidence_links=r.evidence_links,
        verified_value=r.verified_value) for r in rows])


async def verify_self_item(session: AsyncSession, round_: Round, region: str, data: schemas.VerifyIn,
                           actor: Principal) -> None:
    refuse_if_frozen(round_)
    row = await session.scalar(select(SelfAssessment).where(
        SelfAssessment.round_id == round_.id, SelfAssessment.region_code == region,
        SelfAssessment.component_key == data.component_key))
    if row is None:
        raise NotFound(f"{region} has not declared {data.component_key}")
    before = {"verified_value": row.verified_value}
    row.verified_value = data.verified_value
    await session.flush()
    audit(session, records, actor=actor, action="self_assessment.verify", entity="self_assessment",
          entity_id=f"{round_.id}:{region}:{data.component_key}", before=before,
          after={"verified_value": data.verified_value})


# Results ----------------------------------------------------------------------------------------

async def _blocked_pairs(session: AsyncSession, round_id: int,
                         regions: list[Invitation]) -> dict[tuple[int, str], list[str]]:
    """(assessor, region) pairs of this round's panels that a conflict rule blocks, with the reasons."""
    codes = [r.region_code for r in regions]
    assessors = list((await session.scalars(select(Assessor).join(
        PanelMember, PanelMember.assessor_id == Assessor.id).join(
        AssessmentSession, AssessmentSession.id == PanelMember.session_id).where(
        AssessmentSession.round_id == round_id).distinct())).all())
    clashes = await conflicts_between(session, round_id, assessors, regions) if assessors and codes else []
    return {(c["assessor_id"], c["region_code"]): c["reasons"] for c in clashes}


async def scores_owed(session: AsyncSession, round_: Round) -> list[dict[str, Any]]:
    """Who still owes submitted panel scores for which attending region (withdrawn regions owe nothing)."""
    attending = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.attended.is_(True), Invitation.status != "withdrawn")
        .order_by(Invitation.region_code))).all())
    panels = (await session.execute(select(SessionRegion.region_code, Assessor.id, Assessor.name).join(
        PanelMember, PanelMember.session_id == SessionRegion.session_id).join(
        Assessor, Assessor.id == PanelMember.assessor_id).where(SessionRegion.round_id == round_.id))).all()
    members: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for code, assessor_id, name in panels:
        members[code].append((assessor_id, name))
    submitted = set((await session.execute(select(Submission.assessor_id, Submission.region_code).where(
        Submission.round_id == round_.id))).all())
    blocked = await _blocked_pairs(session, round_.id, attending)
    owed = []
    for inv in attending:
        if not members[inv.region_code]:
            owed.append({"region_code": inv.region_code, "region_name": inv.region_name, "assessor_id": None,
                         "assessor": None, "owes": "no panel heard this region"})
        for assessor_id, name in sorted(members[inv.region_code]):
            if (assessor_id, inv.region_code) not in submitted and (assessor_id, inv.region_code) not in blocked:
                owed.append({"region_code": inv.region_code, "region_name": inv.region_name,
                             "assessor_id": assessor_id, "assessor": name, "owes": "submitted panel scores"})
    return owed


async def snapshot_indicators(session: AsyncSession, round_: Round, registry: Upstream) -> None:
    rubric = await get_rubric(session, round_.rubric_id)
    codes = sorted({c.indicator_code for c in rubric.components if c.kind == "indicator" and c.indicator_code})
    await session.execute(delete(IndicatorInput).where(IndicatorInput.round_id == round_.id))
    invited = set((await session.scalars(select(Invitation.region_code).where(
        Invitation.round_id == round_.id))).all())
    for code in codes:
        values = await indicator_values(registry, code, round_.year)
        session.add_all([IndicatorInput(round_id=round_.id, indicator_code=code, region_code=r, value=v)
                         for r, v in values.items() if r in invited])
    # Components that defer to the registry's definition take it now, so recomputation never asks again.
    deferring = sorted({c.indicator_code for c in rubric.components if c.kind == "indicator" and c.indicator_code
                        and (c.normalisation or {}).get("from_indicator")})
    rules = {}
    for code in deferring:
        rules[code] = scoring.rule_from_definition(await registry.call("GET", f"/api/v1/regions/indicators/{code}"))
    round_.indicator_rules = rules
    await session.flush()


async def gather_inputs(session: AsyncSession, round_: Round) -> dict[str, Any]:
    """Everything a result depends on, as plain data: what the hash covers and recomputation uses."""
    rubric = await get_rubric(session, round_.rubric_id)
    attended = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.attended.is_(True), Invitation.status != "withdrawn")
        .order_by(Invitation.region_code))).all())
    blocked = await _blocked_pairs(session, round_.id, attended)
    # Plain rows, not ORM objects: a national round has tens of thousands of scores.
    score_rows = await session.execute(
        select(Score.region_code, Score.component_key, Score.assessor_id,
               func.coalesce(Score.moderated_value, Score.value))
        .join(Submission, and_(Submission.round_id == Score.round_id, Submission.assessor_id == Score.assessor_id,
                               Submission.region_code == Score.region_code))
        .where(Score.round_id == round_.id)
        .order_by(Score.region_code, Score.component_key, Score.assessor_id))
    scores, aside = [], set()
    for region, key, assessor, value in score_rows:
        if (assessor, region) in blocked:  # submitted, then a conflict came to light: kept, not counted
            aside.add((region, assessor))
        else:
            scores.append([region, key, assessor, str(value)])
    set_aside = [[region, assessor, "; ".join(blocked[(assessor, region)])] for region, assessor in sorted(aside)]
    selfs = [[s.region_code, s.component_key, str(s.verified_value if s.verified_value is not None else s.value)]
             for s in (await session.scalars(select(SelfAssessment).where(
                 SelfAssessment.round_id == round_.id).order_by(SelfAssessment.region_code,
                                                                SelfAssessment.component_key))).all()]
    indicators = [[i.indicator_code, i.region_code, i.value] for i in (await session.scalars(
        select(IndicatorInput).where(IndicatorInput.round_id == round_.id).order_by(
            IndicatorInput.indicator_code, IndicatorInput.region_code))).all()]
    return {
        "round": {"id": round_.id, "year": round_.year, "quota": round_.quota, "aggregation": round_.aggregation,
                  "disagreement_threshold": str(round_.disagreement_threshold),
                  "equity_rules": round_.equity_rules},
        "rubric": {"id": rubric.id, "code": rubric.code, "version": rubric.version,
                   "components": [schemas.Component.model_validate(c).model_dump(mode="json")
                                  for c in rubric.components]},
        "candidates": [[i.region_code, i.region_name, i.province_code, i.island_group] for i in attended],
        "scores": scores, "self": selfs, "indicators": indicators,
        "indicator_rules": round_.indicator_rules or {}, "set_aside": set_aside,
    }


def compute(inputs: dict[str, Any]) -> tuple[list[schemas.RegionResult], float | None]:
    """Pure: the same inputs always give the same results (and so the same hash)."""
    rules = inputs.get("indicator_rules") or {}

    def normalisation(c: dict[str, Any]) -> Any:
        if (c["normalisation"] or {}).get("from_indicator"):
            return rules.get(c["indicator_code"]) or c["normalisation"]
        return c["normalisation"]

    components = [scoring.Component(
        key=c["key"], parent_key=c["parent_key"], name=c["name"], kind=c["kind"], weight=float(c["weight"]),
        scale_min=float(c["scale_min"]) if c["scale_min"] is not None else None,
        scale_max=float(c["scale_max"]) if c["scale_max"] is not None else None,
        indicator_code=c["indicator_code"], normalisation=normalisation(c)) for c in inputs["rubric"]["components"]]
    set_aside: dict[str, list[int]] = defaultdict(list)
    for region, assessor, _reason in inputs.get("set_aside", []):
        set_aside[region].append(assessor)
    candidates = {c[0]: scoring.Candidate(*c) for c in inputs["candidates"]}
    panel: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    by_unit: dict[tuple[str, str], list[float]] = defaultdict(list)
    comp_by_key = {c.key: c for c in components}
    for region, key, _assessor, value in inputs["scores"]:
        panel[region][key].append(float(value))
        by_unit[(region, key)].append(scoring.normalise_scale(comp_by_key[key], float(value)))
    units = list(by_unit.values())
    selfs: dict[str, dict[str, float]] = defaultdict(dict)
    for region, key, value in inputs["self"]:
        selfs[region][key] = float(value)
    indicators: dict[str, dict[str, str]] = defaultdict(dict)
    for code, region, value in inputs["indicators"]:
        indicators[region][code] = value
    round_ = inputs["round"]
    threshold = float(round_["disagreement_threshold"])
    assessed = [scoring.score_region(code, components, panel[code], selfs[code], indicators[code],
                                     how=round_["aggregation"], threshold=threshold)
                for code in candidates if code in panel]
    ranked = scoring.rank(assessed)
    decisions = scoring.select(ranked, candidates, round_["quota"], round_["equity_rules"])
    results = []
    for position, s in enumerate(ranked, start=1):
        c, d = candidates[s.region_code], decisions[s.region_code]
        results.append(schemas.RegionResult(
            region_code=c.region_code, region_name=c.region_name, province_code=c.province_code,
            island_group=c.island_group, rank=position, total=s.total, components=s.components,
            flagged_for_moderation=s.flagged, selected=d.selected, rule=d.rule, pushed=d.pushed,
            missing=[schemas.MissingComponent(component_key=k, reason=why, rule=scoring.MISSING_RULE)
                     for k, why in s.missing.items()], set_aside=set_aside[s.region_code]))
    for code, c in candidates.items():
        if code not in panel:
            results.append(schemas.RegionResult(
                region_code=code, region_name=c.region_name, province_code=c.province_code,
                island_group=c.island_group, rank=None, total=None, components={}, flagged_for_moderation=False,
                selected=False, rule="not selected: no submitted panel scores", pushed=None,
                set_aside=set_aside[code]))
    alpha = scoring.krippendorff_alpha_interval(units)
    return results, round(alpha, 6) if alpha is not None else None


def hash_of(inputs: dict[str, Any], results: list[schemas.RegionResult]) -> str:
    return scoring.content_hash({"inputs": inputs, "results": [r.model_dump(mode="json") for r in results]})


async def freeze_results(session: AsyncSession, round_: Round) -> None:
    inputs = await gather_inputs(session, round_)
    results, alpha = compute(inputs)
    await session.execute(delete(Result).where(Result.round_id == round_.id))
    session.add_all([Result(round_id=round_.id, region_code=r.region_code, rank=r.rank,
                            total=Decimal(str(r.total)) if r.total is not None else None, selected=r.selected,
                            rule=r.rule, explanation=r.model_dump(mode="json")) for r in results])
    round_.result_hash = hash_of(inputs, results)
    round_.agreement_alpha = alpha
    round_.finalised_at = clock.now()
    await session.flush()


async def results(session: AsyncSession, round_: Round) -> schemas.Results:
    rubric = await get_rubric(session, round_.rubric_id)
    frozen = round_.state in ("finalised", "published")
    if frozen:  # the stored result: nothing is recomputed
        rows = (await session.scalars(select(Result).where(Result.round_id == round_.id))).all()
        items = sorted((schemas.RegionResult.model_validate(r.explanation) for r in rows),
                       key=lambda r: (r.rank is None, r.rank or 0, r.region_code))
        alpha = float(round_.agreement_alpha) if round_.agreement_alpha is not None else None
    else:
        items, alpha = compute(await gather_inputs(session, round_))
    return schemas.Results(round_id=round_.id, state=round_.state, rubric_id=rubric.id, rubric_code=rubric.code,
                           rubric_version=rubric.version, frozen=frozen, result_hash=round_.result_hash,
                           agreement_alpha=alpha, selected_count=sum(1 for r in items if r.selected), items=items)


async def verify(session: AsyncSession, round_: Round) -> schemas.Verification:
    inputs = await gather_inputs(session, round_)
    recomputed, _ = compute(inputs)
    digest = hash_of(inputs, recomputed)
    return schemas.Verification(stored_hash=round_.result_hash, recomputed_hash=digest,
                                equal=digest == round_.result_hash)
