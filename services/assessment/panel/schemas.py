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


class SessionIn(Strict):
    name: str = Field(min_length=2, max_length=200, examples=["Panel A, 21 Feb 2019 morning"])
    venue: str = Field(min_length=2, max_length=200, examples=["Pustiknas, Tangerang Selatan"])
    starts_at: datetime
    ends_at: datetime
    assessor_ids: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=50)
    region_codes: list[RegencyCode] = Field(min_length=1, max_length=200)
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=200,
                                        description="Conflicts the officer allows anyway, each with a reason")

    @model_validator(mode="after")
    def _times(self) -> SessionIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.starts_at.tzinfo is None:
            raise ValueError("times need a timezone, e.g. 2019-02-21T08:00:00+07:00")
        return self


class SessionPatch(Patch):
    """Omitted fields stay; the result is checked as a new session would be."""

    name: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    venue: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    starts_at: Omittable[datetime] = None
    ends_at: Omittable[datetime] = None
    assessor_ids: Omittable[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1, max_length=50)]] = None
    region_codes: Omittable[Annotated[list[RegencyCode], Field(min_length=1, max_length=200)]] = None
    overrides: Omittable[Annotated[list[OverrideIn], Field(max_length=200)]] = None


class Session(BaseModel):
    id: int
    name: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    assessor_ids: list[int]
    region_codes: list[str]


class Assignments(BaseModel):
    round_id: int
    region_codes: list[str] = Field(description="The regions your panels hear in this round", examples=[["21.72"]])
