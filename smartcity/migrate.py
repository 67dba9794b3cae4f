"""Alembic, one environment (and version table) per schema."""

from __future__ import annotations

import ast
import asyncio
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Alembic (and SQLAlchemy) are imported when a migration runs, not by every command
    from alembic.config import Config

# In the source tree by default; an installed image points SMARTCITY_MIGRATIONS_DIR at its copy.
MIGRATIONS_DIR = Path(os.environ.get("SMARTCITY_MIGRATIONS_DIR", Path(__file__).resolve().parents[1] / "migrations"))
# No schema refers to another. One hand-over reads across: signed results moved from auth to assessment
# (assessment_0008 copies, auth_0009 drops), so auth migrates after assessment.
ENVIRONMENTS = ("regions", "assessment", "masterplan", "auth")


def alembic_config(env: str, database_url: str) -> Config:
    from alembic.config import Config

    if env not in ENVIRONMENTS:
        raise ValueError(f"unknown migration environment {env!r}; known: {', '.join(ENVIRONMENTS)}")
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"), ini_section=env)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR / env))
    cfg.attributes["database_url"] = database_url
    return cfg


# A script's own `revision = ...` and `down_revision = ...` lines, as Alembic's template writes them.
REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def heads(env: str) -> set[str] | None:
    """The environment's head revisions, read from its scripts' lines without loading Alembic; None when a
    script does not name its revisions in that plain form (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS_DIR / env / "versions").glob("*.py"):
        named = {name: value for name, value in REVISION_LINE.findall(script.read_text())}
        try:
            revision, down = ast.literal_eval(named["revision"]), ast.literal_eval(named["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update((down,) if isinstance(down, str) else down or ())
    return revisions - parents


async def _versions(database_url: str, envs: tuple[str, ...]) -> dict[str, set[str]]:
    import asyncpg

    from .database import driver_dsn

    conn = await asyncpg.connect(driver_dsn(database_url))
    try:
        found = {}
        for env in envs:  # each environment keeps its version table in its own schema, named as it is
            table = await conn.fetchval("SELECT to_regclass($1)", f'"{env}".alembic_version')
            rows = await conn.fetch(f'SELECT version_num FROM "{env}".alembic_version') if table else []
            found[env] = {row[0] for row in rows}
        return found
    finally:
        await conn.close()


def behind(database_url: str, envs: tuple[str, ...] = ENVIRONMENTS) -> tuple[str, ...]:
    """The environments whose schema is not at its scripts' heads: a warm start learns that nothing is to be
    done in one query instead of Alembic's load of every script (half a second of the start)."""
    versions = asyncio.run(_versions(database_url, envs))
    return tuple(env for env in envs if heads(env) != versions[env] or not versions[env])


def upgrade(database_url: str, envs: tuple[str, ...] = ENVIRONMENTS, revision: str = "head") -> None:
    if revision == "head":
        envs = behind(database_url, envs)
    if not envs:
        return
    from alembic import command

    for env in envs:
        command.upgrade(alembic_config(env, database_url), revision)


def downgrade(database_url: str, envs: tuple[str, ...] = ENVIRONMENTS, revision: str = "base") -> None:
    from alembic import command

    for env in reversed(envs):
        command.downgrade(alembic_config(env, database_url), revision)
