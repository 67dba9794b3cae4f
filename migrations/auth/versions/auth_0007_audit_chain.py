"""audit chain: each audit row hashes its content and the row before it

Revision ID: auth_0007
Revises: auth_0006
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

from services.common.migration_ops import create_audit_chain, drop_audit_chain

revision: str = 'auth_0007'
down_revision: str | None = 'auth_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_chain('auth')


def downgrade() -> None:
    drop_audit_chain('auth')
