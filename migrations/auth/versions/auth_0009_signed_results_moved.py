"""signed results moved to the assessment service (assessment_0008): the gateway's copy goes

Refuses to drop a row the assessment schema does not hold, so no signed document is ever lost.

Revision ID: auth_0009
Revises: auth_0008
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0009'
down_revision: str | None = 'auth_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("""
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM auth.signed_result s WHERE to_regclass('assessment.signed_result') IS NULL
                       OR NOT EXISTS (SELECT 1 FROM assessment.signed_result a
                                      WHERE a.round_id = s.round_id AND a.jws = s.jws)) THEN
                RAISE EXCEPTION 'auth.signed_result holds documents the assessment schema does not: '
                                'migrate the assessment environment first';
            END IF;
        END $$""")
    op.drop_table('signed_result', schema='auth')


def downgrade() -> None:
    op.create_table(
        'signed_result',
        sa.Column('round_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('kid', sa.String(length=100), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_signed_result')),
        schema='auth',
    )
    op.execute("""
        DO $$ BEGIN
            IF to_regclass('assessment.signed_result') IS NOT NULL THEN
                INSERT INTO auth.signed_result SELECT round_id, kid, jws, signed_at FROM assessment.signed_result;
            END IF;
        END $$""")
