"""reference loads: which shipped region data a database holds, so an unchanged start skips the re-check

Revision ID: regions_0004
Revises: regions_0003
Create Date: 2026-11-23 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'regions_0004'
down_revision: str | None = 'regions_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reference_load',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_reference_load')),
        schema='regions',
    )


def downgrade() -> None:
    op.drop_table('reference_load', schema='regions')
