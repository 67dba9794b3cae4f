"""Scoring: each assessor's independent, blind scores, submitted and locked; moderation; self-assessment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.documents import service as documents
from services.common.documents.schemas import Document as Document_
from services.common.documents.schemas import DocumentUpload
from services.common.documents.storage import ObjectStore
from services.common.errors import NotFound, ProblemError, Unprocessable
from services.common.records import audit
from services.common.roles import Role

from ..appeals import service as appeals
from ..deadlines import service as deadlines
from ..deadlines.schemas import DeadlineKind
from ..exceptions import ComponentNotReopened, ConflictOfInterest, ScoresAlreadySubmitted, ScoresIncomplete
from ..models import (
    Assessor,
    Document,
    Invitation,
    Round,
    RubricComponent,
    Score,
    SelfAssessment,
    Submission,
    records,
)
from ..panel.service import assessor_of, conflicts_between, is_assigned
from ..round.service import get_invitation
from ..rubric import service as rubric_service
from ..rubric.service import get_rubric
from . import schemas

Locate = Callable[[int | None, str], list[str | int]]


class Valued(Protocol):
    component_key: str
    value: Any


async def panel_components(session: AsyncSession, round_: Round) -> dict[str, RubricComponent]:
    return rubric_service.components(await get_rubric(session, round_.rubric_id), "panel")


def check_values(components: dict[str, RubricComponent], items: Sequence[Valued], loc: Locate, *,
                 what: str = "panel component") -> list[dict[str, Any]]:
    """Each item names a component of the right kind and lies on its scale.

    `loc(i, field)` names where item i's field came from: a body path, or a spreadsheet cell.
    """
    errors = []
    for i, item in enumerate(items):
        c = components.get(item.component_key)
        if c is None:
            errors.append({"loc": loc(i, "component_key"), "msg": f"not a {what} of the round's rubric",
                           "type": "value_error"})
        elif not (c.scale_min <= item.value <= c.scale_max):
            errors.append({"loc": loc(i, "value"), "msg": f"outside the scale {c.scale_min}-{c.scale_max}",
                           "type": "value_error"})
    return errors


async def _require_free_to_score(session: AsyncSession, round_: Round, region: str, assessor: Assessor) -> None:
    """Assigned, not conflicted (a conflict declared after the panel was formed counts at once), not submitted."""
    if not await is_assigned(session, round_.id, assessor.id, region):
        raise NotFound(f"Region {region} is not assigned to you in round {round_.id}")
    inv = await get_invitation(session, round_.id, region)
    clashes = await conflicts_between(session, round_.id, [assessor], [inv])
    if clashes:
        raise ConflictOfInterest(f"You may not score {inv.region_name}: {'; '.join(clashes[0]['reasons'])}; an "
                                 "officer may override it with a reason", extra={"conflicts": clashes})
    if await session.get(Submission, (round_.id, assessor.id, region)) is not None:
        raise ScoresAlreadySubmitted("You submitted these scores; an officer must reopen them before they change")


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
    round_.require("assessing")
    await _require_free_to_score(session, round_, region, assessor)
    errors = check_values(await panel_components(session, round_), data.scores,
                          lambda i, field: ["body", "scores", i if i is not None else "", field])
    if errors:
        raise Unprocessable(f"{len(errors)} score(s) are invalid; nothing was saved", errors=errors)
    await _store_scores(session, round_, region, data.scores, assessor, actor)


async def _submit(session: AsyncSession, round_: Round, region: str, assessor: Assessor, actor: Principal,
                  components: dict[str, RubricComponent]) -> None:
    scored = set((await session.scalars(select(Score.component_key).where(
        Score.round_id == round_.id, Score.assessor_id == assessor.id, Score.region_code == region))).all())
    missing = sorted(set(components) - scored)
    if missing:
        raise ScoresIncomplete(f"Score every panel component before submitting; missing: {', '.join(missing)}",
                               extra={"missing": missing})
    session.add(Submission(round_id=round_.id, assessor_id=assessor.id, region_code=region))
    await session.flush()
    audit(session, records, actor=actor, action="score.submit", entity="submission",
          entity_id=f"{round_.id}:{assessor.id}:{region}")


async def submit_scores(session: AsyncSession, round_: Round, region: str, assessor: Assessor,
                        actor: Principal) -> None:
    round_.require("assessing")
    await _require_free_to_score(session, round_, region, assessor)
    await _submit(session, round_, region, assessor, actor, await panel_components(session, round_))


async def save_score_sheets(session: AsyncSession, round_: Round, data: schemas.ScoreSheetsIn, assessor: Assessor,
                            actor: Principal, *,
                            locate: Callable[[int], Locate] | None = None) -> schemas.ScoreSheetsResult:
    """Several regions' sheets at once, all or nothing; each region is checked exactly as a single save is.

    `locate(n)` gives where sheet n's fields came from: the body by default, spreadsheet cells for an upload.
    """
    round_.require("assessing")

    def in_body(n: int) -> Locate:
        def loc(i: int | None, field: str) -> list[str | int]:
            path: list[str | int] = ["body", "sheets", n]
            return [*path, "scores", i, field] if i is not None else [*path, field]
        return loc

    locate = locate or in_body
    components = await panel_components(session, round_)
    errors: list[dict[str, Any]] = []
    for n, sheet in enumerate(data.sheets):
        try:
            await _require_free_to_score(session, round_, sheet.region_code, assessor)
        except ProblemError as exc:
            errors.append({"loc": locate(n)(None, "region_code"), "msg": exc.detail, "type": exc.slug})
            continue
        errors += check_values(components, sheet.scores, locate(n))
        missing = sorted(set(components) - {s.component_key for s in sheet.scores})
        if data.submit and missing:
            errors.append({"loc": locate(n)(None, "scores"), "type": "value_error",
                           "msg": f"submitting needs every panel component; missing {', '.join(missing)}"})
    if errors:
        raise Unprocessable(f"{len(errors)} problem(s) in the sheets; nothing was saved", errors=errors)
    for sheet in data.sheets:
        await _store_scores(session, round_, sheet.region_code, sheet.scores, assessor, actor)
        if data.submit:
            await _submit(session, round_, sheet.region_code, assessor, actor, components)
    codes = [sheet.region_code for sheet in data.sheets]
    return schemas.ScoreSheetsResult(saved=codes, submitted=codes if data.submit else [])


async def reopen(session: AsyncSession, round_: Round, region: str, data: schemas.ReopenIn, actor: Principal) -> None:
    round_.require("assessing", "moderating")
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
        if not await is_assigned(session, round_.id, me.id, region):
            raise NotFound(f"Region {region} is not assigned to you in round {round_.id}")
        if me.id not in submitted:  # blind until you have submitted your own
            stmt = stmt.where(Score.assessor_id == me.id)
    rows = (await session.scalars(stmt.order_by(Score.assessor_id, Score.component_key))).all()
    return schemas.ScoreSheet(region_code=region, submitted_by=submitted, scores=[schemas.Score(
        assessor_id=s.assessor_id, component_key=s.component_key, value=s.value, moderated_value=s.moderated_value,
        comment=s.comment) for s in rows])


async def moderate(session: AsyncSession, round_: Round, region: str, data: schemas.ModerationIn,
                   actor: Principal) -> Score:
    if round_.state == "published":  # only what an upheld appeal re-opened, until the result is published again
        if not await appeals.reopened(session, round_.id, region, data.component_key):
            raise ComponentNotReopened(f"No upheld appeal of {region} re-opened {data.component_key}",
                                       extra={"component_key": data.component_key})
    else:
        round_.require("moderating")
    row = await session.scalar(select(Score).where(
        Score.round_id == round_.id, Score.assessor_id == data.assessor_id, Score.region_code == region,
        Score.component_key == data.component_key))
    if row is None:
        raise NotFound("No such score to moderate")
    errors = check_values(await panel_components(session, round_), [data], lambda _, field: ["body", field])
    if errors:
        raise Unprocessable(errors[0]["msg"], errors=errors)
    before = {"value": row.value, "moderated_value": row.moderated_value}
    row.moderated_value = data.value
    await session.flush()
    audit(session, records, actor=actor, action="score.moderate", entity="score",
          entity_id=f"{round_.id}:{data.assessor_id}:{region}:{data.component_key}", before=before,
          after={"value": row.value, "moderated_value": data.value}, reason=data.reason)
    return row


async def save_self_assessment(session: AsyncSession, round_: Round, inv: Invitation,
                               data: schemas.SelfAssessmentIn, actor: Principal) -> None:
    round_.require("inviting", "assessing")
    components = rubric_service.components(await get_rubric(session, round_.rubric_id), "self")
    errors = check_values(components, data.items, lambda i, field: ["body", "items", i if i is not None else "", field],
                          what="self-assessed component")
    if errors:
        raise Unprocessable("Invalid self-assessment; nothing was saved", errors=errors)
    submitted_on = data.submitted_on or clock.today()
    late = deadlines.late(await deadlines.due(session, round_.id, DeadlineKind.self_assessment), submitted_on,
                          inv.region_name)
    existing = {s.component_key: s for s in (await session.scalars(select(SelfAssessment).where(
        SelfAssessment.round_id == round_.id, SelfAssessment.region_code == inv.region_code))).all()}
    for item in data.items:
        links = [str(u) for u in item.evidence_links]
        row = existing.get(item.component_key)
        if row is None:
            session.add(SelfAssessment(round_id=round_.id, region_code=inv.region_code,
                                       component_key=item.component_key, value=item.value, evidence_links=links,
                                       submitted_by=actor.sub, submitted_on=submitted_on, late=late))
        else:
            row.value, row.evidence_links, row.verified_value = item.value, links, None
            row.submitted_on, row.late = submitted_on, late
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
    round_.refuse_if_frozen()
    row = await session.scalar(select(SelfAssessment).where(
        SelfAssessment.round_id == round_.id, SelfAssessment.region_code == region,
        SelfAssessment.component_key == data.component_key))
    if row is None:
        raise NotFound(f"{region} has not declared {data.component_key}")
    components = rubric_service.components(await get_rubric(session, round_.rubric_id), "self")
    item = schemas.SelfItemIn(component_key=data.component_key, value=data.verified_value)
    errors = check_values(components, [item], lambda _, field: ["body", {"value": "verified_value"}.get(field, field)],
                          what="self-assessed component")
    if errors:
        raise Unprocessable(errors[0]["msg"], errors=errors)
    before = {"verified_value": row.verified_value}
    row.verified_value = data.verified_value
    await session.flush()
    audit(session, records, actor=actor, action="self_assessment.verify", entity="self_assessment",
          entity_id=f"{round_.id}:{region}:{data.component_key}", before=before,
          after={"verified_value": data.verified_value})


async def start_evidence(session: AsyncSession, store: ObjectStore, round_: Round, inv: Invitation,
                         data: schemas.EvidenceIn, actor: Principal) -> DocumentUpload:
    """Bukti dukung of one self-assessed component, while the region may still change its self-assessment."""
    round_.require("inviting", "assessing")
    if data.component_key not in rubric_service.components(await get_rubric(session, round_.rubric_id), "self"):
        raise Unprocessable.field("component_key", "not a self-assessed component of the round's rubric")
    return await documents.start_upload(session, Document, store, service="assessment", owner_kind="self_assessment",
                                        owner_id=inv.id, purpose=data.component_key,
                                        region_code=inv.region_code_today, data=data, actor=actor)


async def evidence(session: AsyncSession, inv: Invitation) -> list[Document_]:
    return await documents.owned_by(session, Document, "self_assessment", inv.id)
