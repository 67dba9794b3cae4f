"""Request and response models of the region registry."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from services.common.numbers import PlainDecimal
from services.common.schemas import ORM, IslandGroup, Omittable, Patch

REGION_CODE_PATTERN = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
RegionCode = Annotated[str, Field(pattern=REGION_CODE_PATTERN, examples=["21.72"],
                                  description="Kemendagri region code: 31, 31.71, 31.71.01 or 31.71.01.1001")]


class Level(StrEnum):
    province = "province"
    regency = "regency"
    district = "district"
    village = "village"


class RegionType(StrEnum):
    kabupaten = "kabupaten"
    kota = "kota"
    kelurahan = "kelurahan"
    desa = "desa"
    desa_adat = "desa_adat"


class RegionSort(StrEnum):
    relevance = "relevance"
    code = "code"
    name = "name"
    name_desc = "-name"
    code_desc = "-code"


class Region(ORM):
    code: str = Field(examples=["21.72"])
    level: Level
    name: str = Field(examples=["Kota Tanjung Pinang"])
    name_short: str = Field(examples=["Tanjung Pinang"])
    type: RegionType | None = None
    parent_code: str | None = Field(default=None, examples=["21"])
    province_code: str = Field(examples=["21"])
    island_group: IslandGroup
    postal_code: str | None = None


class HeadTitle(StrEnum):
    bupati = "bupati"
    walikota = "walikota"
    pj_bupati = "pj_bupati"
    pj_walikota = "pj_walikota"
    plt_bupati = "plt_bupati"
    plt_walikota = "plt_walikota"


class TermEnd(StrEnum):
    completed = "completed"
    resigned = "resigned"
    died = "died"
    dismissed = "dismissed"
    replaced_by_acting = "replaced_by_acting"
    other = "other"


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


class HeadTerm(ORM):
    id: int
    region_code: str
    head_name: str
    title: HeadTitle
    deputy_name: str | None
    start_date: date
    end_date: date | None
    end_reason: TermEnd | None
    revision: int = Field(description="Counts changes; the ETag carries it")
    recorded_at: datetime = Field(validation_alias=AliasChoices("created_at", "recorded_at"),
                                  description="When the term was entered in the registry (start_date is when it began)")


class RegionDetail(Region):
    parent: Region | None = None
    children_count: int
    current_head: HeadTerm | None = Field(default=None, description="Head in office today (regencies only)")



class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[Annotated[str, Field(max_length=13)]] = Field(max_length=1000, examples=[["21.72", "16.03"]])


class LookupOut(BaseModel):
    found: list[Region]
    missing: list[str] = Field(description="Codes that are malformed or not in the registry")


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


class RegionRow(BaseModel):
    """One row of the region tree's export (CSV, XLSX, JSON)."""

    code: str = Field(examples=["21.72"])
    level: Level
    name: str
    name_short: str
    type: RegionType | None
    parent_code: str | None
    province_code: str
    island_group: IslandGroup
    postal_code: str | None


class IndicatorValueRow(BaseModel):
    """One row of an indicator's export (CSV, XLSX, JSON)."""

    indicator_code: str
    region_code: str
    year: int
    value: str = Field(description="A decimal number, as written", examples=["209280"])
    source: str
    loaded_by: str
    loaded_at: datetime
