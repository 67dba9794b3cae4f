"""Appeals (sanggahan) against a published result, their decisions, and the result published again."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.schemas import CodeToday, RecordedCode, RegencyCode, Strict

from ..rubric.schemas import Key


class AppealIn(Strict):
    region_code: RegencyCode = Field(description="The appealing region (a pemda user: its own)")
    filed_on: date = Field(description="The day the appeal was filed (the act's date), within the round's appeal "
                                       "window", examples=["2019-03-22"])
    grounds: str = Field(min_length=10, max_length=10_000, examples=[
        "Nilai wawancara dimensi tata kelola tidak memperhitungkan dokumen rencana induk TIK yang telah diserahkan"])
    components: list[Key] = Field(min_length=1, max_length=20, description="The panel components contested; an "
                                  "upheld appeal re-opens these, for this region alone", examples=[["overall"]])


class Decision(StrEnum):
    upheld = "upheld"
    rejected = "rejected"


class DecisionIn(Strict):
    decision: Decision
    decided_on: date = Field(description="The day the officer decided (the act's date)", examples=["2019-03-29"])
    reasons: str = Field(min_length=10, max_length=10_000, examples=[
        "Dokumen rencana induk TIK terbukti diserahkan sebelum wawancara; nilai komponen dinilai ulang"])


class Appeal(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    round_id: int
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    filed_on: date
    grounds: str
    components: list[str]
    state: str = Field(description="filed, upheld or rejected", examples=["upheld"])
    decided_on: date | None
    reasons: str | None
    republished_version: int | None = Field(description="The result version that took the upheld appeal in")
    created_by: str
    created_at: datetime
    decision_recorded_at: datetime | None


class RepublicationIn(Strict):
    republished_on: date = Field(description="The day the corrected result is announced (the act's date)",
                                 examples=["2019-04-05"])


class ResultVersion(BaseModel):
    version: int
    current: bool
    signed_at: datetime | None = Field(description="When the gateway signed it; none until first requested")
    superseded_at: datetime | None
    jws_sha256: str | None = Field(description="SHA-256 of the compact JWS: what a later version's `supersedes` "
                                               "names")
