"""sessions carry a revision: a change or cancellation names the version it was based on (If-Match)

Revision ID: assessment_0009
Revises: assessment_0008
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'assessment_0009'
down_revision: str | None = 'assessment_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('session', sa.Column('revision', sa.Integer(), nullable=False, server_default='1'),
                  schema='assessment')
    op.alter_column('session', 'revision', server_default=None, schema='assessment')


def downgrade() -> None:
    op.drop_column('session', 'revision', schema='assessment')
