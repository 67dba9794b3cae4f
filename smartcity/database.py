"""Find or start the database, and make sure the project's database exists on it."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from services.common.settings import Settings

from .embedded_pg import EmbeddedPostgres


@dataclass
class Database:
    url: str
    embedded: EmbeddedPostgres | None

    def describe(self) -> str:
        shown = make_url(self.url).render_as_string(hide_password=True)
        return f"{shown} (embedded, data in {self.embedded.pgdata})" if self.embedded else shown


def driver_dsn(url: str, database: str | None = None) -> str:
    """The URL as asyncpg takes it (no SQLAlchemy driver name), on another database of the server if given."""
    parsed = make_url(url).set(drivername="postgresql")
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


async def ensure_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Create database `name` on the server if missing (a copy of `template`, if given); return its URL."""
    url = make_url(server_url)
    conn = await asyncpg.connect(driver_dsn(server_url, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(driver_dsn(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def open_database(settings: Settings) -> Database:
    if settings.database_url:
        return Database(settings.database_url, None)
    pg = EmbeddedPostgres(settings.data_dir / "pg", settings.pg_port)
    pg.start()
    return Database(await ensure_database(pg.url, settings.pg_database), pg)
