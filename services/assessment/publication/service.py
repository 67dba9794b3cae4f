"""The signed result of a published round: each version signed once by the gateway's key and kept, the same
bytes for all; a version superseded after appeals keeps its inputs and stays verifiable."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from typing import Any

from jose.utils import base64url_decode
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal
from services.common.errors import NotFound, Unprocessable
from services.common.records import audit, emit
from services.common.settings import Settings
from services.common.upstream import Upstreams

from ..appeals.service import pending
from ..exceptions import ActDateOrder, LetterNumbered, NoUpheldAppeal
from ..models import LetterNumber, Result, Round, SignedResult, records
from ..selection.service import (
    announce_selected,
    freeze,
    gather_inputs,
    public_results,
    published_round,
    stamp_audit_head,
)
from . import schemas

# The JWS `typ`: a signed result can never pass for an access token (and a token never for a result).
RESULTS_TYPE = "smartcity-selection+jws"
# Said only where they apply (a version from 2 on, a round that calibrates, tests its decisions or evaluates), so
# every other round's document is what it always was.
OPTIONAL = ("version", "republished_on", "supersedes", "appeals", "calibration", "certificate", "evaluation")


async def signed_result(session: AsyncSession, upstreams: Upstreams, settings: Settings, round_id: int,
                        version: int | None = None) -> SignedResult:
    """The signed document of a version (default the current one); signed on first request."""
    round_ = await published_round(session, round_id)
    version = version or round_.result_version
    stored = await session.get(SignedResult, (round_id, version))
    if stored is not None:
        return stored
    if version != round_.result_version:
        raise NotFound(f"Round {round_id} has no result version {version}")
    results = await public_results(session, round_id)
    document = results.model_dump(mode="json", exclude={k for k in OPTIONAL if getattr(results, k) is None})
    signed = await upstreams.call("gateway", "POST", "/internal/signatures",
                                  headers={"x-service-key": settings.resolved_service_key()},
                                  json_body={"type": RESULTS_TYPE, "subject": f"round:{round_id}",
                                             "member": "results", "content": document})
    await session.execute(insert(SignedResult).values(round_id=round_id, version=version, kid=signed["kid"],
                                                      jws=signed["jws"])
                          .on_conflict_do_nothing())  # two first readers at once: one document is kept, both get it
    stored = await session.get(SignedResult, (round_id, version), populate_existing=True)
    assert stored is not None
    return stored


async def versions(session: AsyncSession, round_id: int) -> list[dict[str, Any]]:
    round_ = await published_round(session, round_id)
    stored = {s.version: s for s in await session.scalars(select(SignedResult).where(
        SignedResult.round_id == round_id))}
    out = []
    for v in range(1, round_.result_version + 1):
        s = stored.get(v)
        out.append({"version": v, "current": v == round_.result_version, "signed_at": s.signed_at if s else None,
                    "superseded_at": s.superseded_at if s else None,
                    "jws_sha256": hashlib.sha256(s.jws.encode()).hexdigest() if s else None})
    return out


async def keep_current(session: AsyncSession, upstreams: Upstreams, settings: Settings,
                       round_: Round) -> SignedResult:
    """The current version, signed and with the inputs it was computed from, kept before anything re-opens it
    (an upheld appeal): it must stay verifiable once superseded."""
    current = await signed_result(session, upstreams, settings, round_.id)
    if current.inputs is None:
        current.inputs = await gather_inputs(session, round_)
    return current


async def republish(session: AsyncSession, upstreams: Upstreams, settings: Settings, round_: Round,
                    republished_on: date, actor: Principal) -> SignedResult:
    """Take the upheld appeals in: the current version is signed (if it was not yet) and kept with its inputs,
    the result is computed again from the round's scores as moderated since, and becomes the next version."""
    round_.require("published")
    taken = (await session.scalars(pending(round_.id))).all()
    if not taken:
        raise NoUpheldAppeal(f"Round {round_.id} has no upheld appeal waiting to be taken in")
    latest = max(a.decided_on for a in taken if a.decided_on is not None)
    if republished_on < latest:
        raise ActDateOrder(f"Published again on {republished_on}, before the last decision on {latest}")
    before = await keep_current(session, upstreams, settings, round_)
    before.superseded_at = clock.now()
    selected_before = set((await session.scalars(select(Result.region_code).where(
        Result.round_id == round_.id, Result.selected.is_(True)))).all())
    old_hash = round_.result_hash
    await freeze(session, round_)
    round_.result_version += 1
    round_.republished_on = republished_on
    for appeal in taken:
        appeal.republished_version = round_.result_version
    selected = (await session.scalars(select(Result).where(Result.round_id == round_.id,
                                                           Result.selected.is_(True)))).all()
    audit(session, records, actor=actor, action="round.republish", entity="round", entity_id=round_.id,
          before={"version": round_.result_version - 1, "result_hash": old_hash},
          after={"version": round_.result_version, "result_hash": round_.result_hash,
                 "appeals": [a.id for a in taken], "republished_on": republished_on})
    for r in selected:
        if r.region_code not in selected_before:
            announce_selected(session, round_, r, republished_on)
    await stamp_audit_head(session, round_)
    emit(session, records, "round.republished", round_.id, {
        "round_id": round_.id, "version": round_.result_version, "republished_on": str(republished_on),
        "result_hash": round_.result_hash, "selected": sorted(r.region_code for r in selected),
        "no_longer_selected": sorted(selected_before - {r.region_code for r in selected})})
    return await signed_result(session, upstreams, settings, round_.id)


