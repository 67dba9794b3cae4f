"""store agreement alpha with the frozen result

Revision ID: assessment_0004
Revises: assessment_0003
Create Date: 2026-11-22 23:04:39.767676
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'assessment_0004'
down_revision: str | None = 'assessment_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('agreement_alpha', sa.Numeric(precision=8, scale=6), nullable=True), schema='assessment')


def downgrade() -> None:
    op.drop_column('round', 'agreement_alpha', schema='assessment')
