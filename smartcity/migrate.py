"""Alembic, one environment (and version table) per schema."""

from __future__ import annotations

import os
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


def upgrade(database_url: str, envs: tuple[str, ...] = ENVIRONMENTS, revision: str = "head") -> None:
    from alembic import command

    for env in envs:
        command.upgrade(alembic_config(env, database_url), revision)


def downgrade(database_url: str, envs: tuple[str, ...] = ENVIRONMENTS, revision: str = "base") -> None:
    from alembic import command

    for env in reversed(envs):
        command.downgrade(alembic_config(env, database_url), revision)
