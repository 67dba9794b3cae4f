"""Selection: the inputs a result depends on, the frozen result, publication, and what others read of it."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Select, Text, bindparam, cast, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.db import DriverStatement, Source
from services.common.errors import NotFound, Unprocessable
from services.common.export import columns_of
from services.common.records import audit, emit
from services.common.schemas import Signatory
from services.common.upstream import Upstream

from ..exceptions import ActDateOrder, FragileDecisionsUnreviewed, ScoresOwed
from ..masterplans import evaluation_history
from ..models import (
    FROZEN_STATES,
    Appeal,
    Assessor,
    DecisionReview,
    Document,
    Hearing,
    IndicatorInput,
    Invitation,
    PanelMember,
    Result,
    Round,
    Rubric,
    Score,
    SelfAssessment,
    SessionRegion,
    SignedResult,
    Submission,
    records,
)
from ..panel.service import conflicts_between
from ..registry import indicator_definition, indicator_values
from ..rubric.schemas import Component
from ..rubric.service import get_rubric
from ..types import EquityRules, EvaluationRule, InvitationStatus, RoundState
from . import calculation, robustness, schemas
from .evaluation import on_scale


async def _blocked_pairs(session: AsyncSession, round_id: int,
                         regions: list[Invitation]) -> dict[tuple[int, str], list[str]]:
    """(assessor, region) pairs of this round's panels that a conflict rule blocks, with the reasons."""
    codes = [r.region_code for r in regions]
    assessors = list((await session.scalars(select(Assessor).join(
        PanelMember, PanelMember.assessor_id == Assessor.id).join(
        Hearing, Hearing.id == PanelMember.session_id).where(
        Hearing.round_id == round_id).distinct())).all())
    clashes = await conflicts_between(session, round_id, assessors, regions) if assessors and codes else []
    return {(c["assessor_id"], c["region_code"]): c["reasons"] for c in clashes}


@dataclass
class Attendance:
    """The regions a result is computed for, and the (assessor, region) pairs a conflict rule blocks."""

    regions: list[Invitation]
    blocked: dict[tuple[int, str], list[str]]


async def attendance(session: AsyncSession, round_: Round) -> Attendance:
    attending = list((await session.scalars(select(Invitation).where(
        Invitation.round_id == round_.id, Invitation.attended.is_(True), Invitation.status != "withdrawn")
        .order_by(Invitation.region_code))).all())
    return Attendance(attending, await _blocked_pairs(session, round_.id, attending))


async def scores_owed(session: AsyncSession, round_: Round, present: Attendance | None = None
                      ) -> list[dict[str, Any]]:
    """Who still owes submitted panel scores for which attending region (withdrawn regions owe nothing)."""
    present = present or await attendance(session, round_)
    attending, blocked = present.regions, present.blocked
    panels = (await session.execute(select(SessionRegion.region_code, Assessor.id, Assessor.name).join(
        PanelMember, PanelMember.session_id == SessionRegion.session_id).join(
        Assessor, Assessor.id == PanelMember.assessor_id).where(SessionRegion.round_id == round_.id))).all()
    members: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for code, assessor_id, name in panels:
        members[code].append((assessor_id, name))
    submitted = set((await session.execute(select(Submission.assessor_id, Submission.region_code).where(
        Submission.round_id == round_.id))).all())
    owed: list[dict[str, Any]] = []
    for inv in attending:
        if not members[inv.region_code]:
            owed.append({"region_code": inv.region_code, "region_name": inv.region_name, "assessor_id": None,
                         "assessor": None, "owes": "no panel heard this region"})
        for assessor_id, name in sorted(members[inv.region_code]):
            if (assessor_id, inv.region_code) not in submitted and (assessor_id, inv.region_code) not in blocked:
                owed.append({"region_code": inv.region_code, "region_name": inv.region_name,
                             "assessor_id": assessor_id, "assessor": name, "owes": "submitted panel scores"})
    return owed


