"""Appeals, documents, and versions of a published result (a superseded one keeps its inputs)

Revision ID: assessment_0013
Revises: assessment_0012
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.common.migration_ops import create_document_table, drop_document_table

revision: str = 'assessment_0013'
down_revision: str | None = 'assessment_0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('round', sa.Column('result_version', sa.Integer(), server_default='1', nullable=False),
                  schema='assessment')
    op.add_column('round', sa.Column('republished_on', sa.Date(), nullable=True), schema='assessment')
    op.add_column('signed_result', sa.Column('version', sa.Integer(), server_default='1', nullable=False),
                  schema='assessment')
    op.alter_column('signed_result', 'version', server_default=None, schema='assessment')
    op.add_column('signed_result', sa.Column('inputs', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
                  schema='assessment')
    op.add_column('signed_result', sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
                  schema='assessment')
    op.drop_constraint('pk_signed_result', 'signed_result', schema='assessment')
    op.create_primary_key('pk_signed_result', 'signed_result', ['round_id', 'version'], schema='assessment')
    op.create_table(
        'appeal',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('region_code_today', sa.String(length=13), nullable=False),
        sa.Column('region_name', sa.Text(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('grounds', sa.Text(), nullable=False),
        sa.Column('components', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.Column('decision_recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('republished_version', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("state IN ('filed', 'upheld', 'rejected')", name=op.f('ck_appeal_state')),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_appeal_round_id_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal')),
        sa.UniqueConstraint('round_id', 'region_code', name=op.f('uq_appeal_round_id_region_code')),
        schema='assessment',
    )
    op.create_index(op.f('ix_appeal_round_id'), 'appeal', ['round_id'], schema='assessment')
    create_document_table('assessment')


def downgrade() -> None:
    drop_document_table('assessment')
    op.drop_table('appeal', schema='assessment')
    op.execute("DELETE FROM assessment.signed_result WHERE version > 1")
    op.drop_constraint('pk_signed_result', 'signed_result', schema='assessment')
    op.create_primary_key('pk_signed_result', 'signed_result', ['round_id'], schema='assessment')
    op.drop_column('signed_result', 'superseded_at', schema='assessment')
    op.drop_column('signed_result', 'inputs', schema='assessment')
    op.drop_column('signed_result', 'version', schema='assessment')
    op.drop_column('round', 'republished_on', schema='assessment')
    op.drop_column('round', 'result_version', schema='assessment')
