"""MoUs: signed only by regions a published round selected; amended with a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import clock
from services.common.auth import Principal, get_in_scope, scope_to_region
from services.common.errors import Unprocessable
from services.common.records import audit, emit
from services.common.upstream import Upstream

from ..exceptions import MouExists, RegionNotSelected
from ..models import Mou, records
from . import schemas


async def create_mou(session: AsyncSession, data: schemas.MouIn, assessment: Upstream, actor: Principal) -> Mou:
    # Selection is the assessment service's published fact, not a flag typed here.
    answer = await assessment.call("GET", "/api/v1/assessment/selections",
                                   params={"region_code": data.region_code, "limit": 200})
    selections = answer["items"]
    if not selections:
        raise RegionNotSelected(f"Region {data.region_code} was not selected in any published round; no MoU can "
                                "be signed", extra={"region_code": data.region_code})
    selection = max(selections, key=lambda s: s["year"])
    today = selection["region_code_today"]
    if await session.scalar(select(Mou.id).where(Mou.region_code_today == today,
                                                 Mou.round_id == selection["round_id"])):
        raise MouExists(f"Region {data.region_code} already signed the MoU for round {selection['round_id']}")
    # The MoU records the code its signatories wrote, and the region's code today.
    mou = Mou(region_code=data.region_code, region_code_today=today, region_name=selection["region_name"],
              round_id=selection["round_id"],
              cohort_year=selection["year"], signed_on=data.signed_on, place=data.place,
              signatories=[s.model_dump() for s in data.signatories], document_ref=data.document_ref,
              created_by=actor.sub)
    session.add(mou)
    await session.flush()
    out = schemas.Mou.model_validate(mou)
    audit(session, records, actor=actor, action="mou.create", entity="mou", entity_id=mou.id, after=out)
    emit(session, records, "mou.signed", mou.region_code, out)
    return mou


async def get_mou(session: AsyncSession, mou_id: int, principal: Principal | None, *, lock: bool = False) -> Mou:
    return await get_in_scope(session, Mou, mou_id, principal, label="MoU", lock=lock)


async def amend_mou(session: AsyncSession, mou: Mou, data: schemas.MouAmendmentIn, actor: Principal) -> Mou:
    before = schemas.Mou.model_validate(mou)
    changes = data.model_dump(include={"signed_on", "place", "signatories", "document_ref"}, exclude_unset=True,
                              mode="json")
    if "signed_on" in changes:
        changes["signed_on"] = data.signed_on
    for field, value in changes.items():
        setattr(mou, field, value)
    mou.amended_on, mou.amendment_reason = data.amended_on or clock.today(), data.reason
    if mou.amended_on < mou.signed_on:
        raise Unprocessable.field("amended_on", "before the signing",
                                  f"Amended on {mou.amended_on}, before the signing on {mou.signed_on}")
    await session.flush()
    out = schemas.Mou.model_validate(mou)
    audit(session, records, actor=actor, action="mou.amend", entity="mou", entity_id=mou.id, before=before,
          after=out, reason=data.reason)
    emit(session, records, "mou.amended", mou.region_code, out)
    return mou


def listing(principal: Principal, region_code_today: str | None, cohort_year: int | None) -> Select[Any]:
    stmt = scope_to_region(select(Mou), Mou.region_code_today, principal).order_by(Mou.cohort_year, Mou.region_code)
    if region_code_today:
        stmt = stmt.where(Mou.region_code_today == region_code_today)
    if cohort_year:
        stmt = stmt.where(Mou.cohort_year == cohort_year)
    return stmt