@dataclass(frozen=True)
class Indicators:
    """Indicator values of the invited regions (code, region, value) and the rules taken from definitions."""

    values: list[list[str]]
    rules: dict[str, Any]


async def read_indicators(session: AsyncSession, round_: Round, registry: Upstream) -> Indicators:
    """What the registry holds now for the round's indicators: the rubric's, and those the equity rules sort
    regions by (3T status, KKD class); and the definitions of components that defer to them."""
    rubric = await get_rubric(session, round_.rubric_id)
    codes = sorted({c.indicator_code for c in rubric.components if c.kind == "indicator" and c.indicator_code}
                   | {rule["indicator"] for rule in (round_.equity_rules or {}).get("min_per_category", [])})
    invited = set((await session.scalars(select(Invitation.region_code).where(
        Invitation.round_id == round_.id))).all())
    values = []
    for code in codes:
        found = await indicator_values(registry, code, round_.year)
        values += [[code, r, v] for r, v in sorted(found.items()) if r in invited]
    deferring = sorted({c.indicator_code for c in rubric.components if c.kind == "indicator" and c.indicator_code
                        and (c.normalisation or {}).get("from_indicator")})
    rules = {code: calculation.rule_from_definition(await indicator_definition(registry, code)) for code in deferring}
    return Indicators(values, rules)


async def snapshot_indicators(session: AsyncSession, round_: Round, registry: Upstream) -> None:
    """Taken when scoring closes, so the result never asks the registry again."""
    taken = await read_indicators(session, round_, registry)
    await session.execute(delete(IndicatorInput).where(IndicatorInput.round_id == round_.id))
    session.add_all([IndicatorInput(round_id=round_.id, indicator_code=code, region_code=r, value=v)
                     for code, r, v in taken.values])
    round_.indicator_rules = taken.rules
    await session.flush()


async def snapshot_previous(session: AsyncSession, round_: Round, masterplans: Upstream) -> None:
    """An evaluation's members' previous comparable indices, taken when scoring closes so the result never
    depends on a round published later: [region, round, year, index] from the latest published evaluation
    before this year whose rubric is this round's or one it names comparable; else, where the round names
    masterplan evaluation schemes, [region, None, year, index, evaluation] from the latest one recorded on the
    member's masterplan (asked of the masterplan service), a round of the same year coming first."""
    rule = round_.evaluation or {}
    rubrics = {round_.rubric_id, *(rule.get("comparable_with") or [])}
    rows = (await session.execute(
        select(Invitation.region_code, Round.id, Round.year, Result.explanation)
        .join(Result, Result.region_code_today == Invitation.region_code_today)
        .join(Round, Round.id == Result.round_id)
        .where(Invitation.round_id == round_.id, Round.state == "published", Round.year < round_.year,
               Round.rubric_id.in_(rubrics), Result.rank.is_not(None))
        .order_by(Invitation.region_code, Round.year, Round.id))).all()
    # A rubric may serve a selection too: only results of evaluations carry an index.
    latest: dict[str, list[Any]] = {
        region: [region, round_id, year, explanation["evaluation"]["index"]]
        for region, round_id, year, explanation in rows if explanation.get("evaluation")}
    if rule.get("masterplan_schemes"):
        members = dict((await session.execute(select(Invitation.region_code_today, Invitation.region_code)
                                              .where(Invitation.round_id == round_.id))).all())
        for record in await evaluation_history(masterplans, rule["masterplan_schemes"], round_.year):
            region = members.get(record["region_code_today"])
            if region is not None and (region not in latest or latest[region][2] < record["year"]):
                latest[region] = [region, None, record["year"],
                                  on_scale(float(record["total"]), float(rule["index_max"])), record["id"]]
    round_.previous = [latest[region] for region in sorted(latest)]


