"""What a path names, loaded once per request, within the caller's region scope.

`...ForUpdate` aggregates are locked (FOR UPDATE) and checked against the caller's If-Match;
programme edits take the masterplan's ETag, since a programme is part of its masterplan.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from services.common.auth import Principal, optional_principal
from services.common.db import SessionDep
from services.common.etag import IfMatch, check_if_match
from services.common.upstream import Upstream

from .dimension.service import get_dimension
from .models import Dimension, Masterplan, Mou, Programme
from .mou.service import get_mou
from .plan.service import get_masterplan
from .programme.service import get_programme

PlanId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
ProgrammeId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
MouId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
DimensionCode = Annotated[str, Path(pattern=r"^[a-z_]{2,30}$", examples=["governance"])]
Caller = Annotated[Principal | None, Depends(optional_principal)]


async def _current_plan(plan_id: PlanId, session: SessionDep, caller: Caller) -> Masterplan:
    return await get_masterplan(session, plan_id, caller)


async def _locked_plan(plan_id: PlanId, session: SessionDep, caller: Caller) -> Masterplan:
    return await get_masterplan(session, plan_id, caller, lock=True)


async def _plan_for_update(plan: Annotated[Masterplan, Depends(_locked_plan)], if_match: IfMatch = None) -> Masterplan:
    check_if_match(if_match, plan.etag)
    return plan


async def _programme(programme_id: ProgrammeId, plan: Annotated[Masterplan, Depends(_current_plan)],
                     session: SessionDep) -> Programme:
    return await get_programme(session, plan, programme_id)


async def _programme_for_update(programme_id: ProgrammeId, plan: Annotated[Masterplan, Depends(_plan_for_update)],
                                session: SessionDep) -> Programme:
    return await get_programme(session, plan, programme_id)


async def _current_mou(mou_id: MouId, session: SessionDep, caller: Caller) -> Mou:
    return await get_mou(session, mou_id, caller)


async def _mou_for_update(mou_id: MouId, session: SessionDep, caller: Caller, if_match: IfMatch = None) -> Mou:
    mou = await get_mou(session, mou_id, caller, lock=True)
    check_if_match(if_match, mou.etag)
    return mou


async def _dimension_for_update(code: DimensionCode, session: SessionDep, if_match: IfMatch = None) -> Dimension:
    dim = await get_dimension(session, code, lock=True)
    check_if_match(if_match, dim.etag)
    return dim


CurrentPlan = Annotated[Masterplan, Depends(_current_plan)]
LockedPlan = Annotated[Masterplan, Depends(_locked_plan)]
PlanForUpdate = Annotated[Masterplan, Depends(_plan_for_update)]
CurrentProgramme = Annotated[Programme, Depends(_programme)]
ProgrammeForUpdate = Annotated[Programme, Depends(_programme_for_update)]
CurrentMou = Annotated[Mou, Depends(_current_mou)]
MouForUpdate = Annotated[Mou, Depends(_mou_for_update)]
DimensionForUpdate = Annotated[Dimension, Depends(_dimension_for_update)]


async def _registry(request: Request) -> Upstream:
    return Upstream(request, "regions")


async def _assessment(request: Request) -> Upstream:
    return Upstream(request, "assessment")


Registry = Annotated[Upstream, Depends(_registry)]
Assessment = Annotated[Upstream, Depends(_assessment)]
