"""Masterplan logic. Works inside the caller's transaction; never commits."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, Role
from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.common.events import Event
from services.common.records import audit, emit
from services.common.upstream import Upstream

from . import schemas
from .models import (
    Dimension,
    Element,
    Evaluation,
    EvaluationScheme,
    Masterplan,
    Mou,
    Programme,
    ProgressReport,
    ReviewComment,
    records,
)

OPEN_STATES = ("draft", "submitted", "in_review")
CONTENT_FIELDS = ("dimension_code", "element_code", "title", "description", "opd", "start_year", "end_year",
                  "quick_win", "budget")


def _errors(field: str, msg: str) -> list[dict[str, Any]]:
    return [{"loc": ["body", field], "msg": msg, "type": "value_error"}]


def check_region(principal: Principal, region_code: str) -> None:
    if not principal.may_see_region(region_code):
        raise NotFound(f"Region {region_code} is not in your scope")


def is_officer(principal: Principal) -> bool:
    return principal.has(Role.kominfo_admin, Role.kominfo_officer)


# MoU --------------------------------------------------------------------------------------------

async def create_mou(session: AsyncSession, data: schemas.MouIn, assessment: Upstream, actor: Principal) -> Mou:
    # Selection is the assessment service's published fact, not a flag typed here.
    selections = await assessment.call("GET", "/api/v1/assessment/selections",
                                       params={"region_code": data.region_code})
    if not selections:
        raise Conflict(f"Region {data.region_code} was not selected in any published round; no MoU can be signed",
                       extra={"region_code": data.region_code})
    selection = max(selections, key=lambda s: s["year"])
    if await session.scalar(select(Mou.id).where(Mou.region_code == data.region_code,
                                                 Mou.round_id == selection["round_id"])):
        raise Conflict(f"Region {data.region_code} already signed the MoU for round {selection['round_id']}")
    mou = Mou(region_code=data.region_code, region_name=selection["region_name"], round_id=selection["round_id"],
              cohort_year=selection["year"], signed_on=data.signed_on, place=data.place,
              signatories=[s.model_dump() for s in data.signatories], document_ref=data.document_ref,
              created_by=actor.sub)
    session.add(mou)
    await session.flush()
    out = schemas.Mou.model_validate(mou)
    audit(session, records, actor=actor, action="mou.create", entity="mou", entity_id=mou.id, after=out)
    emit(session, records, "mou.signed", mou.region_code, out)
    return mou


async def get_mou(session: AsyncSession, mou_id: int, principal: Principal, *, lock: bool = False) -> Mou:
    stmt = select(Mou).where(Mou.id == mou_id)
    if lock:
        stmt = stmt.with_for_update()
    mou = await session.scalar(stmt)
    if mou is None or not principal.may_see_region(mou.region_code):
        raise NotFound(f"MoU {mou_id} does not exist")
    return mou


async def amend_mou(session: AsyncSession, mou: Mou, data: schemas.MouAmendmentIn, actor: Principal) -> Mou:
    before = schemas.Mou.model_validate(mou)
    changes = data.model_dump(include={"signed_on", "place", "signatories", "document_ref"}, exclude_unset=True,
                              mode="json")
    if "signed_on" in changes:
        changes["signed_on"] = data.signed_on
    for field, value in changes.items():
        setattr(mou, field, value)
    mou.amended_on, mou.amendment_reason = data.amended_on or clock.today(), data.reason
    if mou.amended_on < mou.signed_on:
        raise Unprocessable(f"Amended on {mou.amended_on}, before the signing on {mou.signed_on}",
                            errors=_errors("amended_on", "before the signing"))
    await session.flush()
    out = schemas.Mou.model_validate(mou)
    audit(session, records, actor=actor, action="mou.amend", entity="mou", entity_id=mou.id, before=before,
          after=out, reason=data.reason)
    emit(session, records, "mou.amended", mou.region_code, out)
    return mou


# Masterplans ------------------------------------------------------------------------------------

async def get_masterplan(session: AsyncSession, masterplan_id: int, principal: Principal | None,
                         *, lock: bool = False) -> Masterplan:
    stmt = select(Masterplan).where(Masterplan.id == masterplan_id)
    if lock:
        stmt = stmt.with_for_update()
    plan = await session.scalar(stmt)
    if plan is None or (principal is not None and not principal.may_see_region(plan.region_code)):
        raise NotFound(f"Masterplan {masterplan_id} does not exist")
    return plan


def require_draft(plan: Masterplan) -> None:
    if plan.state != "draft":
        raise Conflict(f"Version {plan.version} is {plan.state}; only a draft can change"
                       + ("; start a revision instead" if plan.state == "approved" else ""),
                       extra={"state": plan.state})


async def programmes_of(session: AsyncSession, plan_id: int) -> list[Programme]:
    return list((await session.scalars(select(Programme).where(Programme.masterplan_id == plan_id)
                                       .order_by(Programme.key))).all())


async def create_masterplan(session: AsyncSession, data: schemas.MasterplanIn, actor: Principal) -> Masterplan:
    check_region(actor, data.region_code)
    mou = await session.scalar(select(Mou).where(Mou.region_code == data.region_code)
                               .order_by(Mou.cohort_year.desc()).limit(1))
    if mou is None:
        raise Conflict(f"Region {data.region_code} has no MoU; a masterplan follows the MoU")
    existing = await session.scalar(select(func.max(Masterplan.version)).where(
        Masterplan.region_code == data.region_code))
    if existing:
        raise Conflict(f"Region {data.region_code} already has a masterplan; revise it instead",
                       extra={"latest_version": existing})
    plan = Masterplan(region_code=data.region_code, mou_id=mou.id, cohort_year=mou.cohort_year, version=1,
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
    require_draft(plan)
    before = schemas.Masterplan.model_validate(plan)
    changes = patch.model_dump(exclude_unset=True, mode="json")
    for field, value in changes.items():
        setattr(plan, field, value)
    if not 5 <= plan.end_year - plan.start_year + 1 <= 10:
        raise Unprocessable("a masterplan covers 5 to 10 years", errors=_errors("end_year", "horizon 5-10 years"))
    outside = [p.key for p in await programmes_of(session, plan.id)
               if p.start_year < plan.start_year or p.end_year > plan.end_year]
    if outside:
        raise Unprocessable(f"Programmes {', '.join(outside)} would fall outside the horizon",
                            errors=_errors("end_year", "programmes outside the horizon"))
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.update", entity="masterplan", entity_id=plan.id,
          before=before, after=schemas.Masterplan.model_validate(plan))
    return plan


async def _check_programme(session: AsyncSession, plan: Masterplan, data: schemas.ProgrammeIn) -> None:
    if not (plan.start_year <= data.start_year and data.end_year <= plan.end_year):
        raise Unprocessable(f"Programme years {data.start_year}-{data.end_year} are outside the masterplan's "
                            f"{plan.start_year}-{plan.end_year}", errors=_errors("start_year", "outside the horizon"))
    if await session.get(Dimension, data.dimension_code) is None:
        raise Unprocessable(f"Unknown dimension {data.dimension_code}", errors=_errors("dimension_code", "unknown"))
    if data.element_code and await session.get(Element, (data.dimension_code, data.element_code)) is None:
        raise Unprocessable(f"{data.element_code} is not an element of {data.dimension_code}",
                            errors=_errors("element_code", "unknown for this dimension"))


def _touch(plan: Masterplan) -> None:
    """Programme edits change the masterplan: its ETag moves too."""
    plan.revision += 1


async def add_programme(session: AsyncSession, plan: Masterplan, data: schemas.ProgrammeIn,
                        actor: Principal) -> Programme:
    require_draft(plan)
    await _check_programme(session, plan, data)
    # Keys are never reused across the region's versions, so a removed programme stays removed in a diff.
    keys = (await session.scalars(select(Programme.key).join(Masterplan, Masterplan.id == Programme.masterplan_id)
                                  .where(Masterplan.region_code == plan.region_code))).all()
    number = max((int(k[1:]) for k in keys), default=0) + 1
    programme = Programme(masterplan_id=plan.id, key=f"P{number:03d}", **data.model_dump(mode="json"))
    session.add(programme)
    _touch(plan)
    await session.flush()
    audit(session, records, actor=actor, action="programme.create", entity="programme", entity_id=programme.id,
          after=schemas.Programme.model_validate(programme))
    return programme


async def get_programme(session: AsyncSession, plan: Masterplan, programme_id: int) -> Programme:
    programme = await session.get(Programme, programme_id)
    if programme is None or programme.masterplan_id != plan.id:
        raise NotFound(f"Masterplan {plan.id} has no programme {programme_id}")
    return programme


async def replace_programme(session: AsyncSession, plan: Masterplan, programme: Programme,
                            data: schemas.ProgrammeIn, actor: Principal) -> Programme:
    require_draft(plan)
    await _check_programme(session, plan, data)
    before = schemas.Programme.model_validate(programme)
    for field, value in data.model_dump(mode="json").items():
        setattr(programme, field, value)
    _touch(plan)
    await session.flush()
    audit(session, records, actor=actor, action="programme.update", entity="programme", entity_id=programme.id,
          before=before, after=schemas.Programme.model_validate(programme))
    return programme


async def delete_programme(session: AsyncSession, plan: Masterplan, programme: Programme, actor: Principal) -> None:
    require_draft(plan)
    before = schemas.Programme.model_validate(programme)
    await session.delete(programme)
    _touch(plan)
    await session.flush()
    audit(session, records, actor=actor, action="programme.delete", entity="programme", entity_id=before.id,
          before=before)


async def align_programme(session: AsyncSession, plan: Masterplan, programme: Programme, tags: list[str],
                          actor: Principal) -> Programme:
    """Alignment tags annotate a programme (Bappenas); they are not plan content, so approval does not lock them."""
    if plan.state == "superseded":
        raise Conflict("A superseded version is history; align the current one")
    before = list(programme.alignment)
    programme.alignment = tags
    await session.flush()
    audit(session, records, actor=actor, action="programme.align", entity="programme", entity_id=programme.id,
          before={"alignment": before}, after={"alignment": tags})
    return programme


ALLOWED = {
    ("draft", "submitted"): "region",
    ("submitted", "in_review"): "officer",
    ("in_review", "draft"): "officer",
    ("in_review", "approved"): "officer",
}


async def transition(session: AsyncSession, plan: Masterplan, data: schemas.TransitionIn, registry: Upstream,
                     actor: Principal) -> Masterplan:
    to = data.to.value
    who = ALLOWED.get((plan.state, to))
    if who is None:
        allowed = [b for (a, b) in ALLOWED if a == plan.state]
        raise Conflict(f"A {plan.state} masterplan cannot become {to}", extra={"state": plan.state,
                                                                              "allowed": allowed})
    if who == "officer" and not is_officer(actor):
        raise Forbidden("Kominfo reviews and approves masterplans")
    if who == "region" and not (is_officer(actor) or actor.has(Role.pemda)):
        raise Forbidden("The region submits its own masterplan")
    if to == "submitted" and not await programmes_of(session, plan.id):
        raise Conflict("A masterplan needs programmes before it is submitted")
    before = plan.state
    if to == "approved":
        if data.legal_basis is None:
            raise Unprocessable("Approval names its legal basis (Perbup/Perwali number and date)",
                                errors=_errors("legal_basis", "required to approve"))
        previous = (await session.scalars(select(Masterplan).where(
            Masterplan.region_code == plan.region_code, Masterplan.state == "approved"))).all()
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
        emit(session, records, "masterplan.approved", plan.region_code,
             {"masterplan_id": plan.id, "region_code": plan.region_code, "version": plan.version,
              "start_year": plan.start_year, "end_year": plan.end_year, "legal_basis": plan.legal_basis,
              "approved_on": plan.approved_on.isoformat()})
    audit(session, records, actor=actor, action="masterplan.transition", entity="masterplan", entity_id=plan.id,
          before={"state": before}, after={"state": to, "legal_basis": plan.legal_basis})
    if to == "approved":
        # History is entered in any order: a head who took office after this approval may already be registered.
        heads = await registry.call("GET", f"/api/v1/regions/{plan.region_code}/heads")
        later = [h for h in heads if date.fromisoformat(h["start_date"]) > plan.approved_on]
        if later:
            head = min(later, key=lambda h: h["start_date"])
            await flag_for_reconfirmation(session, plan.region_code, date.fromisoformat(head["start_date"]),
                                          _head_reason(head, f"head term {head['id']}"), actor=actor.sub)
    return plan


def _head_reason(head: dict[str, Any], source: str) -> str:
    return f"New {head['title']}: {head['head_name']} from {head['start_date']} ({source})"


async def add_comment(session: AsyncSession, plan: Masterplan, body: str, actor: Principal) -> ReviewComment:
    if plan.state != "in_review":
        raise Conflict("Review comments are made while the masterplan is in review")
    comment = ReviewComment(masterplan_id=plan.id, author=actor.name or actor.sub, body=body)
    session.add(comment)
    await session.flush()
    return comment


async def revise(session: AsyncSession, plan: Masterplan, data: schemas.RevisionIn, actor: Principal) -> Masterplan:
    reason = data.reason
    if plan.state != "approved":
        raise Conflict("Only the approved version is revised", extra={"state": plan.state})
    if await session.scalar(select(Masterplan.id).where(Masterplan.region_code == plan.region_code,
                                                        Masterplan.state.in_(OPEN_STATES))):
        raise Conflict("A revision of this masterplan is already open")
    latest = await session.scalar(select(func.max(Masterplan.version)).where(
        Masterplan.region_code == plan.region_code))
    draft = Masterplan(region_code=plan.region_code, mou_id=plan.mou_id, cohort_year=plan.cohort_year,
                       version=(latest or 0) + 1, start_year=plan.start_year, end_year=plan.end_year,
                       vision=plan.vision, partners=plan.partners, readiness=plan.readiness, revision_reason=reason,
                       revised_on=data.decided_on or clock.today(), created_by=actor.sub)
    session.add(draft)
    await session.flush()
    for p in await programmes_of(session, plan.id):
        session.add(Programme(masterplan_id=draft.id, key=p.key, alignment=list(p.alignment),
                              **{f: getattr(p, f) for f in CONTENT_FIELDS}))
    await session.flush()
    audit(session, records, actor=actor, action="masterplan.revise", entity="masterplan", entity_id=draft.id,
          after={"from_version": plan.version, "version": draft.version,
                 "revised_on": draft.revised_on.isoformat()}, reason=reason)
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
        added=[schemas.Programme.model_validate(after[k]) for k in sorted(after.keys() - before.keys())],
        removed=[schemas.Programme.model_validate(before[k]) for k in sorted(before.keys() - after.keys())],
        changed=changed)


async def roadmap(session: AsyncSession, plan: Masterplan) -> schemas.Roadmap:
    dimensions = [d.code for d in (await session.scalars(select(Dimension).order_by(Dimension.position))).all()]
    programmes = await programmes_of(session, plan.id)
    years = []
    by_dimension: dict[str, int] = defaultdict(int)
    by_source: dict[str, int] = defaultdict(int)
    for year in range(plan.start_year, plan.end_year + 1):
        cells = {d: schemas.RoadmapCell(programmes=[], budget=0) for d in dimensions}
        year_sources: dict[str, int] = defaultdict(int)
        quick = []
        for p in programmes:
            if not p.start_year <= year <= p.end_year:
                continue
            cell = cells[p.dimension_code]
            cell.programmes.append(p.key)
            if p.quick_win:
                quick.append(p.key)
            for line in p.budget:
                if line["year"] == year:
                    cell.budget += line["amount"]
                    year_sources[line["source"]] += line["amount"]
                    by_dimension[p.dimension_code] += line["amount"]
                    by_source[line["source"]] += line["amount"]
        years.append(schemas.RoadmapYear(year=year, dimensions=cells, budget_total=sum(year_sources.values()),
                                         budget_by_source=dict(sorted(year_sources.items())), quick_wins=quick))
    return schemas.Roadmap(masterplan_id=plan.id, region_code=plan.region_code, version=plan.version,
                           start_year=plan.start_year, end_year=plan.end_year, years=years,
                           budget_total=sum(by_source.values()), budget_by_dimension=dict(sorted(by_dimension.items())),
                           budget_by_source=dict(sorted(by_source.items())))


async def flag_for_reconfirmation(session: AsyncSession, region_code: str, took_office: date, reason: str,
                                  actor: str) -> int:
    """A head who took office after the plan was approved (or last reconfirmed) must reconfirm it or revise it.

    Dates of the acts decide, never when they were entered: a term back-filled years later flags a plan
    approved before it began, and a term that began before the approval flags nothing.
    """
    plans = (await session.scalars(select(Masterplan).where(Masterplan.region_code == region_code,
                                                            Masterplan.state == "approved"))).all()
    flagged = 0
    for plan in plans:
        confirmed = max(d for d in (plan.approved_on, plan.reconfirmed_on) if d is not None)
        if took_office <= confirmed or plan.needs_reconfirmation:
            continue
        flagged += 1
        plan.needs_reconfirmation, plan.reconfirmation_reason, plan.flagged_at = True, reason, clock.now()
        audit(session, records, actor=actor, action="masterplan.flag", entity="masterplan", entity_id=plan.id,
              before={"needs_reconfirmation": False}, after={"needs_reconfirmation": True}, reason=reason)
        emit(session, records, "masterplan.flagged", region_code,
             {"masterplan_id": plan.id, "version": plan.version, "reason": reason,
              "took_office_on": took_office.isoformat()})
    await session.flush()
    return flagged


async def on_registry_event(session: AsyncSession, event: Event) -> None:
    """What the masterplan service learns from the region registry's feed."""
    if event.type != "head_term.created":
        return
    head = event.payload
    await flag_for_reconfirmation(session, event.subject, date.fromisoformat(head["start_date"]),
                                  _head_reason(head, f"registry event {event.id}"), actor="event:regions")


