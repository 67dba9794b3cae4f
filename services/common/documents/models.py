"""The `document` table, declared on a service's own base (each service keeps its documents' metadata)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STATES = ("pending", "stored")


def document_model(base: type[DeclarativeBase]) -> Any:
    class Document(base):  # type: ignore[valid-type,misc]
        """One version of a file a record cites. `pending` until its bytes are in the bucket and checked; then
        never changed nor deleted: a correction is the next version of the same owner and purpose."""

        __tablename__ = "document"
        __table_args__ = (
            CheckConstraint(f"state IN {STATES}", name="state"),
            Index("uq_document_version", "owner_kind", "owner_id", "purpose", "version", unique=True,
                  postgresql_where=text("version IS NOT NULL")),
            Index("ix_document_owner", "owner_kind", "owner_id"),
        )

        id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
        owner_kind: Mapped[str] = mapped_column(String(30))
        owner_id: Mapped[int] = mapped_column(BigInteger)
        purpose: Mapped[str] = mapped_column(String(40))
        region_code: Mapped[str] = mapped_column(String(13), index=True)
        version: Mapped[int | None] = mapped_column(Integer)
        title: Mapped[str] = mapped_column(Text)
        filename: Mapped[str] = mapped_column(Text)
        media_type: Mapped[str] = mapped_column(String(100))
        size: Mapped[int] = mapped_column(BigInteger)
        sha256: Mapped[str] = mapped_column(String(64))
        object_key: Mapped[str] = mapped_column(Text, unique=True)
        state: Mapped[str] = mapped_column(String(10), default="pending")
        created_by: Mapped[str] = mapped_column(String(200))
        created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
        stored_by: Mapped[str | None] = mapped_column(String(200))
        stored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    return Document
