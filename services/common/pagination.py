"""Offset pagination with a hard maximum page size and a total."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000
T = TypeVar("T")


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    """The one list shape: a page of items, the total, and where the page starts."""

    items: list[T]
    total: int = Field(description="Items matching the filters, across all pages")
    limit: int
    offset: int

    @classmethod
    def whole(cls, items: list[T]) -> Page[T]:
        """A list that is small by nature (six dimensions, one plan's late programmes) in the one shape."""
        return cls(items=items, total=len(items), limit=len(items), offset=0)


async def paginate(session: AsyncSession, stmt: Select[*tuple[Any, ...]], page: PageParams,
                   shape: Callable[[Any], T] = lambda row: row, *, scalars: bool = True) -> Page[T]:
    """One page of a statement and the total across pages; nothing is cut silently.

    `scalars` takes the first column of each row (an entity); otherwise whole rows reach `shape`.
    """
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    bounded = stmt.limit(page.limit).offset(page.offset)
    rows = (await session.scalars(bounded)).all() if scalars else (await session.execute(bounded)).all()
    return Page[T](items=[shape(r) for r in rows], total=int(total or 0), limit=page.limit, offset=page.offset)
