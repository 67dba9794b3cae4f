"""What several assessment stages speak of: a round's state, an invitation's status, the equity rules.

Kept below the stages, so that round (which opens, invites and closes) and selection (which computes from a
round's inputs) both use them without importing each other upward.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from services.common.schemas import IslandGroup, Strict


class RoundState(StrEnum):
    draft = "draft"
    inviting = "inviting"
    assessing = "assessing"
    moderating = "moderating"
    finalised = "finalised"
    published = "published"


class InvitationStatus(StrEnum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class EquityRules(Strict):
    min_per_island_group: dict[IslandGroup, Annotated[int, Field(ge=0, le=514)]] = Field(
        default_factory=dict, examples=[{"papua": 2, "maluku": 1}])
    max_per_province: int | None = Field(default=None, ge=1, le=514, examples=[3])
