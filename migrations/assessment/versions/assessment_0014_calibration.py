"""A round may calibrate its assessors (a rule of the round, part of its inputs)

Revision ID: assessment_0014
Revises: assessment_0013
Create Date: 2026-12-01 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0014'
down_revision: str | None = 'assessment_0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('calibration', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')


def downgrade() -> None:
    op.drop_column('round', 'calibration', schema='assessment')
