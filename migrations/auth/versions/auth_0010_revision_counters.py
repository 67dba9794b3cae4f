"""the lock counter is `revision` everywhere (a `version` is a domain version, as of a rubric or a masterplan)

Revision ID: auth_0010
Revises: auth_0009
Create Date: 2026-11-30 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'auth_0010'
down_revision: str | None = 'auth_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('user_account', 'api_client')


def upgrade() -> None:
    for table in TABLES:
        op.alter_column(table, 'version', new_column_name='revision', schema='auth')


def downgrade() -> None:
    for table in TABLES:
        op.alter_column(table, 'revision', new_column_name='version', schema='auth')
