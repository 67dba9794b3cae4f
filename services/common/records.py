"""Audit trail and idempotency records: each service keeps its own, in its own schema."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import BigInteger, DateTime, FetchedValue, Integer, SmallInteger, String, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .auth import Principal
from .errors import RequestInProgress, Unprocessable
from .logs import request_id_var


@dataclass(frozen=True)
class RecordModels:
    audit: Any
    idempotency: Any
    outbox: Any
    chain: Any


def record_models(base: type[DeclarativeBase]) -> RecordModels:
    """Declare the audit and idempotency tables on a service's declarative base."""

    class AuditEntry(base):  # type: ignore[valid-type,misc]
        __tablename__ = "audit_entry"
        id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
        at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
        actor: Mapped[str] = mapped_column(String(200))
        action: Mapped[str] = mapped_column(String(80))
        entity: Mapped[str] = mapped_column(String(80), index=True)
        entity_id: Mapped[str] = mapped_column(String(200), index=True)
        before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
        after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
        reason: Mapped[str | None] = mapped_column(Text)
        request_id: Mapped[str | None] = mapped_column(String(128))
        # Set by the database as the row is appended (migration_ops.create_audit_chain), never by us.
        seq: Mapped[int] = mapped_column(BigInteger, unique=True, server_default=FetchedValue())
        prev_hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())
        row_hash: Mapped[str] = mapped_column(String(64), server_default=FetchedValue())

    class AuditChain(base):  # type: ignore[valid-type,misc]
        """The chain's head: the last row's position and hash (one row, locked while a row is appended)."""

        __tablename__ = "audit_chain"
        id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
        seq: Mapped[int] = mapped_column(BigInteger)
        head: Mapped[str] = mapped_column(String(64))

    class IdempotencyRecord(base):  # type: ignore[valid-type,misc]
        __tablename__ = "idempotency_record"
        principal: Mapped[str] = mapped_column(String(200), primary_key=True)
        key: Mapped[str] = mapped_column(String(200), primary_key=True)
        fingerprint: Mapped[str] = mapped_column(String(64))
        status: Mapped[int | None] = mapped_column(Integer)
        body: Mapped[Any | None] = mapped_column(JSONB)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    class OutboxEvent(base):  # type: ignore[valid-type,misc]
        """Events written in the same transaction as the change they announce (transactional outbox)."""

        __tablename__ = "outbox_event"
        id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
        type: Mapped[str] = mapped_column(String(80), index=True)
        subject: Mapped[str] = mapped_column(String(200))
        payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    return RecordModels(audit=AuditEntry, idempotency=IdempotencyRecord, outbox=OutboxEvent, chain=AuditChain)


def audit(session: AsyncSession, models: RecordModels, *, actor: Principal | str, action: str, entity: str,
          entity_id: object, before: Any = None, after: Any = None, reason: str | None = None) -> None:
    """Record who changed what, in the same transaction as the change."""
    session.add(models.audit(
        actor=actor.sub if isinstance(actor, Principal) else actor, action=action, entity=entity,
        entity_id=str(entity_id), before=jsonable_encoder(before) if before is not None else None,
        after=jsonable_encoder(after) if after is not None else None, reason=reason,
        request_id=request_id_var.get()))


def emit(session: AsyncSession, models: RecordModels, type_: str, subject: object, payload: Any) -> None:
    """Announce a change; the event commits or rolls back with it, so none is lost and none is false."""
    session.add(models.outbox(type=type_, subject=str(subject), payload=jsonable_encoder(payload)))


class Idempotency:
    """Retried POSTs with the same Idempotency-Key replay the first answer instead of writing twice.

    The key row is inserted inside the request's transaction, so a concurrent retry waits on
    the unique index until the first attempt commits (then replays) or rolls back (then proceeds).
    """

    def __init__(self, session: AsyncSession, model: Any, request: Request, key: str | None, body: bytes):
        self.session, self.model, self.request, self.key = session, model, request, key
        self.fingerprint = hashlib.sha256(
            request.method.encode() + request.url.path.encode() + b"\0" + body).hexdigest()
        self.principal = "anonymous"

    async def replay(self, principal: Principal | None) -> JSONResponse | None:
        if self.key is None:
            return None
        if len(self.key) > 200:
            raise Unprocessable("Idempotency-Key is longer than 200 characters")
        self.principal = principal.sub if principal else "anonymous"
        inserted = await self.session.scalar(
            insert(self.model).values(principal=self.principal, key=self.key, fingerprint=self.fingerprint)
            .on_conflict_do_nothing().returning(self.model.key))
        if inserted is not None:
            return None
        stored = await self.session.scalar(select(self.model).where(
            self.model.principal == self.principal, self.model.key == self.key))
        if stored is None or stored.status is None:
            raise RequestInProgress("A request with this Idempotency-Key is still being processed")
        if stored.fingerprint != self.fingerprint:
            raise Unprocessable("This Idempotency-Key was used for a different request")
        return JSONResponse(stored.body, status_code=stored.status, headers={"Idempotency-Replayed": "true"})

    async def remember(self, status: int, body: Any) -> None:
        if self.key is None:
            return
        record = await self.session.get(self.model, (self.principal, self.key))
        assert record is not None  # replay() inserted it in this transaction
        record.status = status
        record.body = jsonable_encoder(body)
