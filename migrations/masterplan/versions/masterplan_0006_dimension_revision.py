"""dimensions carry a revision: a rename names the version it was based on (If-Match)

Revision ID: masterplan_0006
Revises: masterplan_0005
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'masterplan_0006'
down_revision: str | None = 'masterplan_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('dimension', sa.Column('revision', sa.Integer(), nullable=False, server_default='1'),
                  schema='masterplan')
    op.alter_column('dimension', 'revision', server_default=None, schema='masterplan')


def downgrade() -> None:
    op.drop_column('dimension', 'revision', schema='masterplan')
