"""rounds keep the dates of the committee's acts (decided, announced) apart from when they were entered, and
the officials who adopt the minutes

Revision ID: assessment_0010
Revises: assessment_0009
Create Date: 2026-11-30 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0010'
down_revision: str | None = 'assessment_0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('decided_on', sa.Date(), nullable=True), schema='assessment')
    op.add_column('round', sa.Column('announced_on', sa.Date(), nullable=True), schema='assessment')
    op.add_column('round', sa.Column('minutes_signatories', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')


def downgrade() -> None:
    op.drop_column('round', 'minutes_signatories', schema='assessment')
    op.drop_column('round', 'announced_on', schema='assessment')
    op.drop_column('round', 'decided_on', schema='assessment')
