"""Round and invitation operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from services.common.auth import SignedIn, region_scope
from services.common.db import SessionDep
from services.common.errors import IllegalTransition
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router, no_if_match

from ..auth import Answerer, Officer, RegionParty
from ..deps import CurrentRound, LockedRound, RoundForUpdate, RoundRegionCode
from ..exceptions import (
    ActDateOrder,
    AttendanceNotOpen,
    FragileDecisionsUnreviewed,
    InvitationNotAccepted,
    InvitationWithdrawn,
    RegionAlreadySelected,
    RoundFrozen,
    RoundStateForbids,
    ScoresOwed,
    SessionOutsideRound,
)
from ..masterplans import Masterplans
from ..models import records
from ..registry import Registry
from ..types import InvitationStatus, RoundState
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", dependencies=[Depends(region_scope)])


@router.get("/rounds", operation_id="assessment_rounds_list", tags=["rounds"], summary="Rounds, newest first",
            description="Every round, filtered by year or state.", responses=ERR(422))
async def list_rounds(session: SessionDep, _: SignedIn, page: PageDep,
                      year: Annotated[int | None, Query(ge=2017, le=2100, examples=[2019])] = None,
                      state: RoundState | None = None) -> Page[schemas.Round]:
    return await paginate(session, service.listing(year, state), page, schemas.Round.model_validate)


@router.post("/rounds", operation_id="assessment_rounds_create", tags=["rounds"], status_code=201,
             summary="Open a round (draft)",
             description="A year's cohort: quota, dates, venue, rubric and equity rules. It starts as a draft.",
             responses={**ERR(404, 409, 422), **with_etag(201, created=True)})
async def create_round(body: schemas.RoundIn, session: SessionDep, actor: Officer,
                       response: Response) -> schemas.Round:
    round_ = await service.create_round(session, body, actor)
    set_etag(response, round_.etag)
    response.headers["Location"] = f"/api/v1/assessment/rounds/{round_.id}"
    return schemas.Round.model_validate(round_)


@router.get("/rounds/{round_id}", operation_id="assessment_rounds_get", tags=["rounds"], summary="One round",
            description="The round with its state, dates and rules.", responses={**ERR(404, 422), **with_etag()})
async def get_round(round_: CurrentRound, _: SignedIn, response: Response) -> schemas.Round:
    set_etag(response, round_.etag)
    return schemas.Round.model_validate(round_)


@router.patch("/rounds/{round_id}", operation_id="assessment_rounds_update", tags=["rounds"],
              summary="Change a draft or inviting round",
              description="Dates may not move away from a session already scheduled (409 session-outside-round).",
              responses={**ERR(404, 409, 412, 422, 428, RoundFrozen, RoundStateForbids, SessionOutsideRound),
                         **with_etag()})
async def update_round(round_: RoundForUpdate, body: schemas.RoundPatch, session: SessionDep, actor: Officer,
                       response: Response) -> schemas.Round:
    round_ = await service.update_round(session, round_, body, actor)
    set_etag(response, round_.etag)
    return schemas.Round.model_validate(round_)


@router.post("/rounds/{round_id}/transitions", operation_id="assessment_rounds_transition", tags=["rounds"],
             summary="Move a round to its next state",
             description="draft → inviting → assessing → moderating → finalised → published (moderating may go "
                         "back to assessing). An illegal move is 409 illegal-transition naming the allowed ones. "
                         "Finalising is refused while panel scores are owed (409 scores-owed) or, in a round that "
                         "tests its decisions, while a fragile one has no review (409 "
                         "fragile-decisions-unreviewed), then freezes the results, their certificate and their "
                         "content hash; publishing opens the public view. Finalising "
                         "gives the day the committee decided (`decided_on`, not before the round starts), "
                         "publishing the day it was announced (`announced_on`, not before the decision) and the "
                         "officials who adopt the minutes (409 act-date-order when the dates run backwards).",
             responses={**ERR(404, 409, 422, 502, 503, IllegalTransition, ScoresOwed, FragileDecisionsUnreviewed,
                                    ActDateOrder), **with_etag()})
async def transition(round_: LockedRound, body: schemas.Transition, session: SessionDep, actor: Officer,
                     registry: Registry, masterplans: Masterplans, response: Response) -> schemas.Round:
    round_ = await service.transition(session, round_, body, actor, registry, masterplans)
    set_etag(response, round_.etag)
    return schemas.Round.model_validate(round_)


@router.post("/rounds/{round_id}/invitations", operation_id="assessment_invitations_create", tags=["invitations"],
             summary="Invite regions by code list or by filter (checked against the region registry)",
             description="A region selected in an earlier final round is refused (409 region-already-selected) "
                         "unless `reinvitations` gives an officer's reason; a filter leaves such regions out and "
                         "names them.",
             responses=ERR(404, 409, 422, 502, 503, RoundFrozen, RoundStateForbids, RegionAlreadySelected))
async def invite(round_: LockedRound, body: schemas.InviteIn, session: SessionDep, actor: Officer,
                 registry: Registry) -> schemas.InviteResult:
    return await service.invite(session, round_, body, registry, actor)


@router.get("/rounds/{round_id}/invitations", operation_id="assessment_invitations_list", tags=["invitations"],
            summary="Invited regions and their answers",
            description="A pemda user sees its own region's invitation only.", responses=ERR(404, 422))
async def list_invitations(round_: CurrentRound, session: SessionDep, principal: RegionParty, page: PageDep,
                           status_: Annotated[InvitationStatus | None, Query(alias="status")] = None,
                           attended: bool | None = None) -> Page[schemas.Invitation]:
    stmt = service.invitations(round_, status_, attended, principal)
    return await paginate(session, stmt, page, schemas.Invitation.model_validate)


@router.post("/rounds/{round_id}/invitations/answers", operation_id="assessment_invitations_bulk_answer",
             tags=["invitations"], summary="Answers and attendance for many regions at once (all or nothing)",
             description="As at Pustiknas: one call records the answers and attendance of many regions. Every row "
                         "is checked first; if any is refused nothing is recorded and the 422 names each row. "
                         "Attendance is recorded once the round is inviting or assessing (409 attendance-not-open).",
             responses=ERR(404, 409, 422, InvitationNotAccepted, RoundFrozen, AttendanceNotOpen, InvitationWithdrawn))
async def answer_invitations(round_: LockedRound, body: schemas.InvitationAnswersIn, session: SessionDep,
                             actor: Officer) -> schemas.InvitationAnswersResult:
    return await service.answer_invitations(session, round_, body, actor)


@router.patch("/rounds/{round_id}/invitations/{region_code}", operation_id="assessment_invitations_answer",
              openapi_extra=no_if_match("A region's answer and an officer's attendance record are facts set whole, "
                                        "each by one party; the round's state gates them and the audit keeps "
                                        "every earlier answer"),
              tags=["invitations"], summary="Record the region's answer (pemda) or its attendance (Kominfo)",
              description="Each act carries its date (`answered_on`, `attended_on`; default today in WIB) beside "
                          "the time it is recorded. Attendance is refused while the round is a draft "
                          "(409 attendance-not-open); a withdrawn invitation is not answered (409 "
                          "invitation-withdrawn).",
              responses=ERR(404, 409, 422, InvitationNotAccepted, RoundFrozen, AttendanceNotOpen, InvitationWithdrawn))
async def answer_invitation(actor: Answerer, round_: LockedRound, region_code: RoundRegionCode,
                            body: schemas.InvitationAnswer, session: SessionDep) -> schemas.Invitation:
    inv = await service.get_invitation(session, round_.id, region_code)
    return schemas.Invitation.model_validate(await service.answer_invitation(session, round_, inv, body, actor))


@router.post("/rounds/{round_id}/invitations/{region_code}/withdrawal", operation_id="assessment_invitations_withdraw",
             tags=["invitations"], summary="Withdraw a region from the round, with a reason",
             description="Before the assessment it takes the invitation back; later it marks a region that left. "
                         "Either way the region is kept for the record, is never ranked and owes no scores.",
             responses=ERR(404, 409, 422, RoundFrozen, InvitationWithdrawn))
async def withdraw_invitation(round_: LockedRound, region_code: RoundRegionCode, body: schemas.WithdrawalIn,
                              session: SessionDep, actor: Officer) -> schemas.Invitation:
    inv = await service.get_invitation(session, round_.id, region_code)
    return schemas.Invitation.model_validate(await service.withdraw(session, round_, inv, body, actor))
