"""GET and HEAD read without a transaction, on the production reader, and cannot write."""

import pytest
from sqlalchemy import func, literal, select, text, update
from sqlalchemy.exc import DBAPIError

from services.common.db import READS_ONLY, DriverStatement, ReadWrites, create_engine, reader_for
from services.regions.models import Region


async def test_a_read_pays_no_transaction(engine):
    async with reader_for(engine)() as session:
        await session.execute(text("SELECT 1"))
        # Outside a transaction block PostgreSQL gives each statement its own transaction id.
        first = await session.scalar(text("SELECT txid_current()"))
        second = await session.scalar(text("SELECT txid_current()"))
        assert second > first


async def test_a_read_that_writes_is_refused_before_the_database(engine):
    async with reader_for(engine)() as session:
        session.info[READS_ONLY] = True
        with pytest.raises(ReadWrites):
            await session.execute(update(Region).where(Region.code == "21.72").values(name="Kota X"))
        region = await session.get(Region, "21.72")
        region.name = "Kota X"
        with pytest.raises(ReadWrites):
            await session.flush()
    async with reader_for(engine)() as session:
        assert (await session.get(Region, "21.72")).name == "Kota Tanjung Pinang"


async def test_a_get_that_writes_answers_500_and_writes_nothing(apps, direct, auth):
    """The guard is on in the services: a write slipped into a read is a logged error, never a silent change."""
    from fastapi import APIRouter

    from services.common.db import SessionDep

    router = APIRouter()

    @router.get("/api/v1/regions/test-only/rename")
    async def rename(session: SessionDep) -> dict[str, str]:
        await session.execute(update(Region).where(Region.code == "21.72").values(name="Kota X"))
        return {"done": "yes"}

    app = apps["regions"]
    app.router.routes.insert(0, router.routes[0])
    try:
        async with direct("regions") as client:
            r = await client.get("/api/v1/regions/test-only/rename", headers=auth("kominfo_admin"))
        assert r.status_code == 500
    finally:
        app.router.routes.pop(0)


async def test_a_driver_read_holds_a_pooled_connection_only_while_it_runs(settings):
    engine = create_engine(settings)  # the production pool, not the tests' NullPool
    backend = DriverStatement(select(func.pg_backend_pid()))
    try:
        async with reader_for(engine)() as session:
            session.info[READS_ONLY] = True
            first = (await backend.fetchrow(session))[0]
            assert engine.pool.checkedout() == 0 and not session.in_transaction()
            assert (await backend.fetchrow(session))[0] == first  # the pool's connection again
            # Once the session holds a connection (an ORM read), a driver read runs on it.
            held = await session.scalar(select(func.pg_backend_pid()))
            assert (await backend.fetchrow(session))[0] == held and engine.pool.checkedout() == 1
        # The server's refusal is SQLAlchemy's error, and the connection goes back sound.
        async with reader_for(engine)() as session:
            session.info[READS_ONLY] = True
            with pytest.raises(DBAPIError) as refused:
                await DriverStatement(select(literal(1) / literal(0))).fetchrow(session)
            assert refused.value.orig.sqlstate == "22012" and engine.pool.checkedout() == 0
            assert (await backend.fetchrow(session))[0] == first
    finally:
        await engine.dispose()
