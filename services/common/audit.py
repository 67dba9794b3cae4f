"""Reading the audit trail: who changed what, when, from what to what, and why; and checking its chain.

Each row carries the hash of its content and of the row before it (migration_ops.create_audit_chain), so a
row changed, inserted or removed by hand, outside the service, breaks the chain where it happened.
"""

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .db import SessionDep, TransactionDep
from .errors import problem_responses
from .pagination import Page, PageDep, paginate
from .records import RecordModels


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None = Field(description="The record's fields before the change (which fields depends "
                                              "on `entity`); null when it was created")
    after: dict[str, Any] | None = Field(description="Its fields after the change; null when it was deleted")
    reason: str | None
    request_id: str | None
    seq: int = Field(description="Position in this service's audit chain")
    row_hash: str = Field(description="SHA-256 over this row's content and the previous row's hash")



GENESIS = "0" * 64


class ChainBreak(BaseModel):
    seq: int = Field(description="Where the chain breaks")
    id: int | None = Field(description="The row found there, if any")
    problem: str = Field(examples=["its content was changed after it was written"])


class ChainCheck(BaseModel):
    schema_name: str = Field(examples=["assessment"])
    intact: bool
    rows: int = Field(description="Rows walked")
    head_seq: int = Field(description="The chain head as recorded: the last row's position")
    head_hash: str
    first_break: ChainBreak | None = Field(description="The first row that does not match, when one does not")


async def verify_chain(session: AsyncSession, models: RecordModels) -> ChainCheck:
    """Walk the chain from its first row, recomputing every hash; name the first row that does not match.

    The head and the rows are read by one statement, so in one snapshot: rows appended by writers meanwhile
    are neither seen nor taken for a break.
    """
    schema = models.audit.__table__.schema
    rows = await session.stream(text(
        f"SELECT c.seq, c.head, a.id, a.seq, a.prev_hash, a.row_hash, {schema}.audit_entry_canonical(a.seq, "
        f"a.prev_hash, a.at, a.actor, a.action, a.entity, a.entity_id, a.before, a.after, a.reason, a.request_id) "
        f"FROM {schema}.audit_chain c LEFT JOIN {schema}.audit_entry a ON true ORDER BY a.seq"))
    head_seq, head_hash = 0, GENESIS
    expected, previous, walked, first = 1, GENESIS, 0, None
    async for chain_seq, chain_hash, row_id, seq, prev_hash, row_hash, canonical in rows:
        head_seq, head_hash = chain_seq, chain_hash  # the same on every row: the snapshot's head
        if row_id is None:  # no rows yet
            continue
        walked += 1
        if first is None:
            if seq != expected:
                first = ChainBreak(seq=expected, id=None, problem=f"rows {expected} to {seq - 1} are missing")
            elif prev_hash != previous:
                first = ChainBreak(seq=seq, id=row_id, problem="it does not link to the row before it")
            elif hashlib.sha256(canonical.encode()).hexdigest() != row_hash:
                first = ChainBreak(seq=seq, id=row_id, problem="its content was changed after it was written")
        expected, previous = seq + 1, row_hash
    if first is None and (head_seq, head_hash) != (expected - 1, previous):
        first = ChainBreak(seq=expected, id=None, problem=f"the chain head is at row {head_seq}, the last row found "
                                                          f"is {expected - 1}: rows at the end are missing")
    return ChainCheck(schema_name=schema, intact=first is None, rows=walked, head_seq=head_seq, head_hash=head_hash,
                      first_break=first)


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
                          actor: Annotated[str | None, Query(max_length=200)] = None) -> Page[AuditEntry]:
        stmt = select(entry)
        for column, value in ((entry.entity, entity), (entry.entity_id, entity_id), (entry.actor, actor)):
            if value is not None:
                stmt = stmt.where(column == value)
        return await paginate(session, stmt.order_by(entry.id.desc()), page,
                              lambda r: AuditEntry.model_validate(r, from_attributes=True))

    @router.get("/audit/verification", operation_id=operation_id.replace("_list", "_verify"), tags=[tag],
                summary="Check the audit chain: every row's hash, link and position",
                description="Recomputes each row's hash from its content and the row before it, in order. A row "
                            "edited, inserted or deleted outside the service is named in `first_break`.",
                responses=problem_responses(422))
    async def verify_audit(session: TransactionDep, _: gate) -> ChainCheck:  # a server-side cursor needs one
        return await verify_chain(session, models)

    return router
