"""webhooks

Revision ID: auth_0003
Revises: auth_0002
Create Date: 2026-11-22 22:08:20.281978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'auth_0003'
down_revision: str | None = 'auth_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feed_cursor',
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_feed_cursor')),
    schema='auth'
    )
    op.create_table('webhook_subscription',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('event_types', postgresql.ARRAY(sa.String(length=80)), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')),
    schema='auth'
    )
    op.create_index(op.f('ix_webhook_subscription_owner'), 'webhook_subscription', ['owner'], unique=False, schema='auth')
    op.create_table('webhook_delivery',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=80), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['auth.webhook_subscription.id'], name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
    sa.UniqueConstraint('subscription_id', 'source', 'event_id', name=op.f('uq_webhook_delivery_subscription_id_source_event_id')),
    schema='auth'
    )
    op.create_index('ix_webhook_delivery_due', 'webhook_delivery', ['subscription_id', 'id'], unique=False, schema='auth', postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery', schema='auth', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_delivery', schema='auth')
    op.drop_index(op.f('ix_webhook_subscription_owner'), table_name='webhook_subscription', schema='auth')
    op.drop_table('webhook_subscription', schema='auth')
    op.drop_table('feed_cursor', schema='auth')
