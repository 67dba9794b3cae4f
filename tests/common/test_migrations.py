"""Each schema's migrations go up, down and up again on an empty database, and match the models."""

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from gateway.models import Base as AuthBase
from services.assessment.models import Base as AssessmentBase
from services.masterplan.models import Base as MasterplanBase
from services.regions.models import Base as RegionsBase
from smartcity import migrate
from tests.kit import fresh_database

BASES = {"auth": AuthBase, "regions": RegionsBase, "assessment": AssessmentBase, "masterplan": MasterplanBase}



@pytest.fixture(scope="module")
def empty_database(pg_server):
    return asyncio.run(fresh_database(pg_server, "smartcity_migrations"))


def _schemas_and_tables(url):
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.common.db import async_url

    async def read():
        engine = create_async_engine(async_url(url))
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema IN ('auth', 'regions', 'assessment', 'masterplan') ORDER BY 1, 2"))).all()
        await engine.dispose()
        return {(s, t) for s, t in rows}
    return asyncio.run(read())


def test_upgrade_downgrade_upgrade(empty_database):
    migrate.upgrade(empty_database)
    tables = _schemas_and_tables(empty_database)
    for schema in BASES:
        assert (schema, "alembic_version") in tables, f"{schema} keeps its version table in its own schema"
    assert ("regions", "region") in tables and ("auth", "user_account") in tables
    migrate.downgrade(empty_database)
    assert _schemas_and_tables(empty_database) == {(s, "alembic_version") for s in BASES}
    migrate.upgrade(empty_database)
    assert _schemas_and_tables(empty_database) == tables


def test_heads_read_from_the_scripts_are_alembics_own():
    from alembic.script import ScriptDirectory

    for env in migrate.ENVIRONMENTS:
        scripts = ScriptDirectory.from_config(migrate.alembic_config(env, "postgresql://unused/"))
        assert migrate.heads(env) == set(scripts.get_heads()), env


def test_only_an_environment_behind_its_heads_is_migrated(empty_database):
    migrate.upgrade(empty_database)
    assert migrate.behind(empty_database) == ()
    migrate.downgrade(empty_database, ("regions",), "-1")
    assert migrate.behind(empty_database) == ("regions",)
    migrate.downgrade(empty_database, ("regions",))  # no version left at all
    assert migrate.behind(empty_database) == ("regions",)
    migrate.upgrade(empty_database)
    assert migrate.behind(empty_database) == ()


def test_one_environment_alone(empty_database):
    migrate.upgrade(empty_database)  # whichever test ran before on this database
    migrate.downgrade(empty_database, ("regions",))
    remaining = _schemas_and_tables(empty_database)
    assert ("auth", "user_account") in remaining and ("regions", "region") not in remaining
    migrate.upgrade(empty_database, ("regions",))
    assert ("regions", "region") in _schemas_and_tables(empty_database)


@pytest.mark.parametrize("schema", list(BASES))
def test_models_and_migrations_do_not_drift(database_url, schema):
    """What `alembic revision --autogenerate` would propose, per schema: nothing."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.common.db import async_url

    def compare(connection):
        context = MigrationContext.configure(connection, opts={
            "include_schemas": True, "version_table_schema": schema,
            "include_name": lambda name, type_, parents: name == schema if type_ == "schema" else True,
            "compare_type": True})
        return compare_metadata(context, BASES[schema].metadata)

    async def run():
        engine = create_async_engine(async_url(database_url))
        async with engine.connect() as conn:
            diff = await conn.run_sync(compare)
        await engine.dispose()
        return diff

    assert asyncio.run(run()) == []




def test_rows_recorded_under_a_former_code_follow_their_region(empty_database):
    """An MoU recorded as 92.71 before the migration reads 96.71 as today's code after it."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from services.common.db import async_url

    async def run(sql):
        engine = create_async_engine(async_url(empty_database))
        async with engine.begin() as conn:
            rows = (await conn.execute(text(sql))).all() if sql.lstrip().startswith("SELECT") else \
                await conn.execute(text(sql))
        await engine.dispose()
        return rows

    migrate.upgrade(empty_database, ("masterplan",))
    migrate.downgrade(empty_database, ("masterplan",), "masterplan_0006")
    asyncio.run(run(
        "INSERT INTO masterplan.mou (region_code, region_name, round_id, cohort_year, signed_on, place, signatories,"
        " document_ref, created_by, revision) VALUES ('92.71', 'Kota Sorong', 1, 2018, '2018-06-20', 'Jakarta',"
        " '[]', 'NK/2018/1', 'test', 1), ('21.72', 'Kota Tanjung Pinang', 1, 2018, '2018-06-20', 'Jakarta', '[]',"
        " 'NK/2018/2', 'test', 1)"))
    migrate.upgrade(empty_database, ("masterplan",))
    rows = asyncio.run(run("SELECT region_code, region_code_today FROM masterplan.mou ORDER BY region_code"))
    assert [tuple(r) for r in rows] == [("21.72", "21.72"), ("92.71", "96.71")]
    asyncio.run(run("DELETE FROM masterplan.mou"))
