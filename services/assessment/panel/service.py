"""Panels: assessors, their conflicts of interest, mentorships, and the sessions where panels hear regions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import AlreadyExists, Forbidden, NotFound, Unprocessable
from services.common.records import audit
from services.common.roles import Role

from ..exceptions import (
    AssessorOnAnotherPanel,
    AssignmentInfeasible,
    ConflictOfInterest,
    InvitationNotAccepted,
    RegionInAnotherSession,
    ScoringStarted,
    SessionOutsideRound,
)
from ..models import (
    Assessor,
    ConflictDeclaration,
    ConflictOverride,
    Hearing,
    Invitation,
    Mentorship,
    PanelMember,
    Round,
    Score,
    SessionRegion,
    Submission,
    records,
)
from . import assignment, schemas


def assessors() -> Select[Any]:
    return select(Assessor).order_by(Assessor.name, Assessor.id)


async def create_assessor(session: AsyncSession, data: schemas.AssessorIn, actor: Principal) -> Assessor:
    if await session.scalar(select(Assessor.id).where(Assessor.user_sub == data.user_sub)):
        raise AlreadyExists(f"{data.user_sub} is already an assessor")
    assessor = Assessor(**data.model_dump())
    session.add(assessor)
    await session.flush()
    audit(session, records, actor=actor, action="assessor.create", entity="assessor", entity_id=assessor.id,
          after=data)
    return assessor


async def create_mentorship(session: AsyncSession, data: schemas.MentorshipIn, actor: Principal) -> Mentorship:
    if await session.scalar(select(Mentorship.id).where(Mentorship.institution == data.institution,
                                                        Mentorship.region_code == data.region_code)):
        raise AlreadyExists("That mentorship is recorded already")
    row = Mentorship(**data.model_dump())
    session.add(row)
    await session.flush()
    audit(session, records, actor=actor, action="mentorship.create", entity="mentorship",
          entity_id=f"{data.institution}:{data.region_code}", after=data)
    return row


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
        raise AlreadyExists("That conflict of interest is declared already")
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


def within_round(round_: Round, starts_at: datetime, ends_at: datetime) -> bool:
    # Dates as the caller wrote them (in their own offset): the day the panel sits.
    return round_.starts_on <= starts_at.date() and ends_at.date() <= round_.ends_on


async def _check_session(session: AsyncSession, round_: Round, data: schemas.SessionIn, actor: Principal,
                         *, hearing_id: int | None = None) -> None:
    """Every rule a session must meet; `hearing_id` is the session being edited, which clashes with nothing."""
    if not within_round(round_, data.starts_at, data.ends_at):
        raise SessionOutsideRound(
            f"Round {round_.id} runs {round_.starts_on} to {round_.ends_on}; a session from "
            f"{data.starts_at.date()} to {data.ends_at.date()} lies outside it (change the round's dates first)",
            extra={"starts_on": round_.starts_on.isoformat(), "ends_on": round_.ends_on.isoformat()})
    assessors = list((await session.scalars(select(Assessor).where(Assessor.id.in_(data.assessor_ids)))).all())
    unknown = set(data.assessor_ids) - {a.id for a in assessors}
    if unknown:
        raise Unprocessable.field("assessor_ids", "unknown", f"Unknown assessors: {sorted(unknown)}")
    invitations = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.region_code.in_(data.region_codes)))).all())
    by_code = {i.region_code: i for i in invitations}
    not_ready = [c for c in data.region_codes if c not in by_code or by_code[c].status != "accepted"]
    if not_ready:
        raise InvitationNotAccepted(f"Regions not invited or not accepted: {', '.join(not_ready)}",
                                    extra={"region_codes": not_ready})
    others = Hearing.id != (hearing_id or 0)
    # A region presents in one hearing per round.
    taken = (await session.execute(select(SessionRegion.region_code, Hearing.name).join(
        Hearing, Hearing.id == SessionRegion.session_id).where(
        SessionRegion.round_id == round_.id, SessionRegion.region_code.in_(data.region_codes), others))).all()
    if taken:
        raise RegionInAnotherSession("Regions already in another session: "
                                     + ", ".join(f"{c} ({name})" for c, name in taken),
                                     extra={"clashes": [{"region_code": c, "session": name} for c, name in taken]})
    # An assessor sits on one panel at a time, across all rounds.
    busy = (await session.execute(select(PanelMember.assessor_id, Hearing.name).join(
        Hearing, Hearing.id == PanelMember.session_id).where(
        PanelMember.assessor_id.in_(data.assessor_ids), Hearing.starts_at < data.ends_at,
        Hearing.ends_at > data.starts_at, others))).all()
    if busy:
        raise AssessorOnAnotherPanel("Assessors already on a panel at that time: "
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


def _seat(session: AsyncSession, round_: Round, hearing: Hearing, data: schemas.SessionIn) -> None:
    session.add_all([PanelMember(session_id=hearing.id, assessor_id=a) for a in data.assessor_ids])
    session.add_all([SessionRegion(session_id=hearing.id, region_code=c, round_id=round_.id)
                     for c in data.region_codes])


async def create_session(session: AsyncSession, round_: Round, data: schemas.SessionIn,
                         actor: Principal) -> Hearing:
    round_.require("inviting", "assessing")
    await _check_session(session, round_, data, actor)
    hearing = Hearing(round_id=round_.id, name=data.name, venue=data.venue, starts_at=data.starts_at,
                             ends_at=data.ends_at)
    session.add(hearing)
    await session.flush()
    _seat(session, round_, hearing, data)
    await session.flush()
    audit(session, records, actor=actor, action="session.create", entity="session", entity_id=hearing.id,
          after=data.model_dump(mode="json"))
    return hearing


async def get_session(session: AsyncSession, round_: Round, session_id: int) -> Hearing:
    hearing = await session.get(Hearing, session_id)
    if hearing is None or hearing.round_id != round_.id:
        raise NotFound(f"Round {round_.id} has no session {session_id}")
    return hearing


async def _refuse_if_scoring_started(session: AsyncSession, hearing: Hearing) -> None:
    started = await session.scalar(select(exists().where(
        Score.round_id == hearing.round_id,
        Score.region_code.in_(select(SessionRegion.region_code).where(SessionRegion.session_id == hearing.id)),
        Score.assessor_id.in_(select(PanelMember.assessor_id).where(PanelMember.session_id == hearing.id)))))
    if started:
        raise ScoringStarted(f"Scores were saved on session {hearing.name}; it can no longer change")


async def update_session(session: AsyncSession, round_: Round, hearing: Hearing, patch: schemas.SessionPatch,
                         actor: Principal) -> Hearing:
    round_.require("inviting", "assessing")
    await _refuse_if_scoring_started(session, hearing)
    before = await session_out(session, hearing)
    merged = before.model_dump(exclude={"id"}) | {"overrides": []} | patch.model_dump(exclude_unset=True)
    try:
        data = schemas.SessionIn.model_validate(merged)
    except ValueError as exc:
        raise Unprocessable(f"The edited session is invalid: {exc}") from None
    await _check_session(session, round_, data, actor, hearing_id=hearing.id)
    await session.execute(delete(PanelMember).where(PanelMember.session_id == hearing.id))
    await session.execute(delete(SessionRegion).where(SessionRegion.session_id == hearing.id))
    hearing.name, hearing.venue = data.name, data.venue
    hearing.starts_at, hearing.ends_at = data.starts_at, data.ends_at
    _seat(session, round_, hearing, data)
    await session.flush()
    audit(session, records, actor=actor, action="session.update", entity="session", entity_id=hearing.id,
          before=before, after=data.model_dump(mode="json"))
    return hearing


async def cancel_session(session: AsyncSession, round_: Round, hearing: Hearing, actor: Principal) -> None:
    round_.refuse_if_frozen()
    await _refuse_if_scoring_started(session, hearing)
    before = await session_out(session, hearing)
    await session.delete(hearing)
    await session.flush()
    audit(session, records, actor=actor, action="session.cancel", entity="session", entity_id=hearing.id, before=before)


async def sessions_out(session: AsyncSession, hearings: Sequence[Hearing]) -> list[schemas.Session]:
    """Sessions with their panels and regions: two queries however many sessions."""
    ids = [s.id for s in hearings]
    members: dict[int, list[int]] = defaultdict(list)
    for sid, assessor_id in (await session.execute(select(PanelMember.session_id, PanelMember.assessor_id).where(
            PanelMember.session_id.in_(ids)).order_by(PanelMember.assessor_id))).all():
        members[sid].append(assessor_id)
    heard: dict[int, list[str]] = defaultdict(list)
    for sid, code in (await session.execute(select(SessionRegion.session_id, SessionRegion.region_code).where(
            SessionRegion.session_id.in_(ids)).order_by(SessionRegion.region_code))).all():
        heard[sid].append(code)
    return [schemas.Session(id=s.id, name=s.name, venue=s.venue, starts_at=s.starts_at, ends_at=s.ends_at,
                            assessor_ids=members[s.id], region_codes=heard[s.id]) for s in hearings]


async def session_out(session: AsyncSession, hearing: Hearing) -> schemas.Session:
    return (await sessions_out(session, [hearing]))[0]



async def assigned_regions(session: AsyncSession, round_id: int, assessor_id: int) -> list[str]:
    return list((await session.scalars(select(SessionRegion.region_code).join(
        PanelMember, PanelMember.session_id == SessionRegion.session_id).where(
        SessionRegion.round_id == round_id, PanelMember.assessor_id == assessor_id)
        .order_by(SessionRegion.region_code))).all())


async def is_assigned(session: AsyncSession, round_id: int, assessor_id: int, region: str) -> bool:
    """Whether one of the assessor's panels hears the region: one row looked up, not every assignment."""
    return bool(await session.scalar(select(exists().where(
        SessionRegion.round_id == round_id, SessionRegion.region_code == region,
        SessionRegion.session_id.in_(select(PanelMember.session_id).where(PanelMember.assessor_id == assessor_id))))))


