"""event outbox

Revision ID: regions_0002
Revises: regions_0001
Create Date: 2026-11-22 21:57:51.003130
"""

from collections.abc import Sequence

from services.common.migration_ops import create_outbox_table, drop_outbox_table

revision: str = 'regions_0002'
down_revision: str | None = 'regions_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table('regions')


def downgrade() -> None:
    drop_outbox_table('regions')