# Submitted scores in the order the hash covers them. Read by the driver: a national round has tens of thousands,
# and the ORM's row handling took twice as long as the query (bench/assessment.py).
SUBMITTED_SCORES = DriverStatement(
    select(Score.region_code, Score.component_key, Score.assessor_id, func.coalesce(Score.moderated_value, Score.value))
    .join(Submission, (Submission.round_id == Score.round_id) & (Submission.assessor_id == Score.assessor_id)
          & (Submission.region_code == Score.region_code))
    .where(Score.round_id == bindparam("round_id"))
    .order_by(Score.region_code, Score.component_key, Score.assessor_id))


async def gather_inputs(session: AsyncSession, round_: Round, present: Attendance | None = None,
                        live: Indicators | None = None) -> dict[str, Any]:
    """Everything a result depends on, as plain data: what the hash covers and recomputation uses. `live`: the
    registry's indicator values as they are now, for a round whose snapshot is not taken yet."""
    rubric = await get_rubric(session, round_.rubric_id)
    present = present or await attendance(session, round_)
    attended, blocked = present.regions, present.blocked
    score_rows = await SUBMITTED_SCORES.fetch(session, round_id=round_.id)
    scores, aside = [], set()
    for region, key, assessor, value in score_rows:
        if (assessor, region) in blocked:  # submitted, then a conflict came to light: kept, not counted
            aside.add((region, assessor))
        else:
            scores.append([region, key, assessor, str(value)])
    set_aside = [[region, assessor, "; ".join(blocked[(assessor, region)])] for region, assessor in sorted(aside)]
    selfs = [[s.region_code, s.component_key, str(s.verified_value if s.verified_value is not None else s.value)]
             for s in (await session.scalars(select(SelfAssessment).where(
                 SelfAssessment.round_id == round_.id).order_by(SelfAssessment.region_code,
                                                                SelfAssessment.component_key))).all()]
    if live is not None:
        indicators, rules = sorted(live.values), live.rules
    else:
        indicators = [[i.indicator_code, i.region_code, i.value] for i in (await session.scalars(
            select(IndicatorInput).where(IndicatorInput.round_id == round_.id).order_by(
                IndicatorInput.indicator_code, IndicatorInput.region_code))).all()]
        rules = round_.indicator_rules or {}
    evidence = [[region, key, version, sha] for region, key, version, sha in (await session.execute(
        select(Invitation.region_code, Document.purpose, Document.version, Document.sha256)
        .join(Invitation, Invitation.id == Document.owner_id)
        .where(Document.owner_kind == "self_assessment", Document.state == "stored", Invitation.round_id == round_.id)
        .order_by(Invitation.region_code, Document.purpose, Document.version))).all()]
    return {
        "round": {"id": round_.id, "year": round_.year, "quota": round_.quota, "aggregation": round_.aggregation,
                  "disagreement_threshold": str(round_.disagreement_threshold),
                  "equity_rules": round_.equity_rules,
                  # Only the rules a round states: every other round keeps its inputs and digest as they were.
                  **{rule: value for rule, value in (("calibration", round_.calibration),
                                                     ("robustness", round_.robustness),
                                                     ("evaluation", round_.evaluation)) if value}},
        "rubric": {"id": rubric.id, "code": rubric.code, "version": rubric.version,
                   "components": [Component.model_validate(c).model_dump(mode="json")
                                  for c in rubric.components]},
        "candidates": [[i.region_code, i.region_name, i.province_code, i.island_group] for i in attended],
        "scores": scores, "self": selfs, "indicators": indicators,
        "indicator_rules": rules, "set_aside": set_aside,
        **({"evidence": evidence} if evidence else {}),  # rounds without evidence keep their digest
        **({"previous": round_.previous or []} if round_.evaluation else {}),
    }


