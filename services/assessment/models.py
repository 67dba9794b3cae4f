"""The `assessment` schema: rubrics, rounds, invitations, panels, scores, results."""

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
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.db import Revisioned, schema_metadata
from services.common.documents.models import document_model
from services.common.records import record_models

from .exceptions import RoundFrozen, RoundStateForbids

SCHEMA = "assessment"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


records = record_models(Base)
Document = document_model(Base)

ROUND_STATES = ("draft", "inviting", "assessing", "moderating", "finalised", "published")
FROZEN_STATES = ("finalised", "published")
COMPONENT_KINDS = ("group", "panel", "self", "indicator")


class Rubric(Revisioned, Base):
    """A versioned scoring rubric; immutable once a round that uses it leaves draft."""

    __tablename__ = "rubric"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    components: Mapped[list[RubricComponent]] = relationship(
        order_by="RubricComponent.position", cascade="all, delete-orphan", lazy="selectin")


class RubricComponent(Base):
    __tablename__ = "rubric_component"
    __table_args__ = (
        UniqueConstraint("rubric_id", "key"),
        CheckConstraint(f"kind IN {COMPONENT_KINDS}", name="kind"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("assessment.rubric.id", ondelete="CASCADE"), index=True)
    parent_key: Mapped[str | None] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    scale_min: Mapped[Decimal | None] = mapped_column(Numeric)
    scale_max: Mapped[Decimal | None] = mapped_column(Numeric)
    levels: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    indicator_code: Mapped[str | None] = mapped_column(String(40))
    normalisation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    pillar: Mapped[str | None] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(SmallInteger)


class Round(Revisioned, Base):
    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint(f"state IN {ROUND_STATES}", name="state"),
        CheckConstraint("quota > 0", name="quota"),
        CheckConstraint("aggregation IN ('mean', 'median')", name="aggregation"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(SmallInteger, index=True)
    title: Mapped[str] = mapped_column(Text)
    quota: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(Text)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("assessment.rubric.id"))
    equity_rules: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    aggregation: Mapped[str] = mapped_column(String(10), default="mean")
    # types.Calibration, when the round calibrates its assessors; part of the recomputable inputs.
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # types.Robustness, when decisions are tested before finalising; part of the recomputable inputs.
    robustness: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The certificate the rule gave when the result was frozen (selection/robustness.py), signed with it.
    certificate: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # types.EvaluationRule, when the round is a yearly evaluation of members rather than a selection.
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # An evaluation's members' previous indices, taken when scoring closes: part of the recomputable inputs.
    previous: Mapped[list[list[Any]] | None] = mapped_column(JSONB)
    disagreement_threshold: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("15"))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    indicator_rules: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, doc="Normalisations taken from the registry's indicator definitions when scoring "
                                 "closed, for components that defer to them; part of the recomputable inputs")
    result_hash: Mapped[str | None] = mapped_column(String(64))
    inputs_digest: Mapped[str | None] = mapped_column(String(64), doc="SHA-256 of the canonical inputs, frozen")
    agreement_alpha: Mapped[float | None] = mapped_column(Numeric(8, 6))
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The acts' own dates, as the officer gives them; finalised_at and published_at are when they were entered.
    decided_on: Mapped[date | None] = mapped_column(Date)
    announced_on: Mapped[date | None] = mapped_column(Date)
    # The officials who adopt the minutes (name, title, organisation, NIP), given at publication.
    minutes_signatories: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    # 1, then one more each time upheld appeals are taken in and the result is published again.
    result_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    republished_on: Mapped[date | None] = mapped_column(Date)
    # The assessment audit chain's head when the round was published: the signed results carry it.
    published_audit_seq: Mapped[int | None] = mapped_column(BigInteger)
    published_audit_head: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def is_frozen(self) -> bool:
        """Finalised or published: results, scores and answers no longer change."""
        return self.state in FROZEN_STATES

    def refuse_if_frozen(self) -> None:
        if self.is_frozen:
            raise RoundFrozen(f"Round {self.id} is {self.state}: its scores and results can no longer change",
                              extra={"state": self.state})

    def require(self, *states: str) -> None:
        """409 round-frozen or round-state unless the round is in one of `states`."""
        if self.state in states:
            return
        self.refuse_if_frozen()
        raise RoundStateForbids(f"Round {self.id} is {self.state}; this needs it to be {' or '.join(states)}",
                              extra={"state": self.state, "required": list(states)})


INVITATION_STATUSES = ("invited", "accepted", "declined", "withdrawn")


