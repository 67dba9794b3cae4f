"""HTTP endpoints of the assessment service, served under /api/v1/assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlalchemy import func, select

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType, problem_responses
from services.common.etag import check_if_match, etag_for, set_etag
from services.common.export import EXPORT_CONTENT, ExportFormat, export_response, stream_rows
from services.common.pagination import PageDep
from services.common.records import audit, idempotency_dependency
from services.common.upstream import Upstream

from . import schemas, service, sheets
from .auth import (
    AssessorOnly,
    AssessorOrOfficer,
    Officer,
    Public,
    Reader,
    ReaderOrAssessor,
    RegionParty,
    RegionWriter,
    SignedIn,
)
from .models import AssessmentSession, Assessor, Invitation, Mentorship, Result, Round, Rubric
from .models import records as rec

router = APIRouter(prefix="/api/v1/assessment", dependencies=[Depends(region_scope)])
IdempotencyDep = idempotency_dependency(rec.idempotency)
RoundId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
RegionCode = Annotated[str, Path(pattern=r"^\d{2}\.\d{2}$", examples=["21.72"])]
SessionId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET = "application/octet-stream"
ERR = problem_responses


def registry(request: Request) -> Upstream:
    return Upstream(request, "regions")


def _round_etag(r: Round) -> str:
    return etag_for("round", r.id, r.revision)


# Rubrics ----------------------------------------------------------------------------------------

@router.get("/rubrics", operation_id="assessment_rubrics_list", tags=["rubrics"], summary="Rubrics, newest first",
            responses=ERR(422))
async def list_rubrics(session: SessionDep, _: ReaderOrAssessor, code: str | None = Query(
        default=None, pattern=r"^[a-z0-9-]{3,60}$")) -> list[schemas.Rubric]:
    stmt = select(Rubric).order_by(Rubric.code, Rubric.version.desc())
    if code:
        stmt = stmt.where(Rubric.code == code)
    return [schemas.Rubric.model_validate(r) for r in (await session.scalars(stmt.limit(200))).all()]


@router.post("/rubrics", operation_id="assessment_rubrics_create", tags=["rubrics"], status_code=201,
             summary="Create a rubric (the same code again makes its next version)", responses=ERR(409, 422))
async def create_rubric(body: schemas.RubricIn, session: SessionDep, actor: Officer, idem: IdempotencyDep,
                        response: Response) -> schemas.Rubric:
    if (replayed := await idem.replay(actor)) is not None:
        return replayed  # type: ignore[return-value]
    rubric = await service.create_rubric(session, body, actor)
    out = schemas.Rubric.model_validate(rubric)
    await idem.remember(201, out)
    set_etag(response, etag_for("rubric", rubric.id, rubric.revision))
    return out


@router.get("/rubrics/{rubric_id}", operation_id="assessment_rubrics_get", tags=["rubrics"],
            summary="One rubric version with its components", responses=ERR(404, 422))
async def get_rubric(rubric_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep, _: SignedIn,
                     response: Response) -> schemas.Rubric:
    rubric = await service.get_rubric(session, rubric_id)
    set_etag(response, etag_for("rubric", rubric.id, rubric.revision))
    return schemas.Rubric.model_validate(rubric)


@router.put("/rubrics/{rubric_id}", operation_id="assessment_rubrics_replace", tags=["rubrics"],
            summary="Replace a rubric that no round has locked (If-Match required)",
            responses=ERR(404, 409, 412, 422, 428))
async def replace_rubric(rubric_id: Annotated[int, Path(ge=1, le=2**62)], body: schemas.RubricIn, request: Request,
                         session: SessionDep, actor: Officer, response: Response) -> schemas.Rubric:
    rubric = await service.get_rubric(session, rubric_id)
    check_if_match(request, etag_for("rubric", rubric.id, rubric.revision))
    rubric = await service.replace_rubric(session, rubric, body, actor)
    set_etag(response, etag_for("rubric", rubric.id, rubric.revision))
    return schemas.Rubric.model_validate(rubric)


# Rounds -----------------------------------------------------------------------------------------

@router.get("/rounds", operation_id="assessment_rounds_list", tags=["rounds"], summary="Rounds, newest first",
            responses=ERR(422))
async def list_rounds(session: SessionDep, _: SignedIn, year: Annotated[int | None, Query(ge=2017, le=2100)] = None,
                      state: schemas.RoundState | None = None) -> list[schemas.Round]:
    stmt = select(Round).order_by(Round.year.desc(), Round.id.desc())
    if year:
        stmt = stmt.where(Round.year == year)
    if state:
        stmt = stmt.where(Round.state == state)
    return [schemas.Round.model_validate(r) for r in (await session.scalars(stmt.limit(200))).all()]


@router.post("/rounds", operation_id="assessment_rounds_create", tags=["rounds"], status_code=201,
             summary="Open a round (draft)", responses=ERR(404, 422))
async def create_round(body: schemas.RoundIn, session: SessionDep, actor: Officer, idem: IdempotencyDep,
                       response: Response) -> schemas.Round:
    if (replayed := await idem.replay(actor)) is not None:
        return replayed  # type: ignore[return-value]
    round_ = await service.create_round(session, body, actor)
    out = schemas.Round.model_validate(round_)
    await idem.remember(201, out)
    set_etag(response, _round_etag(round_))
    return out


@router.get("/rounds/{round_id}", operation_id="assessment_rounds_get", tags=["rounds"], summary="One round",
            responses=ERR(404, 422))
async def get_round(round_id: RoundId, session: SessionDep, _: SignedIn, response: Response) -> schemas.Round:
    round_ = await service.get_round(session, round_id)
    set_etag(response, _round_etag(round_))
    return schemas.Round.model_validate(round_)


@router.patch("/rounds/{round_id}", operation_id="assessment_rounds_update", tags=["rounds"],
              summary="Change a draft or inviting round (If-Match required)", responses=ERR(404, 409, 412, 422, 428))
async def update_round(round_id: RoundId, body: schemas.RoundPatch, request: Request, session: SessionDep,
                       actor: Officer, response: Response) -> schemas.Round:
    round_ = await service.get_round(session, round_id, lock=True)
    check_if_match(request, _round_etag(round_))
    round_ = await service.update_round(session, round_, body, actor)
    set_etag(response, _round_etag(round_))
    return schemas.Round.model_validate(round_)


@router.post("/rounds/{round_id}/transitions", operation_id="assessment_rounds_transition", tags=["rounds"],
             summary="Move a round to its next state",
             description="draft → inviting → assessing → moderating → finalised → published (moderating may go "
                         "back to assessing). An illegal move is 409 naming the allowed ones. Finalising freezes "
                         "the results and stores their content hash; publishing opens the public view.",
             responses=ERR(404, 409, 422, 502, 503))
async def transition(round_id: RoundId, body: schemas.Transition, request: Request, session: SessionDep,
                     actor: Officer, response: Response) -> schemas.Round:
    round_ = await service.get_round(session, round_id, lock=True)
    round_ = await service.transition(session, round_, body.to.value, actor, registry(request))
    set_etag(response, _round_etag(round_))
    return schemas.Round.model_validate(round_)


# Invitations ------------------------------------------------------------------------------------

@router.post("/rounds/{round_id}/invitations", operation_id="assessment_invitations_create", tags=["invitations"],
             summary="Invite regions by code list or by filter (checked against the region registry)",
             responses=ERR(404, 409, 422, 502, 503))
async def invite(round_id: RoundId, body: schemas.InviteIn, request: Request, session: SessionDep,
                 actor: Officer) -> schemas.InviteResult:
    round_ = await service.get_round(session, round_id, lock=True)
    return await service.invite(session, round_, body, registry(request), actor)


@router.get("/rounds/{round_id}/invitations", operation_id="assessment_invitations_list", tags=["invitations"],
            summary="Invited regions and their answers (a pemda user sees its own)", responses=ERR(404, 422))
async def list_invitations(round_id: RoundId, session: SessionDep, principal: RegionParty, page: PageDep,
                           status_: Annotated[schemas.InvitationStatus | None, Query(alias="status")] = None,
                           attended: bool | None = None) -> schemas.InvitationPage:
    await service.get_round(session, round_id)
    stmt = select(Invitation).where(Invitation.round_id == round_id)
    if status_:
        stmt = stmt.where(Invitation.status == status_)
    if attended is not None:
        stmt = stmt.where(Invitation.attended.is_(attended))
    if principal.is_pemda_only:
        stmt = stmt.where(Invitation.region_code == (principal.region_code or "-"))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = (await session.scalars(stmt.order_by(Invitation.region_code).limit(page.limit).offset(page.offset))).all()
    return schemas.InvitationPage(items=[schemas.Invitation.model_validate(i) for i in rows], total=int(total or 0),
                                  limit=page.limit, offset=page.offset)


@router.post("/rounds/{round_id}/invitations/answers", operation_id="assessment_invitations_answer_many",
             tags=["invitations"], summary="Answers and attendance for many regions at once (all or nothing)",
             description="As at Pustiknas: one call records the answers and attendance of many regions. Every row "
                         "is checked first; if any is refused nothing is recorded and the 422 names each row. "
                         "Attendance is recorded once the round is inviting or assessing (409 attendance-not-open).",
             responses=ERR(404, 409, 422))
async def answer_invitations(round_id: RoundId, body: schemas.InvitationAnswersIn, session: SessionDep,
                             actor: Officer) -> schemas.InvitationAnswersResult:
    round_ = await service.get_round(session, round_id, lock=True)
    return await service.answer_invitations(session, round_, body, actor)


@router.patch("/rounds/{round_id}/invitations/{region_code}", operation_id="assessment_invitations_answer",
              tags=["invitations"], summary="Record the region's answer (pemda) or its attendance (Kominfo)",
              description="Each act carries its date (`answered_on`, `attended_on`; default today in WIB) beside "
                          "the time it is recorded. Attendance is refused while the round is a draft "
                          "(409 attendance-not-open).",
              responses=ERR(404, 409, 422))
async def answer_invitation(round_id: RoundId, region_code: RegionCode, body: schemas.InvitationAnswer,
                            session: SessionDep, actor: RegionWriter) -> schemas.Invitation:
    round_ = await service.get_round(session, round_id)
    inv = await service.get_invitation(session, round_id, region_code)
    return schemas.Invitation.model_validate(await service.answer_invitation(session, round_, inv, body, actor))


@router.post("/rounds/{round_id}/invitations/{region_code}/withdrawal", operation_id="assessment_invitations_withdraw",
             tags=["invitations"], summary="Withdraw a region from the round, with a reason",
             description="Before the assessment it takes the invitation back; later it marks a region that left. "
                         "Either way the region is kept for the record, is never ranked and owes no scores.",
             responses=ERR(404, 409, 422))
async def withdraw_invitation(round_id: RoundId, region_code: RegionCode, body: schemas.WithdrawalIn,
                              session: SessionDep, actor: Officer) -> schemas.Invitation:
    round_ = await service.get_round(session, round_id, lock=True)
    inv = await service.get_invitation(session, round_id, region_code)
    return schemas.Invitation.model_validate(await service.withdraw(session, round_, inv, body, actor))


# Assessors and conflicts ------------------------------------------------------------------------

@router.get("/assessors", operation_id="assessment_assessors_list", tags=["assessors"], summary="Assessors",
            responses=ERR(422))
async def list_assessors(session: SessionDep, _: Reader) -> list[schemas.Assessor]:
    rows = (await session.scalars(select(Assessor).order_by(Assessor.name).limit(1000))).all()
    return [schemas.Assessor.model_validate(a) for a in rows]


@router.post("/assessors", operation_id="assessment_assessors_create", tags=["assessors"], status_code=201,
             summary="Register an assessor (linked to a gateway account)", responses=ERR(409, 422))
async def create_assessor(body: schemas.AssessorIn, session: SessionDep, actor: Officer) -> schemas.Assessor:
    if await session.scalar(select(Assessor.id).where(Assessor.user_sub == body.user_sub)):
        raise Conflict(f"{body.user_sub} is already an assessor")
    assessor = Assessor(**body.model_dump())
    session.add(assessor)
    await session.flush()
    audit(session, rec, actor=actor, action="assessor.create", entity="assessor", entity_id=assessor.id,
                  after=body)
    return schemas.Assessor.model_validate(assessor)


@router.post("/assessors/{assessor_id}/conflicts", operation_id="assessment_conflicts_declare", tags=["assessors"],
             status_code=201, summary="Declare a conflict of interest (the assessor, or an officer)",
             responses=ERR(404, 409, 422))
async def declare_conflict(assessor_id: Annotated[int, Path(ge=1, le=2**62)], body: schemas.ConflictIn,
                           session: SessionDep, actor: AssessorOrOfficer) -> schemas.Conflict:
    assessor = await service.get_assessor(session, assessor_id)
    return schemas.Conflict.model_validate(await service.declare_conflict(session, assessor, body, actor))


@router.post("/rounds/{round_id}/conflict-overrides", operation_id="assessment_conflicts_override", tags=["assessors"],
             status_code=201, summary="Let a conflicted assessor score a region anyway, with a reason",
             description="The officer's decision on a conflict of interest: until it is made, a conflicted "
                         "assessor cannot score the region and scores already submitted are set aside.",
             responses=ERR(404, 409, 422))
async def override_conflict(round_id: RoundId, body: schemas.OverrideIn, session: SessionDep,
                            actor: Officer) -> schemas.OverrideIn:
    round_ = await service.get_round(session, round_id, lock=True)
    service.refuse_if_frozen(round_)
    await service.get_assessor(session, body.assessor_id)
    await service.record_overrides(session, round_, [body], actor)
    return body


@router.post("/mentorships", operation_id="assessment_mentorships_create", tags=["assessors"], status_code=201,
             summary="Record that an institution mentors a region (its assessors may not score it)",
             responses=ERR(409, 422))
async def create_mentorship(body: schemas.MentorshipIn, session: SessionDep, actor: Officer) -> schemas.MentorshipIn:
    if await session.scalar(select(Mentorship.id).where(Mentorship.institution == body.institution,
                                                        Mentorship.region_code == body.region_code)):
        raise Conflict("Already recorded")
    session.add(Mentorship(**body.model_dump()))
    await session.flush()
    audit(session, rec, actor=actor, action="mentorship.create", entity="mentorship",
                  entity_id=f"{body.institution}:{body.region_code}", after=body)
    return body


# Sessions and panels ----------------------------------------------------------------------------

@router.post("/rounds/{round_id}/sessions", operation_id="assessment_sessions_create", tags=["sessions"],
             status_code=201, summary="Schedule a session: a slot, a panel of assessors and the regions it hears",
             description="Refused with the clash named when an assessor sits on an overlapping panel, a region "
                         "already has a slot, or a conflict of interest blocks a pair (unless overridden with "
                         "a reason).", responses=ERR(404, 409, 422))
async def create_session(round_id: RoundId, body: schemas.SessionIn, session: SessionDep,
                         actor: Officer) -> schemas.Session:
    round_ = await service.get_round(session, round_id, lock=True)
    slot = await service.create_session(session, round_, body, actor)
    return await service.session_out(session, slot)


@router.get("/rounds/{round_id}/sessions", operation_id="assessment_sessions_list", tags=["sessions"],
            summary="Sessions of a round", responses=ERR(404, 422))
async def list_sessions(round_id: RoundId, session: SessionDep, _: ReaderOrAssessor) -> list[schemas.Session]:
    await service.get_round(session, round_id)
    slots = (await session.scalars(select(AssessmentSession).where(AssessmentSession.round_id == round_id)
                                   .order_by(AssessmentSession.starts_at))).all()
    return [await service.session_out(session, s) for s in slots]


@router.patch("/rounds/{round_id}/sessions/{session_id}", operation_id="assessment_sessions_update", tags=["sessions"],
              summary="Change a session before scoring on it starts",
              description="Checked as a new session would be (round dates, clashes, conflicts); refused with 409 "
                          "scoring-started once a panel member saved a score for one of its regions.",
              responses=ERR(404, 409, 422))
async def update_session(round_id: RoundId, session_id: SessionId, body: schemas.SessionPatch, session: SessionDep,
                         actor: Officer) -> schemas.Session:
    round_ = await service.get_round(session, round_id, lock=True)
    slot = await service.get_session(session, round_, session_id)
    return await service.session_out(session, await service.update_session(session, round_, slot, body, actor))


@router.delete("/rounds/{round_id}/sessions/{session_id}", operation_id="assessment_sessions_cancel", tags=["sessions"],
               status_code=status.HTTP_204_NO_CONTENT, summary="Cancel a session before scoring on it starts",
               responses=ERR(404, 409, 422))
async def cancel_session(round_id: RoundId, session_id: SessionId, session: SessionDep, actor: Officer) -> Response:
    round_ = await service.get_round(session, round_id, lock=True)
    slot = await service.get_session(session, round_, session_id)
    await service.cancel_session(session, round_, slot, actor)
    return Response(status_code=204)


@router.get("/rounds/{round_id}/assignments/me", operation_id="assessment_assignments_mine", tags=["scoring"],
            summary="The regions you score in this round", responses=ERR(404, 422))
async def my_assignments(round_id: RoundId, session: SessionDep, actor: AssessorOnly) -> list[str]:
    await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    return await service.assigned_regions(session, round_id, me.id)


# Scoring ----------------------------------------------------------------------------------------

@router.put("/rounds/{round_id}/scores/{region_code}", operation_id="assessment_scores_save", tags=["scoring"],
            status_code=status.HTTP_204_NO_CONTENT, summary="Save your scores for a region (until you submit)",
            responses=ERR(404, 409, 422))
async def save_scores(round_id: RoundId, region_code: RegionCode, body: schemas.ScoreSheetIn, session: SessionDep,
                      actor: AssessorOnly) -> Response:
    round_ = await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    await service.save_scores(session, round_, region_code, body, me, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/scores/{region_code}/submit", operation_id="assessment_scores_submit",
             tags=["scoring"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Submit your scores: they lock, and you may now see the others'", responses=ERR(404, 409, 422))
async def submit_scores(round_id: RoundId, region_code: RegionCode, session: SessionDep,
                        actor: AssessorOnly) -> Response:
    round_ = await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    await service.submit_scores(session, round_, region_code, me, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/score-sheets", operation_id="assessment_score_sheets_save", tags=["scoring"],
             summary="Save (and optionally submit) your scores for several regions at once",
             description="All or nothing: each region is checked as a single save is (assigned to you, no conflict "
                         "of interest, not yet submitted, values on the scale); the 422 names each problem.",
             responses=ERR(404, 409, 422))
async def save_score_sheets(round_id: RoundId, body: schemas.ScoreSheetsIn, session: SessionDep,
                            actor: AssessorOnly) -> schemas.ScoreSheetsResult:
    round_ = await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    return await service.save_score_sheets(session, round_, body, me, actor)


@router.get("/rounds/{round_id}/score-sheets/xlsx", operation_id="assessment_score_sheets_download",
            tags=["scoring"], summary="Your score sheet as an Excel workbook, to fill offline",
            description="One row per assigned region and panel component, with the scale; your saved values are "
                        "filled in. A second sheet lists each component's level descriptions.",
            response_class=Response, responses={200: {"content": {XLSX: {"schema": {"type": "string",
                                                                                 "format": "binary"}}}},
                                                **ERR(404, 422)})
async def download_score_sheet(round_id: RoundId, session: SessionDep, actor: AssessorOnly) -> Response:
    round_ = await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    content = await sheets.workbook_for(session, round_, me)
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="lembar-nilai-putaran-{round_.id}.xlsx"'})


@router.put("/rounds/{round_id}/score-sheets/xlsx", operation_id="assessment_score_sheets_upload", tags=["scoring"],
            summary="Upload the filled Excel score sheet (all or nothing, errors by cell)",
            description="Send the workbook as the body (Content-Type: the XLSX media type). Every cell is checked "
                        "first; a 422 names each bad cell (e.g. `['Nilai', 'G7']`) and nothing is saved. Then it "
                        "is saved exactly as through the API: blind, audited, and with `submit=true` locked.",
            openapi_extra={"requestBody": {"required": True, "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in (XLSX, OCTET)}}},
            responses=ERR(404, 409, 413, 415, 422))
async def upload_score_sheet(round_id: RoundId, request: Request, session: SessionDep, actor: AssessorOnly,
                             submit: bool = False) -> schemas.ScoreSheetsResult:
    if request.headers.get("content-type", "").split(";")[0].strip() not in (XLSX, OCTET):
        raise UnsupportedMediaType(f"Send the workbook with Content-Type: {XLSX}")
    body = await request.body()
    if len(body) > sheets.MAX_BYTES:
        raise PayloadTooLarge(f"A score sheet is at most {sheets.MAX_BYTES // 1_000_000} MB")
    round_ = await service.get_round(session, round_id)
    me = await service.assessor_of(session, actor)
    data, where = await sheets.read_workbook(session, round_, body, submit=submit)
    return await service.save_score_sheets(session, round_, data, me, actor, locate=where)


@router.get("/rounds/{round_id}/scores/{region_code}", operation_id="assessment_scores_get", tags=["scoring"],
            summary="Scores for a region (an assessor sees only their own until they submit)",
            responses=ERR(404, 422))
async def get_scores(round_id: RoundId, region_code: RegionCode, session: SessionDep,
                     actor: ReaderOrAssessor) -> schemas.ScoreSheet:
    round_ = await service.get_round(session, round_id)
    return await service.score_sheet(session, round_, region_code, actor)


@router.post("/rounds/{round_id}/scores/{region_code}/reopen", operation_id="assessment_scores_reopen",
             tags=["scoring"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Reopen an assessor's submitted scores, with a reason", responses=ERR(404, 409, 422))
async def reopen_scores(round_id: RoundId, region_code: RegionCode, body: schemas.ReopenIn, session: SessionDep,
                        actor: Officer) -> Response:
    round_ = await service.get_round(session, round_id)
    await service.reopen(session, round_, region_code, body, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/scores/{region_code}/moderations", operation_id="assessment_scores_moderate",
             tags=["scoring"], summary="Adjust a score in moderation; the original stays visible",
             responses=ERR(404, 409, 422))
async def moderate(round_id: RoundId, region_code: RegionCode, body: schemas.ModerationIn, session: SessionDep,
                   actor: Officer) -> schemas.Score:
    round_ = await service.get_round(session, round_id)
    row = await service.moderate(session, round_, region_code, body, actor)
    return schemas.Score(assessor_id=row.assessor_id, component_key=row.component_key, value=row.value,
                         moderated_value=row.moderated_value, comment=row.comment)


# Self-assessment --------------------------------------------------------------------------------

@router.put("/rounds/{round_id}/self-assessments/{region_code}", operation_id="assessment_self_save",
            tags=["self-assessment"], summary="The region's own self-assessment, with evidence links",
            responses=ERR(404, 409, 422))
async def save_self(round_id: RoundId, region_code: RegionCode, body: schemas.SelfAssessmentIn, session: SessionDep,
                    actor: RegionWriter) -> schemas.SelfAssessment:
    round_ = await service.get_round(session, round_id)
    inv = await service.get_invitation(session, round_id, region_code)
    await service.save_self_assessment(session, round_, inv, body, actor)
    return await service.self_assessment(session, round_id, region_code)


@router.get("/rounds/{round_id}/self-assessments/{region_code}", operation_id="assessment_self_get",
            tags=["self-assessment"], summary="A region's self-assessment", responses=ERR(404, 422))
async def get_self(round_id: RoundId, region_code: RegionCode, session: SessionDep,
                   actor: RegionParty) -> schemas.SelfAssessment:
    await service.get_invitation(session, round_id, region_code)
    return await service.self_assessment(session, round_id, region_code)


@router.post("/rounds/{round_id}/self-assessments/{region_code}/verifications", operation_id="assessment_self_verify",
             tags=["self-assessment"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Record the verified value of a self-declared component", responses=ERR(404, 409, 422))
async def verify_self(round_id: RoundId, region_code: RegionCode, body: schemas.VerifyIn, session: SessionDep,
                      actor: Officer) -> Response:
    round_ = await service.get_round(session, round_id)
    await service.verify_self_item(session, round_, region_code, body, actor)
    return Response(status_code=204)


# Results ----------------------------------------------------------------------------------------

@router.get("/rounds/{round_id}/results", operation_id="assessment_results_get", tags=["results"],
            summary="Ranking, selection and the explanation for every attending region",
            description="Live while the round is open; the frozen result once finalised. Names the rubric "
                        "version used.", responses=ERR(404, 422))
async def get_results(round_id: RoundId, session: SessionDep, _: Reader) -> schemas.Results:
    round_ = await service.get_round(session, round_id)
    return await service.results(session, round_)


@router.get("/rounds/{round_id}/verification", operation_id="assessment_results_verify", tags=["results"],
            summary="Recompute the result from its stored inputs and compare content hashes",
            responses=ERR(404, 422))
async def verify_results(round_id: RoundId, session: SessionDep, _: Reader) -> schemas.Verification:
    round_ = await service.get_round(session, round_id)
    return await service.verify(session, round_)


@router.get("/public/rounds/{round_id}/results", operation_id="assessment_public_results", tags=["public"],
            summary="Published results, open to everyone (no assessor identities)", responses=ERR(404, 422))
async def public_results(round_id: RoundId, session: SessionDep, _: Public) -> schemas.PublicResults:
    round_ = await session.get(Round, round_id)
    if round_ is None or round_.state != "published":
        raise NotFound(f"Round {round_id} has no published results")
    rubric = await service.get_rubric(session, round_.rubric_id)
    rows = (await session.scalars(select(Result).where(Result.round_id == round_id))).all()
    items = sorted((schemas.PublicRegionResult(
        region_code=r.region_code, region_name=r.explanation["region_name"], island_group=r.explanation["island_group"],
        rank=r.rank, total=float(r.total) if r.total is not None else None, selected=r.selected, rule=r.rule)
        for r in rows), key=lambda x: (x.rank is None, x.rank or 0, x.region_code))
    assert round_.published_at is not None and round_.result_hash is not None
    return schemas.PublicResults(round_id=round_.id, year=round_.year, title=round_.title,
                                 published_at=round_.published_at, rubric_code=rubric.code,
                                 rubric_version=rubric.version, result_hash=round_.result_hash, items=items)


@router.get("/selections", operation_id="assessment_selections_list", tags=["public"],
            summary="Regions selected in published rounds (what MoUs are signed on)", responses=ERR(422))
async def list_selections(session: SessionDep, _: Public,
                          region_code: Annotated[str | None, Query(pattern=r"^\d{2}\.\d{2}$")] = None,
                          year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> list[schemas.Selection]:
    stmt = (select(Result, Round).join(Round, Round.id == Result.round_id)
            .where(Round.state == "published", Result.selected.is_(True)))
    if region_code:
        stmt = stmt.where(Result.region_code == region_code)
    if year:
        stmt = stmt.where(Round.year == year)
    rows = (await session.execute(stmt.order_by(Round.year, Result.rank).limit(1000))).all()
    return [schemas.Selection(round_id=rd.id, year=rd.year, region_code=r.region_code,
                              region_name=r.explanation["region_name"], rank=r.rank, published_at=rd.published_at)
            for r, rd in rows]


# Views for the programme dossier and funnel ------------------------------------------------------

@router.get("/regions/{region_code}/history", operation_id="assessment_region_history", tags=["results"],
            summary="Every round a region was invited to, with its answer and (once final) its result",
            responses=ERR(404, 422))
async def region_history(region_code: RegionCode, session: SessionDep,
                         principal: RegionParty) -> list[schemas.RoundHistory]:
    rows = (await session.execute(
        select(Invitation, Round, Result).join(Round, Round.id == Invitation.round_id)
        .outerjoin(Result, (Result.round_id == Invitation.round_id) & (Result.region_code == Invitation.region_code))
        .where(Invitation.region_code == region_code).order_by(Round.year, Round.id))).all()
    history = []
    for inv, rnd, res in rows:
        # A region sees its own result once it is published; Kominfo and ministries once it is final.
        visible = res is not None and (rnd.state == "published" or not principal.is_pemda_only)
        history.append(schemas.RoundHistory(
            round_id=rnd.id, year=rnd.year, title=rnd.title, state=rnd.state, invitation=inv.status,
            attended=inv.attended, rank=res.rank if visible else None,
            total=float(res.total) if visible and res.total is not None else None,
            selected=res.selected if visible else None, rule=res.rule if visible else None))
    return history


@router.get("/funnel", operation_id="assessment_funnel_rows", tags=["results"],
            summary="One row per invitation, for the programme funnel", responses=ERR(422))
async def funnel_rows(session: SessionDep, _: Reader) -> schemas.FunnelRows:
    rows = (await session.execute(
        select(Invitation, Round, Result.selected).join(Round, Round.id == Invitation.round_id)
        .outerjoin(Result, (Result.round_id == Invitation.round_id) & (Result.region_code == Invitation.region_code))
        .order_by(Round.year, Invitation.region_code))).all()
    return schemas.FunnelRows(items=[schemas.FunnelRegion(
        region_code=inv.region_code, province_code=inv.province_code, island_group=inv.island_group,
        round_id=rnd.id, year=rnd.year, attended=inv.attended,
        selected=bool(selected) and rnd.state == "published", published=rnd.state == "published")
        for inv, rnd, selected in rows])


OPEN_LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0), Kementerian Komunikasi dan Informatika"


@router.get("/open-data/results", operation_id="assessment_open_data_results", tags=["public"],
            summary="Published round results as CSV, XLSX or JSON (no token, no assessor identities)",
            response_class=Response, responses={200: {"content": EXPORT_CONTENT}, **ERR(422)})
async def open_data_results(request: Request, _: Public, format: ExportFormat = ExportFormat.csv,
                            year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> Response:
    cols = ("year", "round_id", "round_title", "region_code", "region_name", "island_group", "rank", "total",
            "selected", "rule", "result_hash")
    stmt = (select(Round.year, Round.id, Round.title, Result.region_code, Result.explanation, Result.rank,
                   Result.total, Result.selected, Result.rule, Round.result_hash)
            .join(Round, Round.id == Result.round_id).where(Round.state == "published")
            .order_by(Round.year, Round.id, Result.rank.nulls_last(), Result.region_code))
    if year:
        stmt = stmt.where(Round.year == year)

    def shape(r: Any) -> tuple[Any, ...]:
        return (r.year, r.id, r.title, r.region_code, r.explanation["region_name"], r.explanation["island_group"],
                r.rank, float(r.total) if r.total is not None else None, r.selected, r.rule, r.result_hash)

    return export_response(format, "hasil-seleksi-gerakan-100-smart-city", cols, stream_rows(request, stmt, shape),
                           title="Hasil seleksi Gerakan Menuju 100 Smart City", licence=OPEN_LICENCE)