async def freeze(session: AsyncSession, round_: Round) -> None:
    """Finalise: refuse while scores are owed, then store every result and the hash over inputs and outputs."""
    present = await attendance(session, round_)
    owed = await scores_owed(session, round_, present)
    if owed:
        raise ScoresOwed(f"{len(owed)} panel score sheet(s) are still owed; have them submitted, or withdraw the "
                         "region with a reason", extra={"owed": owed})
    inputs = await gather_inputs(session, round_, present)
    results, alpha = calculation.compute(inputs)
    explanations = calculation.dump(results)
    certificate = robustness.certificate_of(inputs, explanations)
    if certificate is not None:
        version = _version_computed(round_)
        unreviewed = sorted(set(certificate["fragile"]) - {r.region_code for r in await reviews(session, round_,
                                                                                                  version)})
        if unreviewed:
            raise FragileDecisionsUnreviewed(
                f"{len(unreviewed)} fragile decision(s) have no review by the committee: {', '.join(unreviewed)}",
                extra={"unreviewed": unreviewed})
    round_.certificate = certificate
    await session.execute(delete(Result).where(Result.round_id == round_.id))
    today = dict((await session.execute(select(Invitation.region_code, Invitation.region_code_today).where(
        Invitation.round_id == round_.id))).all())
    await session.execute(insert(Result), [
        {"round_id": round_.id, "region_code": r.region_code, "region_code_today": today[r.region_code],
         "rank": r.rank,
         "total": Decimal(str(r.total)) if r.total is not None else None, "selected": r.selected, "rule": r.rule,
         "explanation": explanation} for r, explanation in zip(results, explanations, strict=True)])
    round_.inputs_digest, round_.result_hash = calculation.digests(inputs, explanations)
    round_.agreement_alpha = alpha
    round_.finalised_at = clock.now()
    await session.flush()


def _version_computed(round_: Round) -> int:
    """The version of the result a computation now would give: the first, or the next once published."""
    return round_.result_version + 1 if round_.state == "published" else round_.result_version


async def reviews(session: AsyncSession, round_: Round, version: int) -> list[DecisionReview]:
    """The committee's reviews for a version of the result, latest per region, in region order."""
    rows = (await session.scalars(select(DecisionReview).where(
        DecisionReview.round_id == round_.id, DecisionReview.result_version == version)
        .order_by(DecisionReview.region_code, DecisionReview.id))).all()
    return list({r.region_code: r for r in rows}.values())


async def certificate(session: AsyncSession, round_: Round) -> schemas.CertificateView:
    """The frozen certificate, or one computed now from the round's inputs; 404 when the round has no such rule."""
    if not round_.robustness:
        raise NotFound(f"Round {round_.id} states no robustness rule: its decisions are not tested")
    frozen = round_.is_frozen and round_.certificate is not None
    found = round_.certificate if frozen else robustness.certificate_of(await gather_inputs(session, round_))
    if found is None:
        raise NotFound(f"Round {round_.id} has no counted panel scores to test yet")
    version = round_.result_version if frozen else _version_computed(round_)
    given = [schemas.DecisionReview.model_validate(r, from_attributes=True)
             for r in await reviews(session, round_, version)]
    reviewed = {r.region_code for r in given}
    return schemas.CertificateView.model_validate({**found, "reviews": given, "frozen": frozen,
                                                   "unreviewed": [c for c in found["fragile"] if c not in reviewed]})


async def review(session: AsyncSession, round_: Round, data: schemas.ReviewsIn,
                 actor: Principal) -> list[schemas.DecisionReview]:
    """Record the committee's review of decisions, for the version of the result being decided."""
    round_.require("moderating", "published")
    if not round_.robustness:
        raise NotFound(f"Round {round_.id} states no robustness rule: its decisions are not tested")
    if round_.decided_on is not None and round_.state == "published" and data.reviewed_on < round_.decided_on:
        raise ActDateOrder(f"A review of the result published again ({data.reviewed_on}) cannot precede the "
                           f"first decision ({round_.decided_on})")
    if data.reviewed_on < round_.starts_on:
        raise ActDateOrder(f"The committee cannot review ({data.reviewed_on}) before the round starts "
                           f"({round_.starts_on})")
    attending = {i.region_code for i in (await attendance(session, round_)).regions}
    strangers = sorted({i.region_code for i in data.items} - attending)
    if strangers:
        raise Unprocessable.field("items", "not attending", f"Regions {', '.join(strangers)} do not attend "
                                  f"round {round_.id}")
    version = _version_computed(round_)
    rows = [DecisionReview(round_id=round_.id, result_version=version, region_code=i.region_code,
                           reviewed_on=data.reviewed_on, note=i.note, reviewed_by=actor.sub) for i in data.items]
    session.add_all(rows)
    await session.flush()
    recorded = [schemas.DecisionReview.model_validate(r, from_attributes=True) for r in rows]
    audit(session, records, actor=actor, action="round.decisions_reviewed", entity="round", entity_id=round_.id,
          after={"version": version, "reviews": recorded})
    return recorded


