"""The `masterplan` schema: MoUs, versioned masterplans, programmes, progress, evaluations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import Revisioned, schema_metadata
from services.common.documents.models import document_model
from services.common.records import record_models

from .exceptions import MasterplanNotDraft

SCHEMA = "masterplan"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


records = record_models(Base)
Document = document_model(Base)

STATES = ("draft", "submitted", "in_review", "approved", "superseded")
FUNDING = ("apbd", "apbn", "kpbu", "csr_private", "other")
REPORT_STATUS = ("not_started", "on_track", "delayed", "done", "cancelled")


class Dimension(Revisioned, Base):
    """One of the six smart city dimensions; reference data an administrator edits."""

    __tablename__ = "dimension"
    etag_key = "code"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name_id: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(SmallInteger)


class Element(Base):
    __tablename__ = "element"

    dimension_code: Mapped[str] = mapped_column(ForeignKey("masterplan.dimension.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_id: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)


class Mou(Revisioned, Base):
    """The nota kesepahaman a selected region signs with Kominfo.

    `signed_on` is when it was signed; `created_at` when it was entered (history is loaded after the fact).
    """

    __tablename__ = "mou"
    __table_args__ = (UniqueConstraint("region_code", "round_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    # Today's code of the region; `region_code` is the code its act used (92.71 in 2018 is 96.71 today).
    region_code_today: Mapped[str] = mapped_column(String(13), index=True)
    region_name: Mapped[str] = mapped_column(Text)
    round_id: Mapped[int] = mapped_column(BigInteger)
    cohort_year: Mapped[int] = mapped_column(SmallInteger)
    signed_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text)
    signatories: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    document_ref: Mapped[str] = mapped_column(Text)
    amended_on: Mapped[date | None] = mapped_column(Date)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Masterplan(Revisioned, Base):
    """One version of a region's masterplan. Approved versions never change; a revision is a new version.

    Each real-world act has its own date (`approved_on`: the Perbup/Perwali, `revised_on`, `reconfirmed_on`)
    beside the time it was recorded; rules compare the acts' dates, never the recording time.
    """

    __tablename__ = "masterplan"
    __table_args__ = (
        UniqueConstraint("region_code", "version"),
        CheckConstraint(f"state IN {STATES}", name="state"),
        CheckConstraint("end_year - start_year BETWEEN 4 AND 9", name="horizon"),
        # At most one version of a region is open for editing or review at a time.
        Index("uq_masterplan_one_open", "region_code", unique=True,
              postgresql_where=text("state IN ('draft', 'submitted', 'in_review')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    # Today's code of the region; `region_code` is the code its act used (92.71 in 2018 is 96.71 today).
    region_code_today: Mapped[str] = mapped_column(String(13), index=True)
    mou_id: Mapped[int] = mapped_column(ForeignKey("masterplan.mou.id"))
    cohort_year: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    start_year: Mapped[int] = mapped_column(SmallInteger)
    end_year: Mapped[int] = mapped_column(SmallInteger)
    vision: Mapped[str] = mapped_column(Text)
    partners: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    readiness: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    revision_reason: Mapped[str | None] = mapped_column(Text)
    revised_on: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    approved_on: Mapped[date | None] = mapped_column(Date)
    approval_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    needs_reconfirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    reconfirmation_reason: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reconfirmation_note: Mapped[str | None] = mapped_column(Text)
    reconfirmed_on: Mapped[date | None] = mapped_column(Date)
    reconfirmation_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def require_draft(self) -> None:
        if self.state != "draft":
            raise MasterplanNotDraft(f"Version {self.version} is {self.state}; only a draft can change"
                                     + ("; start a revision instead" if self.state == "approved" else ""),
                                     extra={"state": self.state})

    def touch(self) -> None:
        """Programme edits change the masterplan: its ETag moves too."""
        self.revision += 1
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ReviewComment(Base):
    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    masterplan_id: Mapped[int] = mapped_column(ForeignKey("masterplan.masterplan.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (
        UniqueConstraint("masterplan_id", "key"),
        CheckConstraint("end_year >= start_year", name="years"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    masterplan_id: Mapped[int] = mapped_column(ForeignKey("masterplan.masterplan.id", ondelete="CASCADE"),
                                               index=True)
    key: Mapped[str] = mapped_column(String(10), doc="Stable across versions, so versions can be compared")
    dimension_code: Mapped[str] = mapped_column(ForeignKey("masterplan.dimension.code"))
    element_code: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    opd: Mapped[str] = mapped_column(Text)
    start_year: Mapped[int] = mapped_column(SmallInteger)
    end_year: Mapped[int] = mapped_column(SmallInteger)
    quick_win: Mapped[bool] = mapped_column(Boolean, default=False)
    budget: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    alignment: Mapped[list[str]] = mapped_column(JSONB, default=list)


class ProgressReport(Base):
    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("programme_id", "period"),
        CheckConstraint(f"status IN {REPORT_STATUS}", name="status"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint("realised_budget >= 0", name="realised"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("masterplan.programme.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12))
    percent: Mapped[int] = mapped_column(SmallInteger)
    realised_budget: Mapped[int] = mapped_column(BigInteger, default=0)
    evidence_links: Mapped[list[str]] = mapped_column(JSONB, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                  onupdate=func.now())
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))


class EvaluationScheme(Base):
    """Versioned weights of the yearly evaluation (baseline, output, outcome, impact, quick win)."""

    __tablename__ = "evaluation_scheme"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    weights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("code", "version"),)


class Evaluation(Base):
    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("region_code", "year"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(13))
    masterplan_id: Mapped[int] = mapped_column(ForeignKey("masterplan.masterplan.id"))
    year: Mapped[int] = mapped_column(SmallInteger)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("masterplan.evaluation_scheme.id"))
    scores: Mapped[dict[str, Any]] = mapped_column(JSONB)
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    evaluated_by: Mapped[str] = mapped_column(String(200))
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConsumerCursor(Base):
    """How far this service has read another service's event feed; moved in the same transaction as the effect."""

    __tablename__ = "consumer_cursor"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
