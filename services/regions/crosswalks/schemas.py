"""Crosswalks from other codings to Kemendagri codes: request and response models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.common.schemas import ORM


class Coding(StrEnum):
    """How a file codes its regions: Kemendagri's codes (31.71) or BPS's (3171, another numbering)."""

    kemendagri = "kemendagri"
    bps = "bps"


class ExternalCoding(StrEnum):
    """A coding mapped to Kemendagri's by a loaded crosswalk."""

    bps = "bps"


class CrosswalkEntry(ORM):
    external_code: str = Field(examples=["9171"])
    kemendagri_code: str = Field(examples=["92.71"], description="As the crosswalk gave it, in that year's codes")
    region_code: str = Field(examples=["96.71"], description="Today's code of the region")
    name: str | None = Field(examples=["Kota Sorong"])


class Crosswalk(BaseModel):
    coding: ExternalCoding
    year: int = Field(examples=[2018])
    entries: int = Field(examples=[514])
    source: str = Field(examples=["BPS, Master File Desa 2018"])
    loaded_by: str
    loaded_at: datetime


class CrosswalkEntryIn(BaseModel):
    """One row of a crosswalk file (JSON, CSV or workbook)."""

    model_config = ConfigDict(extra="forbid")
    external_code: str = Field(max_length=20, examples=["9171"])
    kemendagri_code: str = Field(max_length=5, examples=["92.71"])
    name: str | None = Field(default=None, max_length=200, examples=["Kota Sorong"])


CROSSWALK_FIELDS = {"external_code", "kemendagri_code"}
MAX_ROWS = 100_000
