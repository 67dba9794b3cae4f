"""Engine, declarative bases and the one-unit-of-work-per-request session."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any, ClassVar

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import ARRAY, Integer, MetaData, String, bindparam, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.sql import Select
from sqlalchemy.util import greenlet_spawn

from .errors import ProblemError, database_away
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


def reader_for(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GET and HEAD: each statement on its own (autocommit), so a read pays no BEGIN and COMMIT.

    Under READ COMMITTED a transaction gives a read nothing more: each statement sees its own snapshot either way.
    """
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


READS = frozenset({"GET", "HEAD"})
READS_ONLY = "reads_only"


class ReadWrites(RuntimeError):
    """A GET or HEAD tried to change something: a bug, refused before it reaches the database."""


@event.listens_for(Session, "do_orm_execute")
def _no_statement_writes(state: ORMExecuteState) -> None:
    if state.session.info.get(READS_ONLY) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadWrites(f"a read wrote: {state.statement}")


@event.listens_for(Session, "before_flush")
def _no_flushed_writes(session: Session, *_: Any) -> None:
    if session.info.get(READS_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadWrites("a read changed records")


@asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends, rolled back on error.

    A ProblemError with `keeps_changes` (e.g. revoking a leaked token family) commits, then answers.
    """
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


async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: a transaction, except that GET and HEAD read without one and may not write."""
    if request.method not in READS:
        async with unit_of_work(request.app.state.sessionmaker) as session:
            yield session
        return
    reader: async_sessionmaker[AsyncSession] = request.app.state.reader
    async with reader() as session:
        session.info[READS_ONLY] = True
        yield session


# scope="function": the commit happens before the response is sent, so a 2xx means it is stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# A transaction whatever the method: for the rare GET that stores what it computes once (a signed document).
TransactionDep = Annotated[AsyncSession, Depends(transaction, scope="function")]


def text_array(values: list[str]) -> Any:
    """One array parameter for `column == any_(...)`, however many values (a village file names 83,762)."""
    return bindparam(None, values, type_=ARRAY(String), unique=True)


# What a driver statement runs on: a request's session, or a reader (a session factory) when no session is open.
Source = AsyncSession | async_sessionmaker[AsyncSession] | Callable[[], AbstractAsyncContextManager[AsyncSession]]


class DriverStatement:
    """A Core statement compiled once and run by the driver: for the hottest reads, where SQLAlchemy's work per
    execution and the ORM's row handling cost more than the query itself (make bench-load). Rows come back as
    the driver's records (JSON decoded, as SQLAlchemy sets up its connections); the driver's errors are raised
    as SQLAlchemy's, a lost connection invalidated, so they answer as every other database error does."""

    def __init__(self, statement: Select[*tuple[Any, ...]]):
        compiled = statement.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]
        self.sql = str(compiled)
        self.names = list(compiled.positiontup or [])
        self.literals = {name: value for name, value in compiled.params.items()
                         if not compiled.binds[name].required}

    async def fetch(self, source: Source, **values: Any) -> list[Any]:
        return await self._run(source, "fetch", values)  # type: ignore[no-any-return]

    async def fetchrow(self, source: Source, **values: Any) -> Any:
        return await self._run(source, "fetchrow", values)

    async def _run(self, source: Source, method: str, values: dict[str, Any]) -> Any:
        given = {**self.literals, **values}
        arguments = [given[name] for name in self.names]
        if isinstance(source, AsyncSession):
            engine = source.bind
            if not (source.info.get(READS_ONLY) and not source.in_transaction() and isinstance(engine, AsyncEngine)):
                connection = await source.connection()
                driver = (await connection.get_raw_connection()).driver_connection
                return await self._call(driver, method, arguments, connection.invalidate)
        else:
            engine = source.kw.get("bind") if isinstance(source, async_sessionmaker) else None
            if not isinstance(engine, AsyncEngine):  # a reader on one connection (the tests'): through its session
                async with source() as session:
                    session.info[READS_ONLY] = True
                    return await self._run(session, method, values)
        # A read's statement on its own, as it would run in autocommit anyway: a pooled connection for it alone,
        # without a session's transaction and connection bookkeeping (a tenth of a region read's CPU).
        try:
            pooled = await engine.raw_connection()
        except DBAPIError:
            raise
        except Exception as exc:  # the driver's own, as SQLAlchemy's Connection would have wrapped it
            raise DBAPIError.instance(None, None, exc, Exception, connection_invalidated=True) from exc
        try:
            return await self._call(pooled.driver_connection, method, arguments,
                                    lambda: greenlet_spawn(pooled.invalidate))
        finally:
            await greenlet_spawn(pooled.close)

    async def _call(self, driver: Any, method: str, arguments: list[Any],
                    invalidate: Callable[[], Awaitable[None]]) -> Any:
        try:
            return await getattr(driver, method)(self.sql, *arguments)
        except asyncio.CancelledError:
            driver.terminate()  # stopped mid-statement: the connection must not serve another request
            await invalidate()
            raise
        except Exception as exc:
            # Only the server's own refusal leaves the connection sound; anything else (the connection closed or
            # reset, the driver's protocol out of step) takes it out of the pool.
            lost = not isinstance(exc, asyncpg.PostgresError) or database_away(exc.sqlstate or "")
            if lost:
                await invalidate()
            # Exception as the driver's base: every error is wrapped, not only the server's.
            raise DBAPIError.instance(self.sql, None, exc, Exception, connection_invalidated=lost) from exc
