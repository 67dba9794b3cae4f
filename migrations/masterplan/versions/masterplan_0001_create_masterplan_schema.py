"""create masterplan schema

Revision ID: masterplan_0001
Revises:
Create Date: 2026-11-22 21:24:01.707026
"""

from collections.abc import Sequence

from services.common.migration_ops import create_record_tables, drop_record_tables

revision: str = 'masterplan_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_record_tables('masterplan')


def downgrade() -> None:
    drop_record_tables('masterplan')
