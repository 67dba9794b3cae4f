"""What a registry path names, loaded once per request; `...ForUpdate` ones locked and checked against If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.common.db import SessionDep
from services.common.etag import IfMatch, check_if_match

from .heads import service as heads_service
from .indicators import service as indicators_service
from .models import HeadTerm, Indicator
from .registry import schemas as registry_schemas

CodePath = Annotated[str, Path(pattern=registry_schemas.REGION_CODE_PATTERN, description="Kemendagri region code",
                               examples=["21.72"])]
IndicatorPath = Annotated[str, Path(pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])]
TermId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]


async def _indicator_for_update(indicator: IndicatorPath, session: SessionDep, if_match: IfMatch = None) -> Indicator:
    row = await indicators_service.get_indicator(session, indicator, lock=True)
    check_if_match(if_match, row.etag)
    return row


async def _head_for_update(code: CodePath, term_id: TermId, session: SessionDep, if_match: IfMatch = None) -> HeadTerm:
    term = await heads_service.get_head(session, code, term_id, lock=True)
    check_if_match(if_match, term.etag)
    return term


IndicatorForUpdate = Annotated[Indicator, Depends(_indicator_for_update)]
HeadForUpdate = Annotated[HeadTerm, Depends(_head_for_update)]
