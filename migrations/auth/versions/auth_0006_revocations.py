"""revoked subjects, so outstanding access tokens stop working within seconds

Revision ID: auth_0006
Revises: auth_0005
Create Date: 2026-11-23 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0006'
down_revision: str | None = 'auth_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('revocation',
    sa.Column('sub', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sub', name=op.f('pk_revocation')),
    schema='auth'
    )


def downgrade() -> None:
    op.drop_table('revocation', schema='auth')