# What a frozen result answers: the round's state and figures, what it names of its rubric (three columns, not the
# rubric with its components) and its stored rows as JSON text, in one round trip by the driver; the text is parsed
# straight into the answer's models.
RESULTS_STORED = DriverStatement(select(
    Round.state, Round.result_hash, Round.agreement_alpha, Round.calibration, Rubric.id, Rubric.code, Rubric.version,
    select(func.array_agg(cast(Result.explanation, Text))).where(Result.round_id == Round.id).scalar_subquery())
    .join(Rubric, Rubric.id == Round.rubric_id).where(Round.id == bindparam("round_id")))
STORED_ITEMS = TypeAdapter(list[schemas.RegionResult])


# States before scoring closes: the registry's indicator values are not taken into the round yet.
BEFORE_SNAPSHOT = (RoundState.draft, RoundState.inviting, RoundState.assessing)


async def stored_results(source: Source, round_id: int) -> tuple[schemas.Results, bool] | None:
    """A frozen round's result as stored, nothing recomputed, and whether the round calibrates (the calibration its
    inputs give is then the caller's to add); None for a round that is not frozen."""
    row = await RESULTS_STORED.fetchrow(source, round_id=round_id)
    if row is None or row[0] not in FROZEN_STATES:
        return None
    state, result_hash, alpha, calibrates, rubric_id, rubric_code, rubric_version, stored = row
    items = sorted(STORED_ITEMS.validate_json(f"[{','.join(stored or [])}]"),
                   key=lambda r: (r.rank is None, r.rank or 0, r.region_code))
    return schemas.Results(round_id=round_id, state=RoundState(state), rubric_id=rubric_id, rubric_code=rubric_code,
                           rubric_version=rubric_version, frozen=True, result_hash=result_hash,
                           agreement_alpha=float(alpha) if alpha is not None else None,
                           selected_count=sum(1 for r in items if r.selected), items=items), bool(calibrates)


async def results(session: AsyncSession, round_: Round, registry: Upstream) -> schemas.Results:
    if round_.is_frozen:  # the stored result: nothing is recomputed
        stored = await stored_results(session, round_.id)
        assert stored is not None  # the round was just read frozen, and a frozen round stays so
        answer, calibrates = stored
        if calibrates:
            answer.calibration = await _calibration(session, round_)
        return answer
    # Live: before the snapshot, the indicator values the registry holds now, so a dashboard shows no false gaps;
    # from moderating on, the snapshot the result will be frozen with.
    live = await read_indicators(session, round_, registry) if round_.state in BEFORE_SNAPSHOT else None
    inputs = await gather_inputs(session, round_, live=live)
    items, alpha = calculation.compute(inputs)
    model = calculation.calibration_of(inputs)
    rubric = await get_rubric(session, round_.rubric_id)
    return schemas.Results(round_id=round_.id, state=RoundState(round_.state), rubric_id=rubric.id,
                           rubric_code=rubric.code, rubric_version=rubric.version, frozen=False,
                           result_hash=round_.result_hash, agreement_alpha=alpha,
                           selected_count=sum(1 for r in items if r.selected), items=items,
                           calibration=schemas.CalibrationModel.model_validate(model) if model else None)


async def verify(session: AsyncSession, round_: Round) -> schemas.Verification:
    inputs = await gather_inputs(session, round_)
    recomputed, _ = calculation.compute(inputs)
    digest = calculation.hash_of(inputs, calculation.dump(recomputed))
    return schemas.Verification(stored_hash=round_.result_hash, recomputed_hash=digest,
                                equal=digest == round_.result_hash)


