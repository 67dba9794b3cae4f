"""Codes through time: request and response models."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from services.common.schemas import ORM


class CodeList(ORM):
    label: str = Field(examples=["2018"], description="The list's label; not the date its codes apply from")
    regulation: str = Field(examples=["Permendagri No. 137 Tahun 2017"])
    regulation_date: date | None = Field(examples=["2017-12-27"],
                                         description="NULL where only the year is established")
    regulation_year: int = Field(examples=[2017])
    source: str


class ChangeKind(StrEnum):
    renamed = "renamed"
    renumbered = "renumbered"
    split_from = "split_from"


class CodeChange(ORM):
    old_code: str = Field(examples=["92.71"])
    new_code: str = Field(examples=["96.71"])
    change: ChangeKind
    legal_basis: str = Field(examples=["UU No. 29 Tahun 2022 (Pembentukan Provinsi Papua Barat Daya), 8 Dec 2022"])
    enacted_on: date = Field(examples=["2022-12-08"], description="The date of the act")
    effective_on: date = Field(examples=["2025-04-25"],
                               description="From when the new code or name applies: a rename or a new province "
                                           "from its act; a new code from the first list that gave it, or from "
                                           "its act where that list's date is not established")
    list_before: str = Field(examples=["2023"])
    list_after: str = Field(examples=["2025"])
    name_old: str = Field(examples=["Kota Sorong"])
    name_new: str = Field(examples=["Kota Sorong"])


class RegionOn(BaseModel):
    """A region as it was on a date."""

    on: date = Field(examples=["2018-05-08"])
    existed: bool = Field(description="False for a province created after that day (its area was in another)")
    code: str | None = Field(examples=["92.71"])
    name: str | None = Field(examples=["Kota Sorong"])
    parent_code: str | None = Field(examples=["92"])
    parent_name: str | None = Field(examples=["Papua Barat"])
    code_list: CodeList | None = Field(description="The list of codes in force that day")


class CodeListEntry(ORM):
    code: str = Field(examples=["92.71"])
    level: str = Field(examples=["regency"])
    name: str = Field(examples=["Kota Sorong"])
    parent_code: str | None = Field(examples=["92"])
    region_code: str = Field(examples=["96.71"], description="Today's code of the same region")
