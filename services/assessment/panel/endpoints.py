"""Assessor, conflict-of-interest, mentorship and session operations."""

from __future__ import annotations

from fastapi import Depends, Response, status

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import AlreadyExists
from services.common.errors import problem_responses as ERR
from services.common.etag import set_etag, with_etag
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router

from ..auth import AssessorOrOfficer, Officer, Reader, ReaderOrAssessor
from ..deps import AssessorId, CurrentRound, HearingForUpdate, LockedRound, Me, SessionId
from ..exceptions import (
    AssessorOnAnotherPanel,
    AssignmentInfeasible,
    ConflictOfInterest,
    InvitationNotAccepted,
    RegionInAnotherSession,
    RoundFrozen,
    RoundStateForbids,
    ScoringStarted,
    SessionOutsideRound,
)
from ..models import Hearing, records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", dependencies=[Depends(region_scope)])


@router.get("/assessors", operation_id="assessment_assessors_list", tags=["assessors"], summary="Assessors",
            description="Registered assessors with their institution and home province.", responses=ERR(422))
async def list_assessors(session: SessionDep, _: Reader, page: PageDep) -> Page[schemas.Assessor]:
    return await paginate(session, service.assessors(), page, schemas.Assessor.model_validate)


@router.post("/assessors", operation_id="assessment_assessors_create", tags=["assessors"], status_code=201,
             summary="Register an assessor (linked to a gateway account)",
             description="The account's token subject becomes the assessor; each account is one assessor.",
             responses=ERR(409, 422, AlreadyExists))
async def create_assessor(body: schemas.AssessorIn, session: SessionDep, actor: Officer) -> schemas.Assessor:
    return schemas.Assessor.model_validate(await service.create_assessor(session, body, actor))


@router.post("/assessors/{assessor_id}/conflicts", operation_id="assessment_conflicts_declare", tags=["assessors"],
             status_code=201, summary="Declare a conflict of interest (the assessor, or an officer)",
             description="Takes effect at once: the assessor can no longer score that region, and scores already "
                         "submitted for it in open rounds are set aside (kept, audited, not counted) until an "
                         "officer decides.", responses=ERR(404, 409, 422, AlreadyExists))
async def declare_conflict(assessor_id: AssessorId, body: schemas.ConflictIn, session: SessionDep,
                           actor: AssessorOrOfficer) -> schemas.Conflict:
    assessor = await service.get_assessor(session, assessor_id)
    return schemas.Conflict.model_validate(await service.declare_conflict(session, assessor, body, actor))


@router.post("/rounds/{round_id}/conflict-overrides", operation_id="assessment_conflicts_override", tags=["assessors"],
             status_code=201, summary="Let a conflicted assessor score a region anyway, with a reason",
             description="The officer's decision on a conflict of interest: until it is made, a conflicted "
                         "assessor cannot score the region and scores already submitted are set aside.",
             responses=ERR(404, 409, 422, RoundFrozen))
async def override_conflict(round_: LockedRound, body: schemas.OverrideIn, session: SessionDep,
                            actor: Officer) -> schemas.OverrideIn:
    round_.refuse_if_frozen()
    await service.get_assessor(session, body.assessor_id)
    await service.record_overrides(session, round_, [body], actor)
    return body


@router.post("/mentorships", operation_id="assessment_mentorships_create", tags=["assessors"], status_code=201,
             summary="Record that an institution mentors a region (its assessors may not score it)",
             description="Mentoring institutions' assessors are kept off that region's panels.",
             responses=ERR(409, 422, AlreadyExists))
async def create_mentorship(body: schemas.MentorshipIn, session: SessionDep, actor: Officer) -> schemas.MentorshipIn:
    await service.create_mentorship(session, body, actor)
    return body


@router.post("/rounds/{round_id}/sessions", operation_id="assessment_sessions_create", tags=["sessions"],
             status_code=201, summary="Schedule a session: a time slot, a panel of assessors and the regions it hears",
             description="Refused with the clash named when the session lies outside the round's dates (409 "
                         "session-outside-round), an assessor sits on an overlapping panel, a region already has "
                         "a session, or a conflict of interest blocks a pair (409 conflict-of-interest, unless "
                         "overridden with a reason).",
             responses={**ERR(404, 409, 422, InvitationNotAccepted, RegionInAnotherSession, AssessorOnAnotherPanel,
                              RoundFrozen, RoundStateForbids, SessionOutsideRound, ConflictOfInterest),
                        **with_etag(201)})