async def publish(session: AsyncSession, round_: Round) -> None:
    """Open the public view and announce every selected region."""
    round_.published_at = clock.now()
    selected = (await session.scalars(select(Result).where(Result.round_id == round_.id,
                                                           Result.selected.is_(True)))).all()
    for r in selected:
        announce_selected(session, round_, r, round_.announced_on)
    await stamp_audit_head(session, round_)
    emit(session, records, "round.published", round_.id,
         {"round_id": round_.id, "year": round_.year, "title": round_.title, "quota": round_.quota,
          "result_hash": round_.result_hash, "selected": sorted(r.region_code for r in selected)})


def announce_selected(session: AsyncSession, round_: Round, result: Result, announced_on: date | None) -> None:
    """The event that tells the masterplan stage (and partners) a region was selected, as of an announcement."""
    emit(session, records, "region.selected", result.region_code,
         {"round_id": round_.id, "year": round_.year, "announced_on": str(announced_on),
          "region_code": result.region_code, "region_code_today": result.region_code_today,
          "region_name": result.explanation["region_name"], "rank": result.rank})


async def stamp_audit_head(session: AsyncSession, round_: Round) -> None:
    """The audit chain's head as the result is published: the signed result carries it."""
    await session.flush()  # the head read below covers every row this transaction wrote so far
    head = await session.get(records.chain, 1, populate_existing=True)
    if head is not None:
        round_.published_audit_seq, round_.published_audit_head = head.seq, head.head


async def published_round(session: AsyncSession, round_id: int) -> Round:
    round_ = await session.get(Round, round_id)
    if round_ is None or round_.state != "published" or round_.published_at is None or not round_.result_hash:
        raise NotFound(f"Round {round_id} has no published results")
    return round_


async def public_inputs(session: AsyncSession, round_id: int, version: int | None = None) -> dict[str, Any]:
    """Everything a published result was computed from: anyone can recompute it (and its hash). A version
    superseded after appeals gives the inputs kept with it."""
    round_ = await published_round(session, round_id)
    if version is None or version == round_.result_version:
        return await gather_inputs(session, round_)
    stored = await session.get(SignedResult, (round_id, version))
    if stored is None or stored.inputs is None:
        raise NotFound(f"Round {round_id} has no result version {version}")
    return stored.inputs


async def _public_panels(session: AsyncSession, round_id: int) -> list[schemas.PublicPanel]:
    sessions = (await session.scalars(select(Hearing).where(Hearing.round_id == round_id)
                                      .order_by(Hearing.starts_at, Hearing.id))).all()
    members = (await session.execute(select(PanelMember.session_id, Assessor.institution).join(
        Assessor, Assessor.id == PanelMember.assessor_id).join(
        Hearing, Hearing.id == PanelMember.session_id).where(
        Hearing.round_id == round_id))).all()
    regions: dict[int, int] = dict((await session.execute(select(SessionRegion.session_id, func.count()).where(
        SessionRegion.round_id == round_id).group_by(SessionRegion.session_id))).all())
    institutions: dict[int, list[str]] = defaultdict(list)
    for session_id, institution in members:
        institutions[session_id].append(institution)
    return [schemas.PublicPanel(name=s.name, venue=s.venue, starts_at=s.starts_at, ends_at=s.ends_at,
                                institutions=sorted(set(institutions[s.id])), members=len(institutions[s.id]),
                                regions=int(regions.get(s.id, 0))) for s in sessions]


