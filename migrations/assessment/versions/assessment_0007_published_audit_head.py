"""the inputs digest at finalisation and the audit chain's head at publication, which signed results carry

Revision ID: assessment_0007
Revises: assessment_0006
Create Date: 2026-11-23 09:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'assessment_0007'
down_revision: str | None = 'assessment_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('inputs_digest', sa.String(length=64), nullable=True), schema='assessment')
    op.add_column('round', sa.Column('published_audit_seq', sa.BigInteger(), nullable=True), schema='assessment')
    op.add_column('round', sa.Column('published_audit_head', sa.String(length=64), nullable=True),
                  schema='assessment')


def downgrade() -> None:
    op.drop_column('round', 'published_audit_head', schema='assessment')
    op.drop_column('round', 'published_audit_seq', schema='assessment')
    op.drop_column('round', 'inputs_digest', schema='assessment')
