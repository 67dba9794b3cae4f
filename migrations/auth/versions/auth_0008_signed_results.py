"""signed results: each published round's result document, signed once by the gateway

Revision ID: auth_0008
Revises: auth_0007
Create Date: 2026-11-23 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0008'
down_revision: str | None = 'auth_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'signed_result',
        sa.Column('round_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('kid', sa.String(length=100), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('signed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('round_id', name=op.f('pk_signed_result')),
        schema='auth',
    )


def downgrade() -> None:
    op.drop_table('signed_result', schema='auth')