async def reconfirm(session: AsyncSession, plan: Masterplan, data: schemas.ReconfirmIn,
                    actor: Principal) -> Masterplan:
    if plan.state != "approved" or not plan.needs_reconfirmation:
        raise Conflict("Only an approved masterplan flagged for reconfirmation is reconfirmed")
    reconfirmed_on = data.reconfirmed_on or clock.today()
    assert plan.approved_on is not None
    if reconfirmed_on < plan.approved_on:
        raise Unprocessable(f"Reconfirmed on {reconfirmed_on}, before the approval on {plan.approved_on}",
                            errors=_errors("reconfirmed_on", "before the approval"))
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


# Progress ---------------------------------------------------------------------------------------

async def report_progress(session: AsyncSession, plan: Masterplan, programme: Programme, period: str,
                          data: schemas.ProgressIn, actor: Principal) -> ProgressReport:
    if plan.state != "approved":
        raise Conflict("Progress is reported on the approved masterplan")
    if not schemas.valid_period(period):
        raise Unprocessable("A period is a year (2020) or a quarter (2020-Q3)",
                            errors=[{"loc": ["path", "period"], "msg": "YYYY or YYYY-Qn", "type": "value_error"}])
    year = int(period[:4])
    if not programme.start_year <= year <= programme.end_year:
        raise Unprocessable(f"{programme.key} runs {programme.start_year}-{programme.end_year}, not in {year}",
                            errors=[{"loc": ["path", "period"], "msg": "outside the programme", "type": "value_error"}])
    report = await session.scalar(select(ProgressReport).where(ProgressReport.programme_id == programme.id,
                                                               ProgressReport.period == period))
    values = data.model_dump(mode="json")
    before = schemas.Progress.model_validate(report).model_dump(mode="json") if report else None
    if report is None:
        report = ProgressReport(programme_id=programme.id, period=period, reported_by=actor.sub, **values)
        session.add(report)
    else:
        for field, value in values.items():
            setattr(report, field, value)
        report.reported_by, report.review_note, report.reviewed_by = actor.sub, None, None
    await session.flush()
    audit(session, records, actor=actor, action="progress.report", entity="programme", entity_id=programme.id,
          before=before, after={"period": period, **values})
    emit(session, records, "progress.reported", plan.region_code,
         {"masterplan_id": plan.id, "programme_key": programme.key, "period": period, **values})
    return report


