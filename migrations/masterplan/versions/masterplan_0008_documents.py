"""Documents of MoUs and masterplans: metadata here, bytes in the S3 bucket

Revision ID: masterplan_0008
Revises: masterplan_0007
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

from services.common.migration_ops import create_document_table, drop_document_table

revision: str = 'masterplan_0008'
down_revision: str | None = 'masterplan_0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_document_table('masterplan')


def downgrade() -> None:
    drop_document_table('masterplan')
