"""failed sign-ins per username and per address, for backoff and lockout

Revision ID: auth_0004
Revises: auth_0003
Create Date: 2026-11-23 07:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0004'
down_revision: str | None = 'auth_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failure')),
    schema='auth'
    )


def downgrade() -> None:
    op.drop_table('login_failure', schema='auth')
