"""The body of every Alembic env.py: one schema, its own version table, nothing else touched."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .db import async_url


def _configure(schema: str, metadata: MetaData, **kw: object) -> None:
    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        return name == schema if type_ == "schema" else True

    context.configure(
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
        **kw,  # type: ignore[arg-type]
    )


def run_env(schema: str, metadata: MetaData) -> None:
    config = context.config
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: run through `smartcity migrate` or set DATABASE_URL")

    if context.is_offline_mode():
        _configure(schema, metadata, url=async_url(url), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run_sync(connection: Connection) -> None:
        # The version table lives in the schema, so the schema must exist before Alembic looks.
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        _configure(schema, metadata, connection=connection)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(async_url(url), poolclass=NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run_sync)
        await engine.dispose()

    asyncio.run(run_async())
