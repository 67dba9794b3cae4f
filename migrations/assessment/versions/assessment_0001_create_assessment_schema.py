"""create assessment schema

Revision ID: assessment_0001
Revises:
Create Date: 2026-11-22 21:24:00.678133
"""

from collections.abc import Sequence

from services.common.migration_ops import create_record_tables, drop_record_tables

revision: str = 'assessment_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_record_tables('assessment')


def downgrade() -> None:
    drop_record_tables('assessment')
