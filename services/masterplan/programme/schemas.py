"""Programme and roadmap models."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from services.common.schemas import ORM, Strict

from ..types import Rupiah, Year


class Funding(StrEnum):
    apbd = "apbd"
    apbn = "apbn"
    kpbu = "kpbu"
    csr_private = "csr_private"
    other = "other"


class BudgetLine(Strict):
    year: Year
    source: Funding
    amount: Rupiah


class ProgrammeIn(Strict):
    dimension_code: str = Field(pattern=r"^[a-z_]{2,30}$", examples=["governance"])
    element_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["public_services"])
    title: str = Field(min_length=3, max_length=300, examples=["Mal Pelayanan Publik digital"])
    description: str | None = Field(default=None, max_length=4000)
    opd: str = Field(min_length=2, max_length=200, examples=["Dinas Komunikasi dan Informatika"])
    start_year: Year
    end_year: Year
    quick_win: bool = False
    budget: list[BudgetLine] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _years(self) -> ProgrammeIn:
        if self.end_year < self.start_year:
            raise ValueError("end_year is before start_year")
        for line in self.budget:
            if not self.start_year <= line.year <= self.end_year:
                raise ValueError(f"budget year {line.year} is outside the programme's years")
        keys = [(b.year, b.source) for b in self.budget]
        if len(keys) != len(set(keys)):
            raise ValueError("one budget line per year and source")
        return self


class Programme(ORM):
    id: int
    key: str
    dimension_code: str
    element_code: str | None
    title: str
    description: str | None
    opd: str
    start_year: int
    end_year: int
    quick_win: bool
    budget: list[BudgetLine]
    alignment: list[str]


class AlignmentIn(Strict):
    tags: list[Annotated[str, Field(min_length=2, max_length=100)]] = Field(
        max_length=20, examples=[["RPJMN 2020-2024 PN 7: transformasi digital", "RPJMD misi 2"]])


class RoadmapCell(BaseModel):
    programmes: list[str] = Field(description="Programme keys running in this year and dimension")
    budget: int


class RoadmapYear(BaseModel):
    year: int
    dimensions: dict[str, RoadmapCell]
    budget_total: int
    budget_by_source: dict[str, int]
    quick_wins: list[str]


class Roadmap(BaseModel):
    masterplan_id: int
    region_code: str
    version: int
    start_year: int
    end_year: int
    years: list[RoadmapYear]
    budget_total: int
    budget_by_dimension: dict[str, int]
    budget_by_source: dict[str, int]
