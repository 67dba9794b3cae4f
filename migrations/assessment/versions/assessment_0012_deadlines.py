"""A round's deadlines, the reminders given, and the lateness of the acts they govern

Revision ID: assessment_0012
Revises: assessment_0011
Create Date: 2026-12-01 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0012'
down_revision: str | None = 'assessment_0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'deadline',
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('late', sa.String(length=14), nullable=False),
        sa.Column('remind_days_before', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('set_by', sa.String(length=200), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_deadline_round_id_round')),
        sa.PrimaryKeyConstraint('round_id', 'kind', name=op.f('pk_deadline')),
        schema='assessment',
    )
    op.create_table(
        'reminder',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('region_code_today', sa.String(length=13), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('days_before', sa.SmallInteger(), nullable=False),
        sa.Column('reminded_on', sa.Date(), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=True),
        sa.Column('mail_state', sa.String(length=12), nullable=False),
        sa.Column('mail_error', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_reminder_round_id_round')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
        sa.UniqueConstraint('round_id', 'kind', 'region_code', 'days_before',
                            name=op.f('uq_reminder_round_id_kind_region_code_days_before')),
        schema='assessment',
    )
    op.create_index(op.f('ix_reminder_round_id'), 'reminder', ['round_id'], schema='assessment')
    op.create_index(op.f('ix_reminder_mail_state'), 'reminder', ['mail_state'], schema='assessment')
    op.add_column('invitation', sa.Column('answered_late', sa.Boolean(), server_default=sa.false(), nullable=False),
                  schema='assessment')
    op.alter_column('invitation', 'answered_late', server_default=None, schema='assessment')
    op.add_column('invitation', sa.Column('contact_email', sa.String(length=254), nullable=True), schema='assessment')
    op.add_column('self_assessment', sa.Column('submitted_on', sa.Date(), nullable=True), schema='assessment')
    op.add_column('self_assessment', sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False),
                  schema='assessment')
    op.alter_column('self_assessment', 'late', server_default=None, schema='assessment')


def downgrade() -> None:
    op.drop_column('self_assessment', 'late', schema='assessment')
    op.drop_column('self_assessment', 'submitted_on', schema='assessment')
    op.drop_column('invitation', 'contact_email', schema='assessment')
    op.drop_column('invitation', 'answered_late', schema='assessment')
    op.drop_table('reminder', schema='assessment')
    op.drop_table('deadline', schema='assessment')
