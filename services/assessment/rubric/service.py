"""Rubrics: versioned, locked once a round that uses them leaves draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import NotFound, Unprocessable
from services.common.records import audit

from ..exceptions import RubricLocked
from ..models import Rubric, RubricComponent, records
from . import schemas


def listing(code: str | None) -> Select[Any]:
    stmt = select(Rubric).order_by(Rubric.code, Rubric.version.desc())
    return stmt.where(Rubric.code == code) if code else stmt


async def get_rubric(session: AsyncSession, rubric_id: int, *, lock: bool = False) -> Rubric:
    rubric = await session.get(Rubric, rubric_id, with_for_update=lock)
    if rubric is None:
        raise NotFound(f"Rubric {rubric_id} does not exist")
    return rubric


def components(rubric: Rubric, kind: str) -> dict[str, RubricComponent]:
    return {c.key: c for c in rubric.components if c.kind == kind}


async def create_rubric(session: AsyncSession, data: schemas.RubricIn, actor: Principal) -> Rubric:
    """A new code starts at version 1; the same code again makes the next version.

    Versions are numbered under a transaction-scoped lock on the code, so concurrent creates never collide.
    """
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"rubric:{data.code}"))))
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
        raise RubricLocked("This rubric is used by a round that left draft; create a new version instead")
    if data.code != rubric.code:
        raise Unprocessable.field("code", "must stay the same", "The code of a rubric cannot change")
    before = schemas.Rubric.model_validate(rubric)
    rubric.title, rubric.description = data.title, data.description
    rubric.components = []
    await session.flush()  # the old components go first, so the new ones may reuse their keys
    rubric.components = [RubricComponent(position=i, **c.model_dump()) for i, c in enumerate(data.components)]
    await session.flush()
    audit(session, records, actor=actor, action="rubric.replace", entity="rubric", entity_id=rubric.id,
          before=before, after=schemas.Rubric.model_validate(rubric))
    return rubric
