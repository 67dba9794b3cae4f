"""Assessors, conflicts of interest, mentorships and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from services.common.schemas import ORM, Omittable, Patch, RegencyCode, Strict


class AssessorIn(Strict):
    user_sub: str = Field(min_length=3, max_length=200, examples=["user:6f1c..."],
                          description="The gateway account (token `sub`) of this assessor")
    name: str = Field(min_length=2, max_length=200, examples=["Dr. Ir. Suhono Harso Supangkat"])
    institution: str = Field(min_length=2, max_length=120, examples=["ITB"])
    home_province: str | None = Field(default=None, pattern=r"^\d{2}$", examples=["32"])


class Assessor(ORM):
    id: int
    user_sub: str
    name: str
    institution: str
    home_province: str | None


class ConflictIn(Strict):
    region_code: RegencyCode
    reason: str = Field(min_length=3, max_length=1000, examples=["Former adviser to the regional government"])


class Conflict(ORM):
    assessor_id: int
    region_code: str
    reason: str
    declared_at: datetime


class MentorshipIn(Strict):
    institution: str = Field(min_length=2, max_length=120, examples=["ITB"])
    region_code: RegencyCode


class OverrideIn(Strict):
    assessor_id: int = Field(ge=1)
    region_code: RegencyCode
    reason: str = Field(min_length=10, max_length=1000)


class Sitting(Strict):
    """A time at a venue: what a session is, and what a slot offered to the solver is."""

    name: str = Field(min_length=2, max_length=200, examples=["Panel A, 21 Feb 2019 morning"])
    venue: str = Field(min_length=2, max_length=200, examples=["Pustiknas, Tangerang Selatan"])
    starts_at: datetime = Field(examples=["2019-02-21T08:00:00+07:00"])
    ends_at: datetime = Field(examples=["2019-02-21T12:00:00+07:00"])

    @model_validator(mode="after")
    def _times(self) -> Sitting:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.starts_at.tzinfo is None:
            raise ValueError("times need a timezone, e.g. 2019-02-21T08:00:00+07:00")
        return self


class SessionIn(Sitting):
    assessor_ids: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=50)
    region_codes: list[RegencyCode] = Field(min_length=1, max_length=200)
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=200,
                                        description="Conflicts the officer allows anyway, each with a reason")


class SessionPatch(Patch):
    """Omitted fields stay; the result is checked as a new session would be."""

    name: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    venue: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    starts_at: Omittable[datetime] = None
    ends_at: Omittable[datetime] = None
    assessor_ids: Omittable[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=50)]] = None
    region_codes: Omittable[Annotated[list[RegencyCode], Field(min_length=1, max_length=200)]] = None
    overrides: Omittable[Annotated[list[OverrideIn], Field(max_length=200)]] = None


class SessionBody(BaseModel):
    """A session's time, place, panel and regions: what `assessment_sessions_create` takes (without overrides)."""

    name: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    assessor_ids: list[int]
    region_codes: list[str]


class Session(SessionBody):
    id: int


class Assignments(BaseModel):
    round_id: int
    region_codes: list[str] = Field(description="The regions your panels hear in this round", examples=[["21.72"]])


class SlotIn(Sitting):
    """A time and room where a panel may sit; the solver decides who sits and whom it hears."""

    capacity: int = Field(ge=1, le=200, examples=[15], description="Regions the panel can hear in the slot")


class AvailableAssessor(Strict):
    assessor_id: int = Field(ge=1)
    capacity: int | None = Field(default=None, ge=1, le=514, examples=[40],
                                 description="Regions the assessor can hear at most (none: no limit)")


class PanelRules(Strict):
    min_panel: int = Field(default=2, ge=1, le=10, description="Assessors per panel, at least")
    max_panel: int = Field(default=3, ge=1, le=10, description="Assessors per panel, at most")
    min_institutions: int = Field(default=2, ge=1, le=10,
                                  description="Institutions each region's panel comes from, at least")

    @model_validator(mode="after")
    def _sizes(self) -> PanelRules:
        if self.min_panel > self.max_panel:
            raise ValueError("min_panel is above max_panel")
        if self.min_institutions > self.max_panel:
            raise ValueError("min_institutions is above max_panel: no panel could hold them")
        return self


class ProposalIn(Strict):
    slots: list[SlotIn] = Field(min_length=1, max_length=100)
    assessors: list[AvailableAssessor] = Field(min_length=1, max_length=200)
    rules: PanelRules = Field(default_factory=PanelRules)
    seed: int = Field(default=1, ge=0, le=2**31 - 1, examples=[2019],
                      description="Breaks ties between equally good proposals: the same seed, the same proposal")

    @model_validator(mode="after")
    def _distinct(self) -> ProposalIn:
        if len({a.assessor_id for a in self.assessors}) != len(self.assessors):
            raise ValueError("an assessor is listed twice")
        if len({s.name for s in self.slots}) != len(self.slots):
            raise ValueError("two slots have the same name")
        return self


class Placement(BaseModel):
    region_code: str
    region_name: str
    session: str
    assessor_ids: list[int]
    institutions: list[str]
    why: str = Field(description="Why this panel: the rules it holds for the region, and the session's load")


class Workload(BaseModel):
    assessor_id: int
    institution: str
    sessions: int
    regions: int
    capacity: int | None


class PanelProposal(BaseModel):
    seed: int
    rules: PanelRules
    sessions: list[SessionBody] = Field(description="Each the body of a session to create: accepting the "
                                                  "proposal is posting each")
    regions: list[Placement] = Field(description="Every region to be heard, in code order")
    workload: list[Workload] = Field(description="Every available assessor: sessions sat, regions heard")