def sessions(round_: Round) -> Select[Any]:
    return (select(Hearing).where(Hearing.round_id == round_.id)
            .order_by(Hearing.starts_at, Hearing.id))


async def propose_panels(session: AsyncSession, round_: Round, data: schemas.ProposalIn) -> schemas.PanelProposal:
    """Panels and their regions for every accepted region without a session, by solver (panel/assignment.py)."""
    round_.require("inviting", "assessing")
    outside = [s.name for s in data.slots if not within_round(round_, s.starts_at, s.ends_at)]
    if outside:
        raise SessionOutsideRound(f"Slots {', '.join(outside)} lie outside the round's dates ({round_.starts_on} to "
                                  f"{round_.ends_on})", extra={"sessions": outside})
    wanted = [a.assessor_id for a in data.assessors]
    found = {a.id: a for a in (await session.scalars(select(Assessor).where(Assessor.id.in_(wanted)))).all()}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise Unprocessable.field("assessors", "unknown", f"Unknown assessors: {unknown}")
    scheduled = select(SessionRegion.region_code).where(SessionRegion.round_id == round_.id)
    waiting = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.status == "accepted", Invitation.region_code.not_in(scheduled))
        .order_by(Invitation.region_code))).all())
    if not waiting:
        raise AssignmentInfeasible(f"Round {round_.id} has no accepted region waiting for a session",
                                   extra={"breaches": []})
    assessors = [found[a] for a in wanted]
    members = [assignment.Member(a.id, a.name, a.institution, a.home_province, given.capacity)
               for a, given in zip(assessors, data.assessors, strict=True)]
    sitting = await _sittings(session, wanted, data.slots)
    slots = [assignment.Slot(s.name, s.venue, s.starts_at, s.ends_at, s.capacity, frozenset(
        a for a, starts, ends in sitting if starts < s.ends_at and ends > s.starts_at)) for s in data.slots]
    clashes = {(c["assessor_id"], c["region_code"]): c["reasons"]
               for c in await conflicts_between(session, round_.id, assessors, waiting)}
    regions = [assignment.Region(i.region_code, i.region_name, i.province_code) for i in waiting]
    try:
        proposal = assignment.propose(regions, members, slots, assignment.Rules(**data.rules.model_dump()), clashes,
                                      data.seed)
    except assignment.Infeasible as exc:
        raise AssignmentInfeasible(f"No assignment meets these rules: {', '.join(b.rule for b in exc.breaches)}",
                                   extra={"breaches": [
            {"rule": b.rule, "detail": b.detail, "regions": b.regions, "assessors": b.assessors}
            for b in exc.breaches]}) from None
    return _proposal_out(data, proposal, regions, members)


