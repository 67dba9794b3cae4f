"""The region tree: codes, names, levels, search, lookup and export: request and response models."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from services.common.schemas import ORM, IslandGroup, IsoDate

from ..history.schemas import CodeChange, RegionOn

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
    resolved_from: str | None = Field(default=None, examples=["92.71"],
                                      description="The former code asked for, when it led to this region")


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
    changes: list[CodeChange] = Field(default_factory=list,
                                      description="The legal acts that renamed, renumbered or created it since 2015")
    as_on: RegionOn | None = Field(default=None, description="The region as it was on `on`, when asked")


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[Annotated[str, Field(max_length=13)]] = Field(max_length=1000, examples=[["21.72", "92.71"]])
    on: IsoDate | None = Field(default=None, examples=["2018-05-08"],
                            description="The date the codes were used: a reused code names the region it named "
                                        "then, and `resolved` gives each region's code on that day")


class ResolvedCode(BaseModel):
    requested: str = Field(examples=["92.71"])
    code: str = Field(examples=["96.71"], description="Today's code of the region")
    code_on: str | None = Field(examples=["92.71"], description="Its code on `on`, when `on` was given")


class LookupOut(BaseModel):
    found: list[Region] = Field(description="Today's record of each region found, once")
    resolved: list[ResolvedCode] = Field(default_factory=list, description="Each code found, in the order asked")
    missing: list[str] = Field(description="Codes that are malformed or never named a kabupaten/kota")


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
