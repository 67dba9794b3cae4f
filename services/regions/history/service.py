"""Codes through time: which region a code named on a date, and what that region was called and coded then.

Works inside the caller's transaction; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Select, any_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import text_array
from services.common.errors import NotFound

from ..models import CodeChange, CodeList, CodeListEntry, Region
from . import schemas


class Named(Protocol):
    """A region as a record or as its answer: what undoing its changes reads."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...


async def _moved(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[CodeChange]]:
    rows = (await session.scalars(select(CodeChange).where(
        CodeChange.old_code == any_(text_array(list(codes))), CodeChange.change == "renumbered")
        .order_by(CodeChange.effective_on))).all()
    moved: dict[str, list[CodeChange]] = {}
    for c in rows:
        moved.setdefault(c.old_code, []).append(c)
    return moved


async def resolve_many(session: AsyncSession, codes: Sequence[str], on: date | None = None) -> dict[str, str]:
    """code -> today's code of the region it named (on `on`, else at any time); codes that never named a
    region are left out. Two queries, however many codes.

    A code in today's list names today's region unless `on` falls before a renumbering that moved it away
    (a reused code); a code no longer in the list names the region it was renumbered to.
    """
    today = set(await current(session, codes))
    moved = await _moved(session, codes)
    out: dict[str, str] = {}
    for code in codes:
        later = [c for c in moved.get(code, []) if on is not None and c.effective_on > on]
        if later:
            out[code] = later[0].region_code
        elif code in today:
            out[code] = code
        elif code in moved:
            out[code] = moved[code][-1].region_code
    return out


async def current(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """The codes in today's list, each to itself."""
    found = (await session.scalars(select(Region.code).where(Region.code == any_(text_array(list(codes)))))).all()
    return {c: c for c in found}


async def resolve(session: AsyncSession, code: str, on: date | None = None) -> str | None:
    return (await resolve_many(session, [code], on)).get(code)


async def changes_of(session: AsyncSession, region_codes: Sequence[str]) -> Sequence[CodeChange]:
    return (await session.scalars(select(CodeChange).where(CodeChange.region_code.in_(region_codes))
                                  .order_by(CodeChange.effective_on, CodeChange.id))).all()


def undo(changes: Sequence[CodeChange], region: Named, on: date) -> tuple[str, str, bool]:
    """(code, name, existed) of today's `region` on `on`: every change of it after that day undone."""
    code, name, existed = region.code, region.name, True
    for c in sorted((c for c in changes if c.region_code == region.code), key=lambda c: c.effective_on,
                    reverse=True):
        if c.effective_on <= on:
            break
        if c.change == "renumbered":
            code = c.old_code
        elif c.change == "renamed":
            name = c.name_old
        else:
            existed = False
    return code, name, existed


async def codes_on(session: AsyncSession, regions: Sequence[Region], on: date) -> dict[str, str]:
    """Today's code -> the code the region had on `on`."""
    changes = await changes_of(session, [r.code for r in regions])
    return {r.code: undo(changes, r, on)[0] for r in regions}


async def list_in_force(session: AsyncSession, on: date) -> CodeList | None:
    """The newest list adopted on or before `on` (a list dated by its year alone counts from the year after)."""
    lists = (await session.scalars(select(CodeList).order_by(CodeList.label.desc()))).all()
    for x in lists:
        if (x.regulation_date is not None and x.regulation_date <= on) or \
                (x.regulation_date is None and x.regulation_year < on.year):
            return x
    return None


async def as_on(session: AsyncSession, region: Named, parent: Named | None, on: date) -> schemas.RegionOn:
    """`region` (today's) as it was on `on`: undo every change that took effect after that day."""
    changes = await changes_of(session, [region.code])
    code, name, existed = undo(changes, region, on)
    parent_code = parent_name = None
    if parent is not None and region.level == "regency":
        parent_code = code[:2]
        parent_row: Named | None = parent if parent_code == parent.code else await session.get(Region, parent_code)
        if parent_row is not None:
            parent_name = undo(await changes_of(session, [parent_row.code]), parent_row, on)[1]
    listed = await list_in_force(session, on)
    return schemas.RegionOn(on=on, existed=existed, code=code if existed else None, name=name if existed else None,
                            parent_code=parent_code if existed else None, parent_name=parent_name if existed else None,
                            code_list=schemas.CodeList.model_validate(listed) if listed else None)


async def code_lists(session: AsyncSession) -> Sequence[CodeList]:
    return (await session.scalars(select(CodeList).order_by(CodeList.label))).all()


def code_list_entries(label: str) -> Select[Any]:
    """The entries of list `label`, by code."""
    return select(CodeListEntry).where(CodeListEntry.list_label == label).order_by(CodeListEntry.code)


async def require_code_list(session: AsyncSession, label: str) -> CodeList:
    found = await session.get(CodeList, label)
    if found is None:
        raise NotFound(f"No list of codes is labelled {label}")
    return found
