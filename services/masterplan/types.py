"""Field types the masterplan stages share."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Year = Annotated[int, Field(ge=2017, le=2060, examples=[2019])]
Rupiah = Annotated[int, Field(ge=0, le=10**15, description="Rupiah, whole numbers", examples=[1_500_000_000])]
