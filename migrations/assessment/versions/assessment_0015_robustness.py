"""A round may test its decisions before finalising: the rule, the certificate, the committee's reviews

Revision ID: assessment_0015
Revises: assessment_0014
Create Date: 2026-12-01 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0015'
down_revision: str | None = 'assessment_0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('robustness', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')
    op.add_column('round', sa.Column('certificate', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')
    op.create_table(
        'decision_review',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('result_version', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('reviewed_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('reviewed_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'],
                                name=op.f('fk_decision_review_round_id_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_review')),
        schema='assessment',
    )
    op.create_index(op.f('ix_decision_review_round_id'), 'decision_review', ['round_id'], schema='assessment')


def downgrade() -> None:
    op.drop_index(op.f('ix_decision_review_round_id'), table_name='decision_review', schema='assessment')
    op.drop_table('decision_review', schema='assessment')
    op.drop_column('round', 'certificate', schema='assessment')
    op.drop_column('round', 'robustness', schema='assessment')
