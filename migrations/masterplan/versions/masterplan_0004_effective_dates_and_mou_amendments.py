"""effective dates of approval, revision and reconfirmation; the reason a plan is flagged; MoU amendments

Revision ID: masterplan_0004
Revises: masterplan_0003
Create Date: 2026-11-23 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'masterplan_0004'
down_revision: str | None = 'masterplan_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'masterplan'


def upgrade() -> None:
    op.alter_column('masterplan', 'approved_at', new_column_name='approval_recorded_at', schema=S)
    for name, type_ in (('approved_on', sa.Date()), ('revised_on', sa.Date()), ('reconfirmation_reason', sa.Text()),
                        ('flagged_at', sa.DateTime(timezone=True)), ('reconfirmed_on', sa.Date()),
                        ('reconfirmation_recorded_at', sa.DateTime(timezone=True))):
        op.add_column('masterplan', sa.Column(name, type_, nullable=True), schema=S)
    # The approval's legal basis carries its date: that is when the plan was approved.
    op.execute("UPDATE masterplan.masterplan SET approved_on = (legal_basis->>'date')::date "
               "WHERE legal_basis ? 'date'")
    op.add_column('mou', sa.Column('revision', sa.Integer(), nullable=False, server_default='1'), schema=S)
    op.alter_column('mou', 'revision', server_default=None, schema=S)
    op.add_column('mou', sa.Column('amended_on', sa.Date(), nullable=True), schema=S)
    op.add_column('mou', sa.Column('amendment_reason', sa.Text(), nullable=True), schema=S)


def downgrade() -> None:
    for name in ('amendment_reason', 'amended_on', 'revision'):
        op.drop_column('mou', name, schema=S)
    for name in ('reconfirmation_recorded_at', 'reconfirmed_on', 'flagged_at', 'reconfirmation_reason', 'revised_on',
                 'approved_on'):
        op.drop_column('masterplan', name, schema=S)
    op.alter_column('masterplan', 'approval_recorded_at', new_column_name='approved_at', schema=S)
