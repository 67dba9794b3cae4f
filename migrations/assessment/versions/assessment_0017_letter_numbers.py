"""The agenda numbers and dates the ministry gives the members' result letters

Revision ID: assessment_0017
Revises: assessment_0016
Create Date: 2026-12-01 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'assessment_0017'
down_revision: str | None = 'assessment_0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'letter_number',
        sa.Column('round_id', sa.BigInteger(), nullable=False),
        sa.Column('result_version', sa.Integer(), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('number', sa.String(length=80), nullable=False),
        sa.Column('dated_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'],
                                name=op.f('fk_letter_number_round_id_round')),
        sa.PrimaryKeyConstraint('round_id', 'result_version', 'region_code', name=op.f('pk_letter_number')),
        sa.UniqueConstraint('number', name=op.f('uq_letter_number_number')),
        schema='assessment')


def downgrade() -> None:
    op.drop_table('letter_number', schema='assessment')