async def create_session(round_: LockedRound, body: schemas.SessionIn, session: SessionDep, actor: Officer,
                         response: Response) -> schemas.Session:
    hearing = await service.create_session(session, round_, body, actor)
    set_etag(response, hearing.etag)
    return await service.session_out(session, hearing)


@router.post("/rounds/{round_id}/panel-proposals", operation_id="assessment_panel_proposals_create",
             tags=["sessions"], summary="Propose panels: who sits in which slot, and which regions each hears",
             description="By solver (a mixed-integer program, HiGHS), for every accepted region without a session: "
                         "panels of the stated size from at least the stated number of institutions, nobody in two "
                         "overlapping slots or on another panel at that time, no region before an assessor with a "
                         "conflict (home province, declared, mentoring institution, unless overridden), within "
                         "each slot's and assessor's capacity; balanced workload; each region with why its panel. "
                         "The same seed gives the same proposal. Nothing is written: the officer accepts by posting "
                         "each proposed session to `assessment_sessions_create` (which checks every rule again), or "
                         "edits first. 409 assignment-infeasible names each rule that cannot be met and for whom.",
             responses=ERR(404, 409, 422, AssignmentInfeasible, RoundStateForbids, SessionOutsideRound))
async def propose_panels(round_: CurrentRound, body: schemas.ProposalIn, session: SessionDep,
                         _: Officer) -> schemas.PanelProposal:
    return await service.propose_panels(session, round_, body)


@router.get("/rounds/{round_id}/sessions", operation_id="assessment_sessions_list", tags=["sessions"],
            summary="Sessions of a round", description="With each panel and the regions it hears.",
            responses=ERR(404, 422))
async def list_sessions(round_: CurrentRound, session: SessionDep, _: ReaderOrAssessor,
                        page: PageDep) -> Page[schemas.Session]:
    hearings: Page[Hearing] = await paginate(session, service.sessions(round_), page)
    return Page[schemas.Session](items=await service.sessions_out(session, hearings.items), total=hearings.total,
                                 limit=hearings.limit, offset=hearings.offset)


@router.get("/rounds/{round_id}/sessions/{session_id}", operation_id="assessment_sessions_get", tags=["sessions"],
            summary="One session, with its ETag", description="With its panel and the regions it hears.",
            responses={**ERR(404, 422), **with_etag()})
async def get_session(round_: CurrentRound, session_id: SessionId, session: SessionDep, _: ReaderOrAssessor,
                      response: Response) -> schemas.Session:
    hearing = await service.get_session(session, round_, session_id)
    set_etag(response, hearing.etag)
    return await service.session_out(session, hearing)


@router.patch("/rounds/{round_id}/sessions/{session_id}", operation_id="assessment_sessions_update", tags=["sessions"],
              summary="Change a session before scoring on it starts",
              description="Checked as a new session would be (round dates, clashes, conflicts); refused with 409 "
                          "scoring-started once a panel member saved a score for one of its regions.",
              responses={**ERR(404, 409, 412, 422, 428, InvitationNotAccepted, RegionInAnotherSession,
                               AssessorOnAnotherPanel, RoundFrozen, RoundStateForbids, SessionOutsideRound,
                               ConflictOfInterest, ScoringStarted), **with_etag()})
async def update_session(round_: LockedRound, hearing: HearingForUpdate, body: schemas.SessionPatch,
                         session: SessionDep, actor: Officer, response: Response) -> schemas.Session:
    hearing = await service.update_session(session, round_, hearing, body, actor)
    set_etag(response, hearing.etag)
    return await service.session_out(session, hearing)


@router.delete("/rounds/{round_id}/sessions/{session_id}", operation_id="assessment_sessions_cancel", tags=["sessions"],
               status_code=status.HTTP_204_NO_CONTENT, summary="Cancel a session before scoring on it starts",
               description="409 scoring-started once a panel member saved a score for one of its regions.",
               responses=ERR(404, 409, 412, 422, 428, RoundFrozen, ScoringStarted))
async def cancel_session(round_: LockedRound, hearing: HearingForUpdate, session: SessionDep,
                         actor: Officer) -> Response:
    await service.cancel_session(session, round_, hearing, actor)
    return Response(status_code=204)


@router.get("/rounds/{round_id}/assignments/me", operation_id="assessment_assignments_get", tags=["scoring"],
            summary="The regions you score in this round", description="Every region your panels hear.",
            responses=ERR(404, 422))
async def my_assignments(round_: CurrentRound, session: SessionDep, me: Me) -> schemas.Assignments:
    return schemas.Assignments(round_id=round_.id,
                               region_codes=await service.assigned_regions(session, round_.id, me.id))
