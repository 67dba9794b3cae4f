"""effective dates of answers and attendance, withdrawals, re-invitations, indicator rules

Revision ID: assessment_0005
Revises: assessment_0004
Create Date: 2026-11-23 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0005'
down_revision: str | None = 'assessment_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'assessment'


def upgrade() -> None:
    op.add_column('round', sa.Column('indicator_rules', postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                                     server_default=sa.text("'{}'::jsonb")), schema=S)
    op.alter_column('round', 'indicator_rules', server_default=None, schema=S)
    op.alter_column('invitation', 'responded_at', new_column_name='answer_recorded_at', schema=S)
    for name, type_ in (('answered_on', sa.Date()), ('attended_on', sa.Date()),
                        ('attendance_recorded_at', sa.DateTime(timezone=True)), ('reinvite_reason', sa.Text()),
                        ('withdrawn_on', sa.Date()), ('withdrawal_reason', sa.Text())):
        op.add_column('invitation', sa.Column(name, type_, nullable=True), schema=S)
    # Answers recorded before this revision happened when they were recorded.
    op.execute("UPDATE assessment.invitation SET answered_on = (answer_recorded_at AT TIME ZONE 'Asia/Jakarta')::date "
               "WHERE answer_recorded_at IS NOT NULL")
    op.drop_constraint(op.f('ck_invitation_status'), 'invitation', schema=S)
    op.create_check_constraint(op.f('ck_invitation_status'), 'invitation',
                               "status IN ('invited', 'accepted', 'declined', 'withdrawn')", schema=S)


def downgrade() -> None:
    op.execute("UPDATE assessment.invitation SET status = 'declined' WHERE status = 'withdrawn'")
    op.drop_constraint(op.f('ck_invitation_status'), 'invitation', schema=S)
    op.create_check_constraint(op.f('ck_invitation_status'), 'invitation', "status IN ('invited', 'accepted', 'declined')",
                               schema=S)
    for name in ('withdrawal_reason', 'withdrawn_on', 'reinvite_reason', 'attendance_recorded_at', 'attended_on',
                 'answered_on'):
        op.drop_column('invitation', name, schema=S)
    op.alter_column('invitation', 'answer_recorded_at', new_column_name='responded_at', schema=S)
    op.drop_column('round', 'indicator_rules', schema=S)
