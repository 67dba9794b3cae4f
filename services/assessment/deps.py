"""What a path names, loaded once per request: the aggregates endpoints work on, and the caller as assessor.

`...ForUpdate` aggregates are locked (FOR UPDATE) and checked against the caller's If-Match, so
every update gets optimistic concurrency from its signature, and OpenAPI shows the header.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.common.db import SessionDep
from services.common.etag import IfMatch, check_if_match
from services.common.schemas import RegencyCodePath

from .auth import AssessorOnly
from .models import Assessor, Hearing, Round, Rubric
from .panel.service import assessor_of, get_session
from .round.service import load_round, recorded_code
from .rubric.service import get_rubric

RoundId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
RubricId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
SessionId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
AssessorId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]


async def _code_in_round(round_id: RoundId, region_code: RegencyCodePath, session: SessionDep) -> str:
    return await recorded_code(session, round_id, region_code)


# A region in a round's paths, by today's code or the one the round recorded: the recorded one.
RoundRegionCode = Annotated[str, Depends(_code_in_round)]


async def _current_rubric(rubric_id: RubricId, session: SessionDep) -> Rubric:
    return await get_rubric(session, rubric_id)


async def _rubric_for_update(rubric_id: RubricId, session: SessionDep, if_match: IfMatch = None) -> Rubric:
    rubric = await get_rubric(session, rubric_id, lock=True)
    check_if_match(if_match, rubric.etag)
    return rubric


async def _current_round(round_id: RoundId, session: SessionDep) -> Round:
    return await load_round(session, round_id)


async def _locked_round(round_id: RoundId, session: SessionDep) -> Round:
    return await load_round(session, round_id, lock=True)


async def _round_for_update(round_: Annotated[Round, Depends(_locked_round)], if_match: IfMatch = None) -> Round:
    check_if_match(if_match, round_.etag)
    return round_


async def _hearing_for_update(round_: Annotated[Round, Depends(_locked_round)], session_id: SessionId,
                           session: SessionDep, if_match: IfMatch = None) -> Hearing:
    hearing = await get_session(session, round_, session_id)
    check_if_match(if_match, hearing.etag)
    return hearing


async def _me(session: SessionDep, principal: AssessorOnly) -> Assessor:
    return await assessor_of(session, principal)


CurrentRubric = Annotated[Rubric, Depends(_current_rubric)]
RubricForUpdate = Annotated[Rubric, Depends(_rubric_for_update)]
CurrentRound = Annotated[Round, Depends(_current_round)]
# Changes that depend on the round's state lock it, so two of them cannot interleave.
LockedRound = Annotated[Round, Depends(_locked_round)]
RoundForUpdate = Annotated[Round, Depends(_round_for_update)]
# A session of a round (its round locked), checked against the caller's If-Match.
HearingForUpdate = Annotated[Hearing, Depends(_hearing_for_update)]
# The caller as a registered assessor (403 if they are not one).
Me = Annotated[Assessor, Depends(_me)]
