"""Engine, declarative bases and the one-unit-of-work-per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Request
from sqlalchemy import Integer, MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .errors import ProblemError
from .settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Revisioned:
    """Optimistic concurrency: every UPDATE bumps `revision`, and a write based on a stale row fails.

    ETags are built from it, so If-Match and the database agree on what "current" means.
    """

    revision: Mapped[int] = mapped_column(Integer, default=1)
    etag_key: ClassVar[str] = "id"  # the column that names the record in its ETag

    @property
    def etag(self) -> str:
        return f'"{self.__tablename__}-{getattr(self, self.etag_key)}-v{self.revision}"'  # type: ignore[attr-defined]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.revision}  # type: ignore[attr-defined]


def schema_metadata(schema: str) -> MetaData:
    """The metadata of a declarative base whose tables all live in one service's schema."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("only PostgreSQL is supported")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(settings: Settings, url: str | None = None) -> AsyncEngine:
    target = url or settings.database_url
    if not target:
        raise RuntimeError("DATABASE_URL is not set; `smartcity up` sets it for the embedded server")
    # No pre-ping (a round trip per checkout); a dropped connection invalidates the pool instead,
    # and errors.py answers that one request with 503.
    # hide_parameters: an error's log line never carries the values (password hashes, secrets) it was sent.
    return create_async_engine(async_url(target), pool_size=settings.db_pool_size,
                               max_overflow=settings.db_max_overflow, pool_recycle=1800, hide_parameters=True)


def sessionmaker_for(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on error.

    A ProblemError with `keeps_changes` (e.g. revoking a leaked token family) commits, then answers.
    """
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with maker() as session:
        await session.begin()
        try:
            yield session
        except ProblemError as exc:
            await (session.commit() if exc.keeps_changes else session.rollback())
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": the commit happens before the response is sent, so a 2xx means it is stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
