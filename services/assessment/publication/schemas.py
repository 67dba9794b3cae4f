"""What the ministry's registry gives the result letters: an agenda number and a date per member letter."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from services.common.schemas import RegencyCode, Strict


class LetterNumberIn(Strict):
    region_code: RegencyCode
    number: str = Field(min_length=3, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-/ ]*$",
                        examples=["B-1003/DJAI/AI.01.04/12/2022"],
                        description="The agenda number the ministry's registry gave the letter")


class LetterNumbersIn(Strict):
    dated_on: date = Field(examples=["2022-12-20"], description="The letters' date (the act's date), on or after "
                                                              "the announcement of the version they send")
    version: int | None = Field(default=None, ge=1, description="The result version the letters send (default: "
                                                                "the current one)")
    items: Annotated[list[LetterNumberIn], Field(min_length=1, max_length=514)]


class LetterNumber(BaseModel):
    region_code: str
    result_version: int
    number: str
    dated_on: date
