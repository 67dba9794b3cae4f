"""Masterplan versions: drafted by the region, reviewed and approved by Kominfo, revised as new versions."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, get_in_scope, require_scope, scope_to_region
from services.common.errors import IllegalTransition, Unprocessable
from services.common.records import audit, emit
from services.common.upstream import Upstream

from ..consumer import flag_for_reconfirmation, head_reason
from ..exceptions import (
    MasterplanExists,
    MasterplanNotApproved,
    MasterplanNotInReview,
    MasterplanWithoutProgrammes,
    NoMou,
    NotFlagged,
    RevisionOpen,
)
from ..models import Masterplan, Mou, Programme, ReviewComment, records
from ..programme import schemas as programme_schemas
from ..programme.service import programmes_of
from . import schemas

OPEN_STATES = ("draft", "submitted", "in_review")
CONTENT_FIELDS = ("dimension_code", "element_code", "title", "description", "opd", "start_year", "end_year",
                  "quick_win", "budget")


async def get_masterplan(session: AsyncSession, masterplan_id: int, principal: Principal | None,
                         *, lock: bool = False) -> Masterplan:
    return await get_in_scope(session, Masterplan, masterplan_id, principal, label="Masterplan", lock=lock)


async def create_masterplan(session: AsyncSession, data: schemas.MasterplanIn, actor: Principal) -> Masterplan:
    require_scope(actor, data.region_code)
    mou = await session.scalar(select(Mou).where(or_(Mou.region_code == data.region_code,
                                                     Mou.region_code_today == data.region_code))
                               .order_by(Mou.cohort_year.desc()).limit(1))
    if mou is None:
        raise NoMou(f"Region {data.region_code} has no MoU; a masterplan follows the MoU")
    existing = await session.scalar(select(func.max(Masterplan.version)).where(
        Masterplan.region_code_today == mou.region_code_today))
    if existing:
        raise MasterplanExists(f"Region {data.region_code} already has a masterplan; revise it instead",
                       extra={"latest_version": existing})
    plan = Masterplan(region_code=data.region_code, region_code_today=mou.region_code_today, mou_id=mou.id,
                      cohort_year=mou.cohort_year, version=1,
                      start_year=data.start_year, end_year=data.end_year, vision=data.vision,
                      partners=[p.model_dump(mode="json") for p in data.partners],
                      readiness=data.readiness.model_dump(mode="json") if data.readiness else {},
                      created_by=actor.sub)
    session.add(plan)
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.create", entity="masterplan", entity_id=plan.id,
          after=schemas.Masterplan.model_validate(plan))
    return plan


async def update_masterplan(session: AsyncSession, plan: Masterplan, patch: schemas.MasterplanPatch,
                            actor: Principal) -> Masterplan:
    plan.require_draft()
    before = schemas.Masterplan.model_validate(plan)
    changes = patch.model_dump(exclude_unset=True, mode="json")
    for field, value in changes.items():
        setattr(plan, field, value)
    if not 5 <= plan.end_year - plan.start_year + 1 <= 10:
        raise Unprocessable.field("end_year", "horizon 5-10 years", "a masterplan covers 5 to 10 years")
    outside = [p.key for p in await programmes_of(session, plan.id)
               if p.start_year < plan.start_year or p.end_year > plan.end_year]
    if outside:
        raise Unprocessable.field("end_year", "programmes outside the horizon",
                                  f"Programmes {', '.join(outside)} would fall outside the horizon")
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.update", entity="masterplan", entity_id=plan.id,
          before=before, after=schemas.Masterplan.model_validate(plan))
    return plan


# The moves a masterplan may make; who may make each is the endpoint's gate (auth.TRANSITION_ROLES).
ALLOWED = {("draft", "submitted"), ("submitted", "in_review"), ("in_review", "draft"), ("in_review", "approved")}


async def transition(session: AsyncSession, plan: Masterplan, data: schemas.TransitionIn, registry: Upstream,
                     actor: Principal) -> Masterplan:
    to = data.to.value
    if (plan.state, to) not in ALLOWED:
        allowed = sorted(b for (a, b) in ALLOWED if a == plan.state)
        raise IllegalTransition(f"A {plan.state} masterplan cannot become {to}", extra={"state": plan.state,
                                                                              "allowed": allowed})
    if to == "submitted" and not await programmes_of(session, plan.id):
        raise MasterplanWithoutProgrammes("A masterplan needs programmes before it is submitted")
    before = plan.state
    if to == "approved":
        assert data.legal_basis is not None  # TransitionIn requires it to approve
        previous = (await session.scalars(select(Masterplan).where(
            Masterplan.region_code_today == plan.region_code_today, Masterplan.state == "approved"))).all()
        for old in previous:
            old.state = "superseded"
            audit(session, records, actor=actor, action="masterplan.supersede", entity="masterplan",
                  entity_id=old.id, before={"state": "approved"}, after={"state": "superseded"})
        plan.legal_basis = data.legal_basis.model_dump(mode="json")
        plan.approved_on = data.legal_basis.date
        plan.approval_recorded_at = clock.now()
    plan.state = to
    await session.flush()
    if to == "approved":
        assert plan.approved_on is not None
        emit(session, records, "masterplan.approved", plan.region_code,
             {"masterplan_id": plan.id, "region_code": plan.region_code, "version": plan.version,
              "start_year": plan.start_year, "end_year": plan.end_year, "legal_basis": plan.legal_basis,
              "approved_on": plan.approved_on.isoformat()})
    audit(session, records, actor=actor, action="masterplan.transition", entity="masterplan", entity_id=plan.id,
          before={"state": before}, after={"state": to, "legal_basis": plan.legal_basis})
    if to == "approved" and data.legal_basis is not None:
        # History is entered in any order: a head who took office after this approval may already be registered.
        heads = (await registry.call("GET", f"/api/v1/regions/{plan.region_code_today}/heads",
                                     params={"limit": 200}))["items"]
        approved_on = data.legal_basis.date
        later = [h for h in heads if date.fromisoformat(h["start_date"]) > approved_on]
        if later:
            head = min(later, key=lambda h: h["start_date"])
            await flag_for_reconfirmation(session, plan.region_code_today, date.fromisoformat(head["start_date"]),
                                          head_reason(head, f"head term {head['id']}"), actor=actor.sub)
    return plan


async def add_comment(session: AsyncSession, plan: Masterplan, body: str, actor: Principal) -> ReviewComment:
    if plan.state != "in_review":
        raise MasterplanNotInReview("Review comments are made while the masterplan is in review")
    comment = ReviewComment(masterplan_id=plan.id, author=actor.name or actor.sub, body=body)
    session.add(comment)
    await session.flush()
    return comment


async def revise(session: AsyncSession, plan: Masterplan, data: schemas.RevisionIn, actor: Principal) -> Masterplan:
    reason = data.reason
    if plan.state != "approved":
        raise MasterplanNotApproved("Only the approved version is revised", extra={"state": plan.state})
    if await session.scalar(select(Masterplan.id).where(Masterplan.region_code_today == plan.region_code_today,
                                                        Masterplan.state.in_(OPEN_STATES))):
        raise RevisionOpen("A revision of this masterplan is already open")
    latest = await session.scalar(select(func.max(Masterplan.version)).where(
        Masterplan.region_code_today == plan.region_code_today))
    revised_on = data.decided_on or clock.today()
    draft = Masterplan(region_code=plan.region_code, region_code_today=plan.region_code_today, mou_id=plan.mou_id,
                       cohort_year=plan.cohort_year,
                       version=(latest or 0) + 1, start_year=plan.start_year, end_year=plan.end_year,
                       vision=plan.vision, partners=plan.partners, readiness=plan.readiness, revision_reason=reason,
                       revised_on=revised_on, created_by=actor.sub)
    session.add(draft)
    await session.flush()
    for p in await programmes_of(session, plan.id):
        session.add(Programme(masterplan_id=draft.id, key=p.key, alignment=list(p.alignment),
                              **{f: getattr(p, f) for f in CONTENT_FIELDS}))
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.revise", entity="masterplan", entity_id=draft.id,
          after={"from_version": plan.version, "version": draft.version,
                 "revised_on": revised_on.isoformat()}, reason=reason)
    return draft


async def diff(session: AsyncSession, old: Masterplan, new: Masterplan) -> schemas.Diff:
    if old.region_code != new.region_code:
        raise Unprocessable("Compare two versions of the same region's masterplan")
    before = {p.key: p for p in await programmes_of(session, old.id)}
    after = {p.key: p for p in await programmes_of(session, new.id)}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        changes = [schemas.FieldChange(field=f, before=getattr(before[key], f), after=getattr(after[key], f))
                   for f in CONTENT_FIELDS if getattr(before[key], f) != getattr(after[key], f)]
        if changes:
            changed.append(schemas.ProgrammeChange(key=key, title=after[key].title, changes=changes))
    return schemas.Diff(
        from_version=old.version, to_version=new.version,
        added=[programme_schemas.Programme.model_validate(after[k]) for k in sorted(after.keys() - before.keys())],
        removed=[programme_schemas.Programme.model_validate(before[k]) for k in sorted(before.keys() - after.keys())],
        changed=changed)


async def reconfirm(session: AsyncSession, plan: Masterplan, data: schemas.ReconfirmIn,
                    actor: Principal) -> Masterplan:
    if plan.state != "approved" or not plan.needs_reconfirmation:
        raise NotFlagged("Only an approved masterplan flagged for reconfirmation is reconfirmed")
    reconfirmed_on = data.reconfirmed_on or clock.today()
    assert plan.approved_on is not None
    if reconfirmed_on < plan.approved_on:
        raise Unprocessable.field("reconfirmed_on", "before the approval",
                                  f"Reconfirmed on {reconfirmed_on}, before the approval on {plan.approved_on}")
    reason = plan.reconfirmation_reason
    plan.needs_reconfirmation, plan.reconfirmation_reason = False, None
    plan.reconfirmation_note, plan.reconfirmed_on, plan.reconfirmation_recorded_at = (
        data.note, reconfirmed_on, clock.now())
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.reconfirm", entity="masterplan", entity_id=plan.id,
          before={"needs_reconfirmation": True, "reason": reason},
          after={"needs_reconfirmation": False, "reconfirmed_on": reconfirmed_on.isoformat()}, reason=data.note)
    emit(session, records, "masterplan.reconfirmed", plan.region_code,
         {"masterplan_id": plan.id, "note": data.note, "reconfirmed_on": reconfirmed_on.isoformat()})
    return plan


def listing(principal: Principal, region_code_today: str | None, state: str | None,
            needs_reconfirmation: bool | None) -> Select[Any]:
    stmt = scope_to_region(select(Masterplan), Masterplan.region_code_today, principal)
    if region_code_today:
        stmt = stmt.where(Masterplan.region_code_today == region_code_today)
    if state:
        stmt = stmt.where(Masterplan.state == state)
    if needs_reconfirmation is not None:
        stmt = stmt.where(Masterplan.needs_reconfirmation.is_(needs_reconfirmation))
    return stmt.order_by(Masterplan.region_code, Masterplan.version)


def comments(plan: Masterplan) -> Select[Any]:
    return select(ReviewComment).where(ReviewComment.masterplan_id == plan.id).order_by(ReviewComment.id)


async def detail(session: AsyncSession, plan: Masterplan) -> schemas.MasterplanDetail:
    programmes = [programme_schemas.Programme.model_validate(p) for p in await programmes_of(session, plan.id)]
    return schemas.MasterplanDetail(**schemas.Masterplan.model_validate(plan).model_dump(), programmes=programmes)
