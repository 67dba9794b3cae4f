"""Filing an appeal in the round's window, deciding it, and what an upheld one re-opens."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, require_scope, scope_to_region
from services.common.errors import AlreadyExists, NotFound, Unprocessable
from services.common.records import audit, emit

from ..deadlines import service as deadlines
from ..deadlines.schemas import DeadlineKind
from ..events import AppealFiled
from ..exceptions import ActDateOrder, AppealDecided, AppealWindowClosed, RoundStateForbids
from ..models import Appeal, Result, Round, records
from ..rubric import service as rubric_service
from ..rubric.service import get_rubric
from . import schemas

# What an event says of an appeal is its payload's fields: no grounds, reasons or person (the feed is public).
EVENT_FIELDS = set(AppealFiled.model_fields)


async def file(session: AsyncSession, round_: Round, data: schemas.AppealIn, actor: Principal) -> Appeal:
    require_scope(actor, data.region_code)
    if round_.state != "published":
        raise RoundStateForbids(f"Round {round_.id} is {round_.state}; appeals follow the announcement",
                                extra={"state": round_.state, "required": ["published"]})
    window = await deadlines.due(session, round_.id, DeadlineKind.appeal)
    if window is None:
        raise AppealWindowClosed(f"Round {round_.id} states no appeal window")
    opens = window.opens_on or round_.announced_on
    if data.filed_on > window.due_on or (opens is not None and data.filed_on < opens):
        raise AppealWindowClosed(f"Filed on {data.filed_on}; the appeal window is {opens} to {window.due_on}",
                                 extra={"opens_on": str(opens), "due_on": str(window.due_on)})
    result = await session.scalar(select(Result).where(Result.round_id == round_.id, or_(
        Result.region_code == data.region_code, Result.region_code_today == data.region_code)))
    if result is None:
        raise NotFound(f"Region {data.region_code} has no result in round {round_.id}")
    panel = set(rubric_service.components(await get_rubric(session, round_.rubric_id), "panel"))
    unknown = sorted(set(data.components) - panel)
    if unknown:
        raise Unprocessable.field("components", "not panel components of the round's rubric",
                                  f"Not panel components of the round's rubric: {', '.join(unknown)}")
    if await session.scalar(select(Appeal.id).where(Appeal.round_id == round_.id,
                                                    Appeal.region_code == result.region_code)):
        raise AlreadyExists(f"{result.explanation['region_name']} has appealed round {round_.id} already")
    appeal = Appeal(round_id=round_.id, region_code=result.region_code, region_code_today=result.region_code_today,
                    region_name=result.explanation["region_name"], filed_on=data.filed_on, grounds=data.grounds,
                    components=sorted(set(data.components)), state="filed", created_by=actor.sub)
    session.add(appeal)
    await session.flush()
    await session.refresh(appeal)
    out = schemas.Appeal.model_validate(appeal)
    audit(session, records, actor=actor, action="appeal.file", entity="appeal", entity_id=appeal.id, after=out)
    emit(session, records, "appeal.filed", appeal.region_code, out.model_dump(mode="json", include=EVENT_FIELDS))
    return appeal


async def get(session: AsyncSession, round_: Round, appeal_id: int, principal: Principal | None, *,
              lock: bool = False) -> Appeal:
    appeal = await session.get(Appeal, appeal_id, with_for_update=lock)
    if appeal is None or appeal.round_id != round_.id or (
            principal is not None and not principal.may_see_region(appeal.region_code_today)):
        raise NotFound(f"Appeal {appeal_id} does not exist in round {round_.id}")
    return appeal


async def listing(session: AsyncSession, round_: Round, principal: Principal) -> list[schemas.Appeal]:
    stmt = scope_to_region(select(Appeal).where(Appeal.round_id == round_.id), Appeal.region_code_today, principal)
    return [schemas.Appeal.model_validate(a) for a in await session.scalars(stmt.order_by(Appeal.id))]


async def decide(session: AsyncSession, appeal: Appeal, data: schemas.DecisionIn, actor: Principal) -> Appeal:
    if appeal.state != "filed":
        raise AppealDecided(f"Appeal {appeal.id} was {appeal.state} on {appeal.decided_on}",
                            extra={"state": appeal.state})
    if data.decided_on < appeal.filed_on:
        raise ActDateOrder(f"Decided on {data.decided_on}, before the appeal was filed on {appeal.filed_on}")
    before = schemas.Appeal.model_validate(appeal)
    appeal.state, appeal.decided_on, appeal.reasons = data.decision.value, data.decided_on, data.reasons
    appeal.decided_by, appeal.decision_recorded_at = actor.sub, clock.now()
    await session.flush()
    out = schemas.Appeal.model_validate(appeal)
    audit(session, records, actor=actor, action="appeal.decide", entity="appeal", entity_id=appeal.id,
          before=before, after=out, reason=data.reasons)
    emit(session, records, "appeal.decided", appeal.region_code, out.model_dump(mode="json", include=EVENT_FIELDS))
    return appeal


def pending(round_id: int) -> Select[Appeal]:
    """Upheld appeals the published result does not yet take in."""
    return select(Appeal).where(Appeal.round_id == round_id, Appeal.state == "upheld",
                                Appeal.republished_version.is_(None))


async def reopened(session: AsyncSession, round_id: int, region_code: str, component_key: str) -> bool:
    """Whether an upheld appeal re-opened this component of this region's published result."""
    return await session.scalar(pending(round_id).where(
        Appeal.region_code == region_code, Appeal.components.contains([component_key])).limit(1)) is not None
