"""Indicators per region and year, loaded by the ministry that owns each: request and response models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.numbers import PlainDecimal
from services.common.schemas import ORM, Omittable, Patch

from ..registry.schemas import RegionCode


class IndicatorKind(StrEnum):
    numeric = "numeric"
    category = "category"


class Indicator(ORM):
    code: str = Field(examples=["kkd"])
    name_id: str
    name_en: str
    description: str | None
    unit: str | None
    kind: IndicatorKind
    categories: list[str] | None = Field(description="Allowed values, lowest first (category indicators)")
    min_value: PlainDecimal | None
    max_value: PlainDecimal | None
    higher_is_better: bool
    owner_role: str = Field(description="The ministry role that may write its values")
    source_note: str | None
    revision: int = Field(description="Counts changes; the ETag carries it")


class IndicatorPatch(Patch):
    name_id: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    name_en: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    description: str | None = Field(default=None, max_length=2000)
    unit: str | None = Field(default=None, max_length=40)
    source_note: str | None = Field(default=None, max_length=2000)


class IndicatorValue(ORM):
    indicator_code: str
    region_code: str
    year: int
    value: PlainDecimal | str = Field(examples=["tinggi"])
    source: str
    loaded_by: str
    loaded_at: datetime
    superseded_at: datetime | None = None


class IndicatorValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region_code: RegionCode
    year: int = Field(ge=2000, le=2100, examples=[2019])
    value: PlainDecimal | str = Field(examples=["tinggi"])
    source: str = Field(min_length=3, max_length=500, examples=["PMK 116/PMK.07/2021"])


class BulkRowError(BaseModel):
    row: int = Field(description="1-based row number in the file (after the header)")
    field: str | None
    detail: str


class BulkResult(BaseModel):
    indicator_code: str
    received: int
    created: int
    corrected: int
    unchanged: int


class IndicatorValueRow(BaseModel):
    """One row of an indicator's export (CSV, XLSX, JSON)."""

    indicator_code: str
    region_code: str
    year: int
    value: str = Field(description="A decimal number, as written", examples=["209280"])
    source: str
    loaded_by: str
    loaded_at: datetime
