"""Reading the audit trail: who changed what, when, from what to what, and why."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import func, select

from .db import SessionDep
from .errors import problem_responses
from .pagination import PageDep
from .records import RecordModels


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    reason: str | None
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


def audit_router(prefix: str, models: RecordModels, gate: Any, operation_id: str, tag: str) -> APIRouter:
    router = APIRouter(prefix=prefix)
    entry = models.audit

    @router.get("/audit", operation_id=operation_id, tags=[tag], summary="The audit trail, newest first",
                description="Who changed what and when, the record before and after, and the reason given; "
                            "filter by entity, entity id or actor.",
                responses=problem_responses(422))
    async def audit_trail(session: SessionDep, _: gate, page: PageDep,
                          entity: Annotated[str | None, Query(pattern=r"^[a-z_]{2,80}$")] = None,
                          entity_id: Annotated[str | None, Query(max_length=200)] = None,
                          actor: Annotated[str | None, Query(max_length=200)] = None) -> AuditPage:
        stmt = select(entry)
        for column, value in ((entry.entity, entity), (entry.entity_id, entity_id), (entry.actor, actor)):
            if value is not None:
                stmt = stmt.where(column == value)
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = (await session.scalars(stmt.order_by(entry.id.desc()).limit(page.limit).offset(page.offset))).all()
        return AuditPage(items=[AuditEntry.model_validate(r, from_attributes=True) for r in rows],
                         total=int(total or 0), limit=page.limit, offset=page.offset)

    return router
