"""The six dimensions and their elements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.errors import AlreadyExists, NotFound
from services.common.records import audit

from ..models import Dimension, Element, records
from . import schemas


async def dimensions(session: AsyncSession) -> list[schemas.Dimension]:
    dims = (await session.scalars(select(Dimension).order_by(Dimension.position))).all()
    elements = (await session.scalars(select(Element).order_by(Element.dimension_code, Element.code))).all()
    return [schemas.Dimension(code=d.code, name_id=d.name_id, name_en=d.name_en, position=d.position,
                              elements=[schemas.Element.model_validate(e) for e in elements
                                        if e.dimension_code == d.code]) for d in dims]


async def get_dimension(session: AsyncSession, code: str, *, lock: bool = False) -> Dimension:
    dim = await session.get(Dimension, code, with_for_update=lock)
    if dim is None:
        raise NotFound(f"Dimension {code} does not exist")
    return dim


async def dimension_out(session: AsyncSession, dim: Dimension) -> schemas.Dimension:
    elements = (await session.scalars(select(Element).where(Element.dimension_code == dim.code)
                                      .order_by(Element.code))).all()
    return schemas.Dimension(code=dim.code, name_id=dim.name_id, name_en=dim.name_en, position=dim.position,
                             elements=[schemas.Element.model_validate(e) for e in elements])


async def rename(session: AsyncSession, dim: Dimension, data: schemas.DimensionPatch, actor: Principal) -> Dimension:
    code = dim.code
    before = {"name_id": dim.name_id, "name_en": dim.name_en}
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(dim, field, value)
    await session.flush()
    audit(session, records, actor=actor, action="dimension.update", entity="dimension", entity_id=code, before=before,
          after=data)
    return dim


async def add_element(session: AsyncSession, code: str, data: schemas.ElementIn, actor: Principal) -> Element:
    if await session.get(Dimension, code) is None:
        raise NotFound(f"Dimension {code} does not exist")
    if await session.get(Element, (code, data.code)):
        raise AlreadyExists(f"{code} already has element {data.code}")
    element = Element(dimension_code=code, **data.model_dump())
    session.add(element)
    await session.flush()
    audit(session, records, actor=actor, action="element.create", entity="dimension", entity_id=code, after=data)
    return element
