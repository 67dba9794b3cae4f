"""Results, verification, publication and what the public, the dossier and the funnel read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.common import geojson
from services.common.auth import Principal, Public, region_scope
from services.common.conditional import public_for
from services.common.db import SessionDep
from services.common.errors import problem_responses as ERR
from services.common.export import ExportDep, export_content, export_response, stream_rows
from services.common.hot import HotRead, path_id
from services.common.lineage import code_today
from services.common.pagination import Page, PageDep, paginate
from services.common.routing import contract_router
from services.common.schemas import RegencyCodeFilter, RegencyCodePath

from ..auth import Officer, Reader, RegionParty
from ..deps import CurrentRound, LockedRound, RoundId
from ..exceptions import ActDateOrder, RoundStateForbids
from ..models import records
from ..registry import Registry
from . import calculation, schemas, service

router = contract_router(records, prefix="/api/v1/assessment", dependencies=[Depends(region_scope)])
OPEN_LICENCE = "Creative Commons Attribution 4.0 (CC BY 4.0), Kementerian Komunikasi dan Informatika"


@router.get("/rounds/{round_id}/results", operation_id="assessment_results_get", tags=["results"],
            summary="Ranking, selection and the explanation for every attending region",
            description="Live while the round is open (indicator values as the registry holds them until scoring "
                        "closes, then as taken into the round); the frozen result once finalised. Names the rubric "
                        "version used, components without a value (`missing`) and scores set aside for a "
                        "conflict of interest.", responses=ERR(404, 422, 502, 503))
async def get_results(round_: CurrentRound, session: SessionDep, _: Reader, registry: Registry) -> schemas.Results:
    return await service.results(session, round_, registry)


async def _results_hot(request: Request, _: Principal | None) -> schemas.Results | None:
    round_id = path_id(request, "round_id")
    if round_id is None:
        return None
    stored = await service.stored_results(request.app.state.reader, round_id)
    return stored[0] if stored is not None and not stored[1] else None


# Ministries and dashboards read a frozen result over and over (publication day): its stored answer is read hot.
HOT_READS = [HotRead("assessment_results_get", _results_hot, stands_for=(CurrentRound, SessionDep, Registry))]


@router.get("/rounds/{round_id}/verification", operation_id="assessment_results_verify", tags=["results"],
            summary="Recompute the result from its stored inputs and compare content hashes",
            description="`equal` is true when nothing the result depends on has changed since it was frozen.",
            responses=ERR(404, 422))
async def verify_results(round_: CurrentRound, session: SessionDep, _: Reader) -> schemas.Verification:
    return await service.verify(session, round_)


@router.get("/rounds/{round_id}/certificate", operation_id="assessment_certificate_get", tags=["results"],
            summary="How every decision holds when an assessor is absent, the panels are redrawn, or the weights move",
            description="For a round that states a robustness rule: each region's margin to the cut-off and how "
                        "often it is selected leaving out each assessor in turn, over bootstrap resamples of its "
                        "panel, and over draws of the weights within the rule's band. Computed from the round's "
                        "inputs while it is open; the certificate signed with the result once finalised. "
                        "`unreviewed` lists the fragile decisions that still need the committee's review.",
            responses=ERR(404, 422))
async def get_certificate(round_: CurrentRound, session: SessionDep, _: Reader) -> schemas.CertificateView:
    return await service.certificate(session, round_)


@router.post("/rounds/{round_id}/certificate/reviews", operation_id="assessment_certificate_review",
             tags=["results"], status_code=201,
             summary="Record the committee's review of decisions",
             description="For the version of the result being decided: while moderating (the first), or once "
                         "published, before upheld appeals are taken in (the next). A region reviewed again keeps "
                         "its earlier reviews; the latest is signed with the result.",
             responses=ERR(404, 409, 422, ActDateOrder, RoundStateForbids))
async def review_decisions(round_: LockedRound, body: schemas.ReviewsIn, session: SessionDep,
                           actor: Officer) -> list[schemas.DecisionReview]:
    return await service.review(session, round_, body, actor)


@router.get("/public/rounds/{round_id}/results", operation_id="assessment_public_results_get", tags=["public"],
            dependencies=[public_for(60)],
            summary="Published results, open to everyone (no assessor identities)",
            description="Rank, total, decision and rule of every attending region of a published round.",
            responses=ERR(404, 422))
async def public_results(round_id: RoundId, session: SessionDep, _: Public) -> schemas.PublicResults:
    return await service.public_results(session, round_id)


RESULT_PROPERTIES = {"round_id": {"type": "integer"},
                     "recorded_code": {"type": "string", "example": "92.71",
                                       "description": "The code the result recorded (`code` is today's)"},
                     "rank": {"type": ["integer", "null"]}, "total": {"type": ["number", "null"]},
                     "selected": {"type": "boolean"}, "rule": {"type": "string"}}


@router.get("/public/rounds/{round_id}/results/map", operation_id="assessment_public_results_map_get",
            tags=["public"], summary="Published results on a map: a GeoJSON FeatureCollection",
            description="Each attending kabupaten/kota's boundary (from the region registry, at `zoom`) with its "
                        "rank, total and decision; a region recorded under a former code is drawn where it is "
                        "today.", response_class=Response,
            responses={200: {"content": geojson.content(geojson.collection_schema(RESULT_PROPERTIES))},
                       **ERR(404, 422, 502, 503)})
async def public_results_map(round_id: RoundId, session: SessionDep, _: Public, registry: Registry,
                             zoom: geojson.Zoom = None) -> Response:
    body = await geojson.records_map(registry, await service.map_properties(session, round_id), zoom)
    return Response(body, media_type=geojson.MEDIA_TYPE, headers={"Cache-Control": "public, max-age=300"})


@router.get("/public/rounds/{round_id}/inputs", operation_id="assessment_public_inputs_get", tags=["public"],
            summary="Everything a published result was computed from, to recompute it anywhere",
            description="The rubric, the attending regions, every submitted panel score (assessors by number, "
                        "not name), self-assessments, indicator values and rules: the document whose SHA-256 is "
                        "`inputs_digest`, byte for byte (keys sorted, no spaces, UTF-8: `sha256sum` of the "
                        "download is the digest). `smartcity verify-results` recomputes the ranking from it.",
            response_class=JSONResponse,
            responses={200: {"model": schemas.PublicInputs}, **ERR(404, 422)})
async def public_inputs(round_id: RoundId, session: SessionDep, _: Public,
                        version: Annotated[int | None, Query(ge=1, le=10_000, description="A result version; "
                                                             "default the current one")] = None) -> Response:
    # The very bytes `inputs_digest` hashes (sorted keys, no spaces, UTF-8), so `sha256sum` gives the digest.
    text = calculation.canonical(await service.public_inputs(session, round_id, version))
    return Response(text.encode(), media_type="application/json", headers={"Cache-Control": "public, max-age=300"})


@router.get("/selections", operation_id="assessment_selections_list", tags=["public"],
            summary="Regions selected in published rounds (what MoUs are signed on)",
            description="Oldest round first; filter by region (today's code or a former one) or year.",
            responses=ERR(422, 502, 503))
async def list_selections(session: SessionDep, _: Public, page: PageDep, registry: Registry,
                          region_code: RegencyCodeFilter = None,
                          year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> Page[schemas.Selection]:
    today = await code_today(registry, region_code) if region_code else None
    return await paginate(session, service.selections(today, year), page, service.selection_out, scalars=False)


@router.get("/regions/{region_code}/history", operation_id="assessment_region_history_get", tags=["results"],
            summary="Every round a region was invited to, with its answer and (once final) its result",
            description="Under today's code or a former one (an invitation of 92.71 in 2018 is in the history "
                        "of 96.71). A region sees its own result once it is published.",
            responses=ERR(404, 422, 502, 503))
async def region_history(region_code: RegencyCodePath, session: SessionDep, registry: Registry,
                         principal: RegionParty) -> schemas.RegionHistory:
    today = await code_today(registry, region_code)
    return schemas.RegionHistory(region_code=today, items=await service.region_history(session, today, principal))


@router.get("/funnel", operation_id="assessment_funnel_list", tags=["results"],
            summary="One row per invitation, for the programme funnel",
            description="Read by the gateway's programme funnel.", responses=ERR(422))
async def funnel_rows(session: SessionDep, _: Reader) -> schemas.InvitationFunnelRows:
    return await service.funnel(session)


@router.get("/open-data/results", operation_id="assessment_open_data_export", tags=["public"],
            summary="Published round results as CSV, XLSX or JSON (no token, no assessor identities)",
            description="Streamed; with the licence and the extraction time.",
            response_class=Response, responses={200: {"content": export_content(schemas.OpenDataResult)}, **ERR(422)})
async def open_data_results(request: Request, _: Public, export: ExportDep,
                            year: Annotated[int | None, Query(ge=2017, le=2100)] = None) -> Response:
    return export_response(export, "hasil-seleksi-gerakan-100-smart-city", service.OPEN_DATA_COLUMNS,
                           stream_rows(request, service.open_data(year), service.open_data_row),
                           title="Hasil seleksi Gerakan Menuju 100 Smart City", licence=OPEN_LICENCE,
                           public_for=300)
