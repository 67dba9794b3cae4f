"""the lock counter is `revision` everywhere (a `version` is a domain version, as of a rubric or a masterplan)

Revision ID: regions_0005
Revises: regions_0004
Create Date: 2026-11-30 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'regions_0005'
down_revision: str | None = 'regions_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('head_term', 'indicator')


def upgrade() -> None:
    for table in TABLES:
        op.alter_column(table, 'version', new_column_name='revision', schema='regions')


def downgrade() -> None:
    for table in TABLES:
        op.alter_column(table, 'revision', new_column_name='version', schema='regions')
