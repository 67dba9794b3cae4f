"""A region's summary, its dossier from every service, and the programme funnel."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from services.common.schemas import CodeToday, RecordedCode

from ..mou.schemas import Mou
from ..plan.schemas import Masterplan
from ..progress.schemas import LateProgramme


class RoadmapSummary(BaseModel):
    start_year: int
    end_year: int
    programmes: int
    quick_wins: int
    budget_total: int
    budget_by_dimension: dict[str, int]


class RegionSummary(BaseModel):
    region_code: str
    mous: list[Mou]
    current: Masterplan | None = Field(description="The approved version, else the newest")
    versions: int
    roadmap: RoadmapSummary | None
    late: list[LateProgramme]


class MouFunnelRow(BaseModel):
    """One MoU, for the programme funnel."""

    region_code: RecordedCode
    region_code_today: CodeToday
    cohort_year: int
    mou_signed: bool
    masterplan_approved: bool
    quick_wins_delivered: int
    programmes_late: int


class MouFunnelRows(BaseModel):
    items: list[MouFunnelRow]


class MissingPart(BaseModel):
    part: str = Field(examples=["assessment"])
    reason: str = Field(examples=["the assessment service did not answer within 2.0s"])


class Passed(BaseModel):
    """A part as another service answered it: the fields named here, and any it adds later."""

    model_config = ConfigDict(extra="allow")


class DossierHead(Passed):
    head_name: str = Field(examples=["Rahma"])
    title: str = Field(examples=["walikota"])
    deputy_name: str | None = None
    start_date: date
    end_date: date | None = None


class DossierRegion(Passed):
    """The registry's profile (`GET /api/v1/regions/{code}`)."""

    code: str = Field(examples=["21.72"])
    name: str = Field(examples=["Kota Tanjung Pinang"])
    level: str = Field(examples=["regency"])
    province_code: str = Field(examples=["21"])
    island_group: str = Field(examples=["sumatera"])
    type: str | None = Field(default=None, examples=["kota"])
    current_head: DossierHead | None = Field(default=None, description="Head in office today")


class DossierIndicator(Passed):
    """One indicator value (`GET /api/v1/regions/{code}/indicators`)."""

    indicator_code: str = Field(examples=["population"])
    year: int
    value: str = Field(examples=["209280"])
    source: str


class DossierRound(Passed):
    """One round the region took part in (`GET /api/v1/assessment/regions/{code}/history`)."""

    round_id: int
    year: int
    title: str
    state: str = Field(examples=["published"])
    invitation: str = Field(examples=["accepted"])
    attended: bool
    rank: int | None = None
    total: float | None = None
    selected: bool | None = None
    rule: str | None = None


class Dossier(BaseModel):
    region: DossierRegion = Field(description="Registry profile with parent and current head")
    indicators: list[DossierIndicator] | None = None
    assessment: list[DossierRound] | None = Field(default=None, description="Rounds, answers and results")
    masterplan: RegionSummary | None = Field(default=None, description="MoUs, current masterplan, roadmap, late")
    missing: list[MissingPart] = Field(description="Parts that could not be had, and why; empty when complete")


class FunnelYear(BaseModel):
    year: int
    invited: int = Field(description="Distinct regions invited (cumulative: ever invited up to this year)")
    attended: int
    selected: int
    mou_signed: int
    masterplans_approved: int
    quick_wins_delivered: int
    programmes_late: int
    population_selected: int = Field(description="Population of the selected regions, each taken for its cohort "
                                     "year (or the latest year before it): later data never changes it")
    population_with_masterplan: int = Field(description="Population of those with an approved masterplan, "
                                            "taken the same way")
    population_years: list[int] = Field(description="The data years the population figures use")
    population_unknown: int = Field(description="Regions counted with no population value at or before their "
                                    "cohort year")
    selected_tertinggal: int | None = Field(
        description="Selected regions that were daerah tertinggal (3T) in their cohort year, by the Perpres list "
                    "loaded for that year; null when no list is loaded for any of those years")


class Funnel(BaseModel):
    per_year: list[FunnelYear]
    cumulative: list[FunnelYear] = Field(description="Up to each year, each region counted once")
    filters: dict[str, str | None]


class OpenDataMasterplan(BaseModel):
    """One row of the approved masterplans' open data (CSV, XLSX, JSON)."""

    region_code: RecordedCode
    region_code_today: CodeToday
    cohort_year: int
    version: int
    start_year: int
    end_year: int
    vision: str
    programmes: int
    quick_wins: int
    budget_total: int = Field(description="Rupiah, all programmes and years")
    legal_basis: str | None = Field(description="The Perbup/Perwali number")
    approved_on: date | None
