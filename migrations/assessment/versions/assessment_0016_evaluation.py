"""A round may be the yearly evaluation of members: its rule, the members' previous indices, pillars on components

Revision ID: assessment_0016
Revises: assessment_0015
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0016'
down_revision: str | None = 'assessment_0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('rubric_component', sa.Column('pillar', sa.String(length=12), nullable=True), schema='assessment')
    op.add_column('round', sa.Column('evaluation', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')
    op.add_column('round', sa.Column('previous', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')


def downgrade() -> None:
    op.drop_column('round', 'previous', schema='assessment')
    op.drop_column('round', 'evaluation', schema='assessment')
    op.drop_column('rubric_component', 'pillar', schema='assessment')
