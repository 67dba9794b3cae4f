"""event outbox

Revision ID: assessment_0003
Revises: assessment_0002
Create Date: 2026-11-22 21:57:42.709394
"""

from collections.abc import Sequence

from services.common.migration_ops import create_outbox_table, drop_outbox_table

revision: str = 'assessment_0003'
down_revision: str | None = 'assessment_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table('assessment')


def downgrade() -> None:
    drop_outbox_table('assessment')
