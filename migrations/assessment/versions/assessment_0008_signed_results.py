"""signed results: each published round's signed result document, kept by the assessment service

The gateway kept these in auth.signed_result until now; a published document never changes, so the
rows already signed are taken over byte for byte (auth_0009 drops the gateway's copy afterwards).

Revision ID: assessment_0008
Revises: assessment_0007
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'assessment_0008'
down_revision: str | None = 'assessment_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'signed_result',
        sa.Column('round_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('kid', sa.String(length=100), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'],
                                name=op.f('fk_signed_result_round_id_round')),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_signed_result')),
        schema='assessment',
    )
    op.execute("""
        DO $$ BEGIN
            IF to_regclass('auth.signed_result') IS NOT NULL THEN
                INSERT INTO assessment.signed_result (round_id, kid, jws, signed_at)
                SELECT s.round_id, s.kid, s.jws, s.signed_at FROM auth.signed_result s
                JOIN assessment.round r ON r.id = s.round_id;
            END IF;
        END $$""")


def downgrade() -> None:
    op.drop_table('signed_result', schema='assessment')
