"""invitations and results keep the code of their act and the region's code today

Revision ID: assessment_0011
Revises: assessment_0010
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

from services.common.migration_ops import add_region_code_today, drop_region_code_today

revision: str = 'assessment_0011'
down_revision: str | None = 'assessment_0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('invitation', 'result')


def upgrade() -> None:
    for table in TABLES:
        add_region_code_today('assessment', table)


def downgrade() -> None:
    for table in TABLES:
        drop_region_code_today('assessment', table)