def late_programmes(programmes: list[Programme], reports: list[ProgressReport],
                    as_of: date) -> list[schemas.LateProgramme]:
    """A past year is covered by a yearly report or a Q4 report; anything else missing is late."""
    covered: dict[int, set[int]] = defaultdict(set)
    for r in reports:
        if len(r.period) == 4 or r.period.endswith("-Q4"):
            covered[r.programme_id].add(int(r.period[:4]))
    late = []
    for p in programmes:
        missing = [y for y in range(p.start_year, min(p.end_year, as_of.year - 1) + 1) if y not in covered[p.id]]
        if missing:
            late.append(schemas.LateProgramme(programme_key=p.key, title=p.title, missing_years=missing))
    return late


# Evaluation -------------------------------------------------------------------------------------

async def create_scheme(session: AsyncSession, data: schemas.SchemeIn, actor: Principal) -> EvaluationScheme:
    latest = await session.scalar(select(func.max(EvaluationScheme.version)).where(
        EvaluationScheme.code == data.code))
    scheme = EvaluationScheme(code=data.code, version=(latest or 0) + 1,
                              weights={k: str(v) for k, v in data.weights.items()}, created_by=actor.sub)
    session.add(scheme)
    await session.flush()
    audit(session, records, actor=actor, action="scheme.create", entity="evaluation_scheme", entity_id=scheme.id,
          after=schemas.Scheme.model_validate(scheme))
    return scheme


