"""event outbox and consumer cursor

Revision ID: masterplan_0003
Revises: masterplan_0002
Create Date: 2026-11-22 21:57:53.422237
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.migration_ops import create_outbox_table, drop_outbox_table

revision: str = 'masterplan_0003'
down_revision: str | None = 'masterplan_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consumer_cursor',
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_consumer_cursor')),
    schema='masterplan'
    )
    create_outbox_table('masterplan')


def downgrade() -> None:
    drop_outbox_table('masterplan')
    op.drop_table('consumer_cursor', schema='masterplan')
