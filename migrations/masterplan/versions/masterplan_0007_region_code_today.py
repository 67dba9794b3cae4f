"""MoUs and masterplans keep the code of their act and the region's code today

Revision ID: masterplan_0007
Revises: masterplan_0006
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

from services.common.migration_ops import add_region_code_today, drop_region_code_today

revision: str = 'masterplan_0007'
down_revision: str | None = 'masterplan_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('mou', 'masterplan')


def upgrade() -> None:
    for table in TABLES:
        add_region_code_today('masterplan', table)


def downgrade() -> None:
    for table in TABLES:
        drop_region_code_today('masterplan', table)