async def _sittings(session: AsyncSession, ids: list[int],
                    slots: list[schemas.SlotIn]) -> list[tuple[int, datetime, datetime]]:
    """The panels (of any round) the assessors already sit on within the slots' span, read once: (assessor,
    start, end)."""
    rows = await session.execute(select(PanelMember.assessor_id, Hearing.starts_at, Hearing.ends_at).join(
        Hearing, Hearing.id == PanelMember.session_id).where(
        PanelMember.assessor_id.in_(ids), Hearing.starts_at < max(s.ends_at for s in slots),
        Hearing.ends_at > min(s.starts_at for s in slots)))
    return [(a, starts, ends) for a, starts, ends in rows.all()]


def _proposal_out(data: schemas.ProposalIn, proposal: assignment.Proposal, regions: list[assignment.Region],
                  members: list[assignment.Member]) -> schemas.PanelProposal:
    by_id = {m.id: m for m in members}
    name = {r.code: r.name for r in regions}
    sessions, placements = [], []
    for s, codes in sorted(proposal.regions.items()):
        slot, panel = data.slots[s], proposal.panels[s]
        sessions.append(schemas.SessionBody(name=slot.name, venue=slot.venue, starts_at=slot.starts_at,
                                                ends_at=slot.ends_at, assessor_ids=panel, region_codes=codes))
        institutions = sorted({by_id[a].institution for a in panel})
        for code in codes:
            placements.append(schemas.Placement(
                region_code=code, region_name=name[code], session=slot.name, assessor_ids=panel,
                institutions=institutions,
                why=f"{len(panel)} assessors from {len(institutions)} institutions ({', '.join(institutions)}; at "
                    f"least {data.rules.min_institutions} required); none from province {code[:2]}, with a declared "
                    f"conflict or from a mentoring institution, unless an officer allowed it; {len(codes)} of "
                    f"{slot.capacity} places in {slot.name}"))
    seats = {m.id: sum(1 for panel in proposal.panels.values() if m.id in panel) for m in members}
    return schemas.PanelProposal(
        seed=data.seed, rules=data.rules, sessions=sessions, regions=sorted(placements, key=lambda p: p.region_code),
        workload=[schemas.Workload(assessor_id=m.id, institution=m.institution, sessions=seats[m.id],
                                   regions=proposal.load[m.id], capacity=m.capacity) for m in members])
