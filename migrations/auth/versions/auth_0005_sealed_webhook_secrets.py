"""webhook secrets are stored sealed, which takes more room than the clear text

Revision ID: auth_0005
Revises: auth_0004
Create Date: 2026-11-23 07:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'auth_0005'
down_revision: str | None = 'auth_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Secrets written before stay readable (webhooks/sealing.py opens them as they are) until re-created.
    op.alter_column('webhook_subscription', 'secret', type_=sa.Text(), existing_type=sa.String(length=100),
                    schema='auth')


def downgrade() -> None:
    op.alter_column('webhook_subscription', 'secret', type_=sa.String(length=100), existing_type=sa.Text(),
                    schema='auth')
