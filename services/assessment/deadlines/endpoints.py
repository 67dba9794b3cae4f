"""A round's deadlines, what is overdue, and the reminders given."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Response

from services.common import clock
from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.routing import contract_router
from services.common.schemas import RegencyCodeFilter

from ..auth import Officer, Reader, RegionParty
from ..deps import CurrentRound, LockedRound, RoundForUpdate
from ..exceptions import RoundStateForbids
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", tags=["deadlines"],
                         dependencies=[Depends(region_scope)])


@router.put("/rounds/{round_id}/deadlines", operation_id="assessment_deadlines_replace",
            summary="Set the round's dates: answers, self-assessment, interviews, announcement, appeal window",
            description="Replaced whole, in the programme's order (each due no earlier than the one before). For a "
                        "region's submissions the rule `late` says whether an act dated after its deadline is "
                        "refused (409 deadline-passed) or accepted and marked late; `remind_days_before` says "
                        "when regions that still owe it are reminded. Not once the round is published.",
            responses={**ERR(404, 409, 412, 422, 428, RoundStateForbids), **with_etag()})
async def replace_deadlines(round_: RoundForUpdate, body: schemas.DeadlinesIn, session: SessionDep, actor: Officer,
                            response: Response) -> list[schemas.Deadline]:
    answer = await service.replace(session, round_, body, actor)
    set_etag(response, round_.etag)
    return answer


@router.get("/rounds/{round_id}/deadlines", operation_id="assessment_deadlines_list",
            summary="The round's dates", description="In the programme's order.", responses=ERR(404, 422))
async def list_deadlines(round_: CurrentRound, session: SessionDep, _: RegionParty) -> list[schemas.Deadline]:
    return service.listing(await service.of_round(session, round_.id))


@router.get("/rounds/{round_id}/overdue", operation_id="assessment_overdue_list",
            summary="What is past its deadline and not done, on a given day",
            description="Per region for its submissions (an unanswered invitation, a self-assessment not "
                        "submitted), per round for an announcement not made. `on` defaults to today (WIB); a "
                        "pemda user sees its own region only.", responses=ERR(404, 422))
async def list_overdue(round_: CurrentRound, session: SessionDep, principal: RegionParty,
                       on: Annotated[date | None, Query(examples=["2019-02-25"])] = None,
                       region_code: RegencyCodeFilter = None) -> list[schemas.Overdue]:
    return await service.overdue(session, round_, on or clock.today(), principal, region_code)


@router.post("/rounds/{round_id}/reminders", operation_id="assessment_reminders_create",
             summary="Give the reminders due on a day (a scheduler calls it daily)",
             description="For each region that still owes a submission, the nearest reminder its deadline states "
                         "for that day: an event `deadline.reminder` (and its webhooks) and an e-mail to the "
                         "region's contact for the round, sent at most once by the service's mailer. Running it "
                         "again gives nothing twice.", responses=ERR(404, 422))
async def run_reminders(round_: LockedRound, body: schemas.RemindersRun, session: SessionDep,
                        actor: Officer) -> schemas.RemindersRunResult:
    return await service.run_reminders(session, round_, body.on, actor)


@router.get("/rounds/{round_id}/reminders", operation_id="assessment_reminders_list",
            summary="Reminders given, with the state of each e-mail", description="Oldest first.",
            responses=ERR(404, 422))
async def list_reminders(round_: CurrentRound, session: SessionDep, _: Reader) -> list[schemas.Reminder]:
    return await service.reminders(session, round_.id)