def signed_content(stored: SignedResult) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(base64url_decode(stored.jws.split(".")[1].encode()))
    return dict(payload["results"])


def _verify_url(stored: SignedResult, settings: Settings) -> str:
    url = f"{settings.public_url}/api/v1/assessment/public/rounds/{stored.round_id}/signed-results"
    return url + (f"?version={stored.version}" if stored.version > 1 else "")


# The renderers (reportlab) are imported with the first document asked for, not at every start of the process.
def minutes_pdf(stored: SignedResult, settings: Settings) -> tuple[bytes, dict[str, Any]]:
    """The berita acara, from the signed document alone."""
    from .minutes import render_minutes

    document = signed_content(stored)
    pdf = render_minutes(document, kid=stored.kid, verify_url=_verify_url(stored, settings),
                         jws_digest=hashlib.sha256(stored.jws.encode()).hexdigest())
    return pdf, document


def _members(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The members a signed result ranked in an evaluation, by code (none in a selection): who gets a letter."""
    if document.get("evaluation") is None:
        return {}
    return {i["region_code"]: i for i in document["items"] if i.get("evaluation")}


def letter_pdf(stored: SignedResult, region_code: str, settings: Settings,
               numbered: LetterNumber | None) -> tuple[bytes, dict[str, Any]]:
    """A member's result letter, from the signed document alone and the number the registry gave it, if any."""
    from .letter import render_letter

    document = signed_content(stored)
    item = _members(document).get(region_code)
    if item is None:
        raise NotFound(f"Round {stored.round_id} has no evaluation result for {region_code}")
    pdf = render_letter(document, item, kid=stored.kid, verify_url=_verify_url(stored, settings),
                        jws_digest=hashlib.sha256(stored.jws.encode()).hexdigest(),
                        agenda_number=numbered.number if numbered else None,
                        dated_on=numbered.dated_on if numbered else None)
    return pdf, document


async def letter_number(session: AsyncSession, stored: SignedResult, region_code: str) -> LetterNumber | None:
    return await session.get(LetterNumber, (stored.round_id, stored.version, region_code))


async def number_letters(session: AsyncSession, upstreams: Upstreams, settings: Settings, round_: Round,
                         data: schemas.LetterNumbersIn, actor: Principal) -> list[schemas.LetterNumber]:
    """The agenda numbers and date the ministry's registry gave the member letters of a version, all or none."""
    round_.require("published")
    stored = await signed_result(session, upstreams, settings, round_.id, data.version)
    document = signed_content(stored)
    members = _members(document)
    if not members:
        raise NotFound(f"Round {round_.id} is not an evaluation: it sends no result letters")
    strangers = [n for n, g in enumerate(data.items) if g.region_code not in members]
    if strangers:
        raise Unprocessable("Letters go to the members the result ranked", errors=[
            {"loc": ["body", "items", n, "region_code"], "msg": "not ranked in this result", "type": "value_error"}
            for n in strangers])
    announced = date.fromisoformat(document.get("republished_on") or document["announced_on"])
    if data.dated_on < announced:
        raise ActDateOrder(f"A letter of version {stored.version} cannot be dated {data.dated_on}, before the "
                           f"result it sends was announced ({announced})")
    regions = [g.region_code for g in data.items]
    numbers = [g.number for g in data.items]
    twice = sorted(x for counted in (Counter(regions), Counter(numbers)) for x, n in counted.items() if n > 1)
    if twice:
        raise Unprocessable.field("items", "given twice", f"Given more than once: {', '.join(twice)}")
    taken = (await session.execute(select(LetterNumber.region_code, LetterNumber.number).where(
        LetterNumber.number.in_(numbers) | ((LetterNumber.round_id == round_.id)
                                            & (LetterNumber.result_version == stored.version)
                                            & LetterNumber.region_code.in_(regions))))).all()
    if taken:
        raise LetterNumbered(f"Already numbered: {', '.join(sorted(f'{r} ({n})' for r, n in taken))}",
                             extra={"numbered": sorted(r for r, _ in taken)})
    rows = [LetterNumber(round_id=round_.id, result_version=stored.version, region_code=g.region_code,
                         number=g.number, dated_on=data.dated_on, recorded_by=actor.sub) for g in data.items]
    session.add_all(rows)
    await session.flush()
    recorded = [schemas.LetterNumber.model_validate(r, from_attributes=True) for r in rows]
    audit(session, records, actor=actor, action="round.letters_numbered", entity="round", entity_id=round_.id,
          after={"version": stored.version, "letters": recorded})
    return recorded