async def public_results(session: AsyncSession, round_id: int) -> schemas.PublicResults:
    round_ = await published_round(session, round_id)
    published_at, result_hash = round_.published_at, round_.result_hash
    assert published_at is not None and result_hash is not None  # published_round made sure
    rubric = await get_rubric(session, round_.rubric_id)
    rows = (await session.scalars(select(Result).where(Result.round_id == round_id))).all()
    items = sorted((schemas.PublicRegionResult(
        region_code=r.region_code, region_name=r.explanation["region_name"],
        province_code=r.explanation["province_code"], island_group=r.explanation["island_group"],
        rank=r.rank, total=float(r.total) if r.total is not None else None, selected=r.selected, rule=r.rule,
        pushed=r.explanation.get("pushed"), evaluation=r.explanation.get("evaluation"))
        for r in rows), key=lambda x: (x.rank is None, x.rank or 0, x.region_code))
    # Rounds finalised before the digest was kept have it computed from their inputs, which are frozen too.
    digest = round_.inputs_digest or calculation.content_hash(await gather_inputs(session, round_))
    head = (schemas.AuditHead(seq=round_.published_audit_seq, hash=round_.published_audit_head)
            if round_.published_audit_seq is not None and round_.published_audit_head else None)
    return schemas.PublicResults(
        round_id=round_.id, year=round_.year, title=round_.title, published_at=published_at,
        decided_on=round_.decided_on, announced_on=round_.announced_on,
        signatories=[Signatory.model_validate(s) for s in round_.minutes_signatories or []],
        starts_on=round_.starts_on, ends_on=round_.ends_on, venue=round_.venue,
        panels=await _public_panels(session, round_.id),
        finalised_at=round_.finalised_at or published_at, rubric_code=rubric.code,
        rubric_version=rubric.version,
        rubric_components=[Component.model_validate(c) for c in rubric.components],
        quota=round_.quota, aggregation=round_.aggregation,
        disagreement_threshold=str(round_.disagreement_threshold),
        equity_rules=EquityRules.model_validate(round_.equity_rules or {}),
        tie_breakers=calculation.TIE_BREAKERS, inputs_digest=digest, result_hash=result_hash,
        audit_head=head, items=items, **await _republication(session, round_),
        calibration=await _calibration(session, round_), certificate=await _signed_certificate(session, round_),
        evaluation=EvaluationRule.model_validate(round_.evaluation) if round_.evaluation else None)


async def _calibration(session: AsyncSession, round_: Round) -> schemas.CalibrationModel | None:
    """Where the round calibrates: the parameters its inputs give (assessors by number)."""
    model = calculation.calibration_of(await gather_inputs(session, round_)) if round_.calibration else None
    return schemas.CalibrationModel.model_validate(model) if model else None


async def _signed_certificate(session: AsyncSession, round_: Round) -> schemas.Certificate | None:
    """The certificate frozen with the current version, and the reviews of that version."""
    if round_.certificate is None:
        return None
    given = await reviews(session, round_, round_.result_version)
    return schemas.Certificate.model_validate({**round_.certificate, "reviews": [
        schemas.DecisionReview.model_validate(r, from_attributes=True) for r in given]})


async def _republication(session: AsyncSession, round_: Round) -> dict[str, Any]:
    """What a version after the first says of itself: its number, the version it replaces, the appeals it takes in."""
    version = round_.result_version
    if version == 1:
        return {}
    before = await session.get(SignedResult, (round_.id, version - 1))
    assert before is not None  # republishing keeps the version it replaces
    taken = await session.scalars(select(Appeal).where(Appeal.round_id == round_.id,
                                                       Appeal.republished_version == version).order_by(Appeal.id))
    return {"version": version, "republished_on": round_.republished_on,
            "supersedes": schemas.Superseded(version=version - 1,
                                             jws_sha256=hashlib.sha256(before.jws.encode()).hexdigest()),
            "appeals": [schemas.AppealRecord(
                region_code=a.region_code, region_name=a.region_name, filed_on=a.filed_on, grounds=a.grounds,
                components=a.components, decision=a.state, decided_on=a.decided_on, reasons=a.reasons or "")
                for a in taken if a.decided_on is not None]}


