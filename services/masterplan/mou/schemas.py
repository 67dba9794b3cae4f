"""MoU models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AliasChoices, Field, model_validator

from services.common.schemas import ORM, CodeToday, Omittable, Patch, RecordedCode, RegencyCode, Signatory, Strict


class MouIn(Strict):
    region_code: RegencyCode
    signed_on: date = Field(examples=["2018-05-08"])
    place: str = Field(min_length=2, max_length=200, examples=["Hotel Redtop, Jakarta"])
    signatories: list[Signatory] = Field(min_length=2, max_length=10)
    document_ref: str = Field(min_length=3, max_length=200, examples=["NK 119/M.KOMINFO/HK.03.02/05/2018"])


class Mou(ORM):
    id: int
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    round_id: int
    cohort_year: int
    signed_on: date = Field(description="When it was signed")
    place: str
    signatories: list[dict[str, str]]
    document_ref: str
    amended_on: date | None = Field(description="When the last amendment was agreed")
    amendment_reason: str | None
    recorded_at: datetime = Field(validation_alias=AliasChoices("created_at", "recorded_at"),
                                  description="When the MoU was entered in this system")


class MouAmendmentIn(Patch):
    """The fields an amendment changes (omitted ones stay), its reason and the date it was agreed."""

    reason: str = Field(min_length=10, max_length=2000, examples=["Adendum: penandatangan dari pihak Pemda berganti"])
    amended_on: date | None = Field(default=None, description="When the amendment was agreed; default today (WIB)",
                                    examples=["2018-07-02"])
    signed_on: Omittable[Annotated[date, Field(examples=["2018-05-08"])]] = None
    place: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    signatories: Omittable[Annotated[list[Signatory], Field(min_length=2, max_length=10)]] = None
    document_ref: Omittable[Annotated[str, Field(min_length=3, max_length=200)]] = None

    @model_validator(mode="after")
    def _changes_something(self) -> MouAmendmentIn:
        if not self.model_fields_set & {"signed_on", "place", "signatories", "document_ref"}:
            raise ValueError("an amendment changes at least one of signed_on, place, signatories, document_ref")
        return self
