"""A region's summary and the funnel rows."""

from __future__ import annotations

from pydantic import BaseModel, Field

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

    region_code: str
    cohort_year: int
    mou_signed: bool
    masterplan_approved: bool
    quick_wins_delivered: int
    programmes_late: int


class MouFunnelRows(BaseModel):
    items: list[MouFunnelRow]