async def evaluate(session: AsyncSession, plan: Masterplan, data: schemas.EvaluationIn,
                   actor: Principal) -> Evaluation:
    if plan.state != "approved":
        raise Conflict("A region is evaluated on its approved masterplan")
    scheme = await session.get(EvaluationScheme, data.scheme_id)
    if scheme is None:
        raise Unprocessable(f"Evaluation scheme {data.scheme_id} does not exist",
                            errors=_errors("scheme_id", "unknown"))
    if set(data.scores) != set(scheme.weights):
        raise Unprocessable(f"Score exactly these: {', '.join(sorted(scheme.weights))}",
                            errors=_errors("scores", "must match the scheme's weights"))
    if await session.scalar(select(Evaluation.id).where(Evaluation.region_code == plan.region_code,
                                                        Evaluation.year == data.year)):
        raise Conflict(f"{plan.region_code} already has an evaluation for {data.year}")
    total = sum(Decimal(scheme.weights[k]) * v for k, v in data.scores.items()) / 100
    evaluation = Evaluation(region_code=plan.region_code, masterplan_id=plan.id, year=data.year, scheme_id=scheme.id,
                            scores={k: str(v) for k, v in data.scores.items()},
                            total=total.quantize(Decimal("0.01")), evaluated_by=actor.sub)
    session.add(evaluation)
    await session.flush()
    audit(session, records, actor=actor, action="evaluation.create", entity="evaluation", entity_id=evaluation.id,
          after=schemas.Evaluation.model_validate(evaluation))
    return evaluation
