"""Deadlines: set whole per round, applied to the dates of the acts (never to the day a rule runs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, scope_to_region
from services.common.records import audit, emit

from ..exceptions import DeadlinePassed
from ..models import Deadline, Invitation, Reminder, Round, SelfAssessment, records
from . import schemas
from .schemas import DeadlineKind, LateRule


async def of_round(session: AsyncSession, round_id: int) -> dict[DeadlineKind, Deadline]:
    rows = await session.scalars(select(Deadline).where(Deadline.round_id == round_id))
    return {DeadlineKind(row.kind): row for row in rows}


def listing(rows: dict[DeadlineKind, Deadline]) -> list[schemas.Deadline]:
    return [schemas.Deadline.model_validate(rows[k]) for k in schemas.ORDER if k in rows]


async def replace(session: AsyncSession, round_: Round, data: schemas.DeadlinesIn,
                  actor: Principal) -> list[schemas.Deadline]:
    """The round's dates, replaced whole; the round's ETag moves with them."""
    round_.require("draft", "inviting", "assessing", "moderating", "finalised")
    before = listing(await of_round(session, round_.id))
    await session.execute(delete(Deadline).where(Deadline.round_id == round_.id))
    for item in data.items:
        session.add(Deadline(round_id=round_.id, **item.model_dump(), set_by=actor.sub))
    round_.revision += 1
    await session.flush()
    after = listing(await of_round(session, round_.id))
    audit(session, records, actor=actor, action="round.deadlines", entity="round", entity_id=round_.id,
          before=before, after=after)
    return after


async def due(session: AsyncSession, round_id: int, kind: DeadlineKind) -> Deadline | None:
    return await session.scalar(select(Deadline).where(Deadline.round_id == round_id, Deadline.kind == kind.value))


def late(deadline: Deadline | None, acted_on: date, region_name: str) -> bool:
    """Whether a region's act dated `acted_on` is late; refused where the round's rule says so."""
    if deadline is None or acted_on <= deadline.due_on:
        return False
    if deadline.late == LateRule.refuse.value:
        raise DeadlinePassed(f"{region_name}: the act of {acted_on} is after the {deadline.kind} deadline of "
                             f"{deadline.due_on}",
                             extra={"kind": deadline.kind, "due_on": deadline.due_on.isoformat(),
                                    "acted_on": acted_on.isoformat()})
    return True


def _owing(round_id: int, kind: DeadlineKind) -> Select[Any]:
    """Invitations of regions that still owe the act of `kind`."""
    stmt = select(Invitation).where(Invitation.round_id == round_id)
    if kind == DeadlineKind.invitation_answer:
        return stmt.where(Invitation.status == "invited")
    return stmt.where(Invitation.status == "accepted", ~exists().where(
        SelfAssessment.round_id == round_id, SelfAssessment.region_code == Invitation.region_code))


async def overdue(session: AsyncSession, round_: Round, on: date, principal: Principal,
                  region_code: str | None) -> list[schemas.Overdue]:
    """What is past its date on `on` and not done: per region for its submissions, per round for the announcement."""
    out: list[schemas.Overdue] = []
    for kind, deadline in (await of_round(session, round_.id)).items():
        if deadline.due_on >= on:
            continue
        days = (on - deadline.due_on).days
        if kind in schemas.SUBMISSIONS:
            stmt = scope_to_region(_owing(round_.id, kind), Invitation.region_code_today, principal)
            if region_code:
                stmt = stmt.where(Invitation.region_code_today == region_code)
            for inv in await session.scalars(stmt.order_by(Invitation.region_code)):
                out.append(schemas.Overdue(region_code=inv.region_code, region_code_today=inv.region_code_today,
                                           region_name=inv.region_name, kind=kind, due_on=deadline.due_on,
                                           days_overdue=days))
        elif kind == DeadlineKind.announcement and round_.announced_on is None and not region_code:
            out.append(schemas.Overdue(region_code=None, region_code_today=None, region_name=None, kind=kind,
                                       due_on=deadline.due_on, days_overdue=days))
    return out


async def run_reminders(session: AsyncSession, round_: Round, on: date, actor: Principal) -> schemas.RemindersRunResult:
    """The reminders due on `on`: for each region that still owes an act, the nearest of its deadline's
    `remind_days_before` already reached. Each (deadline, region, days before) is given once, whoever runs it."""
    created: list[schemas.Reminder] = []
    already = 0
    for kind, deadline in (await of_round(session, round_.id)).items():
        reached = [d for d in deadline.remind_days_before if (deadline.due_on - on).days <= d]
        if kind not in schemas.SUBMISSIONS or not reached or on > deadline.due_on:
            continue
        days_before = min(reached)
        for inv in await session.scalars(_owing(round_.id, kind).order_by(Invitation.region_code)):
            row_id = await session.scalar(insert(Reminder).values(
                round_id=round_.id, kind=kind.value, region_code=inv.region_code,
                region_code_today=inv.region_code_today, due_on=deadline.due_on, days_before=days_before,
                reminded_on=on, to_address=inv.contact_email,
                mail_state="pending" if inv.contact_email else "no_address", created_by=actor.sub)
                .on_conflict_do_nothing().returning(Reminder.id))
            if row_id is None:
                already += 1
                continue
            reminder = schemas.Reminder.model_validate(await session.get(Reminder, row_id))
            emit(session, records, "deadline.reminder", inv.region_code, {
                "round_id": round_.id, "round_title": round_.title, **reminder.model_dump(
                    mode="json", include={"kind", "region_code", "region_code_today", "due_on", "days_before",
                                          "reminded_on"})})
            created.append(reminder)
    if created:
        audit(session, records, actor=actor, action="round.reminders", entity="round", entity_id=round_.id,
              after={"on": on, "reminders": [r.id for r in created]})
    return schemas.RemindersRunResult(created=created, already_given=already)


async def reminders(session: AsyncSession, round_id: int) -> list[schemas.Reminder]:
    rows = await session.scalars(select(Reminder).where(Reminder.round_id == round_id).order_by(Reminder.id))
    return [schemas.Reminder.model_validate(row) for row in rows]
