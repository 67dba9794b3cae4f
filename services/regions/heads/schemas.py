"""Regional heads and their terms of office: request and response models."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.schemas import Omittable, Patch

from ..registry.schemas import HeadTitle, TermEnd


class HeadTermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    head_name: str = Field(min_length=2, max_length=200, examples=["H. Syahrul"])
    title: HeadTitle = Field(examples=["walikota"])
    deputy_name: str | None = Field(default=None, max_length=200, examples=["Hj. Rahma"])
    start_date: date = Field(examples=["2018-09-24"])
    end_date: date | None = Field(default=None, examples=["2023-09-24"])
    end_reason: TermEnd | None = None

    @model_validator(mode="after")
    def _dates(self) -> HeadTermIn:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.end_reason is not None and self.end_date is None:
            raise ValueError("end_reason needs an end_date")
        if not (1945 <= self.start_date.year <= 2100):
            raise ValueError("start_date is out of range")
        return self


class HeadTermPatch(Patch):
    head_name: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    deputy_name: str | None = Field(default=None, max_length=200)
    end_date: date | None = None
    end_reason: TermEnd | None = None