class Invitation(Base):
    """A region invited to a round; region facts are copied from the registry when invited.

    `answered_on` / `attended_on` / `withdrawn_on` are the dates of the acts; the `*_recorded_at`
    columns are when they were entered.
    """

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("round_id", "region_code"),
        CheckConstraint(f"status IN {INVITATION_STATUSES}", name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    # Today's code of the region; `region_code` is the code its act used (92.71 in 2018 is 96.71 today).
    region_code_today: Mapped[str] = mapped_column(String(13), index=True)
    region_name: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str] = mapped_column(String(2))
    island_group: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="invited")
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    attended_on: Mapped[date | None] = mapped_column(Date)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reinvite_reason: Mapped[str | None] = mapped_column(Text, doc="Why a region selected before is invited again")
    # Marked when the answer is dated after the round's deadline and its rule accepts late answers.
    answered_late: Mapped[bool] = mapped_column(Boolean, default=False)
    # The region's contact for this round: where its reminders are e-mailed.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class Assessor(Base):
    __tablename__ = "assessor"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_sub: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(Text)
    institution: Mapped[str] = mapped_column(String(120))
    home_province: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConflictDeclaration(Base):
    __tablename__ = "conflict_declaration"
    __table_args__ = (UniqueConstraint("assessor_id", "region_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessment.assessor.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Mentorship(Base):
    """An institution that mentors a region may not assess it."""

    __tablename__ = "mentorship"
    __table_args__ = (UniqueConstraint("institution", "region_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    institution: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(13), index=True)


class Hearing(Revisioned, Base):
    """A time slot at a venue where a panel hears some regions: a "session" in the API and the table's name,
    a hearing in the code, where `session` is always the database session."""

    __tablename__ = "session"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="times"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    venue: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PanelMember(Base):
    __tablename__ = "panel_member"

    session_id: Mapped[int] = mapped_column(ForeignKey("assessment.session.id", ondelete="CASCADE"),
                                            primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessment.assessor.id"), primary_key=True, index=True)


class SessionRegion(Base):
    __tablename__ = "session_region"
    __table_args__ = (UniqueConstraint("round_id", "region_code"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("assessment.session.id", ondelete="CASCADE"),
                                            primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"))


class ConflictOverride(Base):
    """An officer's recorded decision to let a conflicted assessor score a region anyway."""

    __tablename__ = "conflict_override"
    __table_args__ = (UniqueConstraint("round_id", "assessor_id", "region_code"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessment.assessor.id"))
    region_code: Mapped[str] = mapped_column(String(13))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("round_id", "assessor_id", "region_code", "component_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessment.assessor.id"))
    region_code: Mapped[str] = mapped_column(String(13))
    component_key: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    moderated_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class Submission(Base):
    """An assessor's scores for one region, submitted: locked until an officer reopens them."""

    __tablename__ = "submission"

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessment.assessor.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SelfAssessment(Base):
    __tablename__ = "self_assessment"
    __table_args__ = (UniqueConstraint("round_id", "region_code", "component_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    component_key: Mapped[str] = mapped_column(String(60))
    value: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    evidence_links: Mapped[list[str]] = mapped_column(JSONB, default=list)
    verified_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    submitted_by: Mapped[str] = mapped_column(String(200))
    # The date of the submission (the act), and whether it was after the round's deadline (accepted, marked).
    submitted_on: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class Deadline(Base):
    """One of a round's dates (deadlines/schemas.py says which kinds there are, and their order)."""

    __tablename__ = "deadline"

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    late: Mapped[str] = mapped_column(String(14), default="refuse")
    remind_days_before: Mapped[list[int]] = mapped_column(JSONB, default=list)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Reminder(Base):
    """A reminder given to a region, once: its event is in the outbox, its e-mail's state here."""

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("round_id", "kind", "region_code", "days_before"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(String(13))
    region_code_today: Mapped[str] = mapped_column(String(13))
    due_on: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(SmallInteger)
    reminded_on: Mapped[date] = mapped_column(Date)
    to_address: Mapped[str | None] = mapped_column(String(254))
    mail_state: Mapped[str] = mapped_column(String(12), index=True)
    mail_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DecisionReview(Base):
    """The committee's review of a decision the certificate found fragile, for one version of the result; a region
    reviewed again keeps its earlier reviews."""

    __tablename__ = "decision_review"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    result_version: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(13))
    reviewed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LetterNumber(Base):
    """The agenda number the ministry gave a member's result letter of one version of the result, and the letter's
    date: an act of the ministry's registry, given once."""

    __tablename__ = "letter_number"
    __table_args__ = (UniqueConstraint("number"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), primary_key=True)
    result_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    number: Mapped[str] = mapped_column(String(80))
    dated_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Appeal(Base):
    """A region's sanggahan against a published result: filed in the round's window, decided with reasons."""

    __tablename__ = "appeal"
    __table_args__ = (UniqueConstraint("round_id", "region_code"),
                      CheckConstraint("state IN ('filed', 'upheld', 'rejected')", name="state"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(13))
    region_code_today: Mapped[str] = mapped_column(String(13))
    region_name: Mapped[str] = mapped_column(Text)
    filed_on: Mapped[date] = mapped_column(Date)
    grounds: Mapped[str] = mapped_column(Text)
    components: Mapped[list[str]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(10), default="filed")
    decided_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    republished_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IndicatorInput(Base):
    """Indicator values as fetched from the registry when scoring closed, so results can be recomputed."""

    __tablename__ = "indicator_input"

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Result(Base):
    """A region's frozen result in a finalised round."""

    __tablename__ = "result"

    round_id: Mapped[int] = mapped_column(ForeignKey("assessment.round.id"), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    # Today's code of the region; `region_code` is the code its act used (92.71 in 2018 is 96.71 today).
    region_code_today: Mapped[str] = mapped_column(String(13), index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    selected: Mapped[bool] = mapped_column(Boolean)
    rule: Mapped[str] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONB)


class SignedResult(Base):
    """One version of a published round's result as the gateway signed it (JWS), once: the same document for
    everyone. A superseded version keeps the inputs it was computed from, so it stays verifiable."""

    __tablename__ = "signed_result"

    round_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("assessment.round.id"), primary_key=True,
                                          autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    kid: Mapped[str] = mapped_column(String(100))
    jws: Mapped[str] = mapped_column(Text)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