async def map_properties(session: AsyncSession, round_id: int) -> dict[str, dict[str, Any]]:
    """Today's code -> what a map of a published round shows of that region's result."""
    await published_round(session, round_id)
    rows = (await session.scalars(select(Result).where(Result.round_id == round_id))).all()
    return {r.region_code_today: {"round_id": round_id, "recorded_code": r.region_code, "rank": r.rank,
                                  "total": float(r.total) if r.total is not None else None,
                                  "selected": r.selected, "rule": r.rule} for r in rows}


def selections(region_code: str | None, year: int | None) -> Select[Result, Round]:
    """Regions selected in published rounds, oldest round first."""
    stmt = (select(Result, Round).join(Round, Round.id == Result.round_id)
            .where(Round.state == "published", Result.selected.is_(True)))
    if region_code:
        stmt = stmt.where(Result.region_code_today == region_code)
    if year:
        stmt = stmt.where(Round.year == year)
    return stmt.order_by(Round.year, Result.rank, Result.region_code)


def selection_out(row: Any) -> schemas.Selection:
    result, round_ = row
    return schemas.Selection(round_id=round_.id, year=round_.year, region_code=result.region_code,
                             region_code_today=result.region_code_today,
                             region_name=result.explanation["region_name"], rank=result.rank,
                             published_at=round_.published_at)


async def region_history(session: AsyncSession, region_code_today: str,
                         principal: Principal) -> list[schemas.RoundHistory]:
    rows = (await session.execute(
        select(Invitation, Round, Result).join(Round, Round.id == Invitation.round_id)
        .outerjoin(Result, (Result.round_id == Invitation.round_id) & (Result.region_code == Invitation.region_code))
        .where(Invitation.region_code_today == region_code_today).order_by(Round.year, Round.id))).all()
    history = []
    for inv, rnd, res in rows:
        # A region sees its own result once it is published; Kominfo and ministries once it is final.
        visible = res is not None and (rnd.state == "published" or not principal.is_pemda_only)
        history.append(schemas.RoundHistory(
            round_id=rnd.id, year=rnd.year, title=rnd.title, state=RoundState(rnd.state),
            region_code=inv.region_code, invitation=InvitationStatus(inv.status),
            attended=inv.attended, rank=res.rank if visible else None,
            total=float(res.total) if visible and res.total is not None else None,
            selected=res.selected if visible else None, rule=res.rule if visible else None))
    return history


async def funnel(session: AsyncSession) -> schemas.InvitationFunnelRows:
    outcome = (Result.round_id == Invitation.round_id) & (Result.region_code == Invitation.region_code)
    rows = (await session.execute(
        select(Invitation, Round, Result.selected).join(Round, Round.id == Invitation.round_id)
        .outerjoin(Result, outcome).order_by(Round.year, Invitation.region_code, Round.id))).all()
    return schemas.InvitationFunnelRows(items=[schemas.InvitationFunnelRow(
        region_code=inv.region_code, region_code_today=inv.region_code_today, province_code=inv.province_code,
        island_group=inv.island_group,
        round_id=rnd.id, year=rnd.year, attended=inv.attended,
        selected=bool(selected) and rnd.state == "published", published=rnd.state == "published")
        for inv, rnd, selected in rows])


OPEN_DATA_COLUMNS = columns_of(schemas.OpenDataResult)


def open_data(year: int | None) -> Select[Any]:
    stmt = (select(Round.year, Round.id, Round.title, Result.region_code, Result.region_code_today,
                   Result.explanation, Result.rank,
                   Result.total, Result.selected, Result.rule, Round.result_hash)
            .join(Round, Round.id == Result.round_id).where(Round.state == "published")
            .order_by(Round.year, Round.id, Result.rank.nulls_last(), Result.region_code))
    return stmt.where(Round.year == year) if year else stmt


def open_data_row(r: Any) -> tuple[Any, ...]:
    figures = r.explanation.get("evaluation") or {}
    return (r.year, r.id, r.title, r.region_code, r.region_code_today, r.explanation["region_name"],
            r.explanation["island_group"], r.rank, float(r.total) if r.total is not None else None, r.selected,
            r.rule, r.result_hash, figures.get("index"), figures.get("change"))
