"""mou masterplans programmes progress evaluation

Revision ID: masterplan_0002
Revises: masterplan_0001
Create Date: 2026-11-22 21:54:44.242355
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'masterplan_0002'
down_revision: str | None = 'masterplan_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dimension',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name_id', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_dimension')),
    schema='masterplan'
    )
    op.create_table('evaluation_scheme',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_scheme')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_evaluation_scheme_code_version')),
    schema='masterplan'
    )
    op.create_table('mou',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('region_name', sa.Text(), nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('cohort_year', sa.SmallInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('signatories', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('document_ref', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mou')),
    sa.UniqueConstraint('region_code', 'round_id', name=op.f('uq_mou_region_code_round_id')),
    schema='masterplan'
    )
    op.create_index(op.f('ix_mou_region_code'), 'mou', ['region_code'], unique=False, schema='masterplan')
    op.create_table('element',
    sa.Column('dimension_code', sa.String(length=30), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_id', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dimension_code'], ['masterplan.dimension.code'], name=op.f('fk_element_dimension_code_dimension')),
    sa.PrimaryKeyConstraint('dimension_code', 'code', name=op.f('pk_element')),
    schema='masterplan'
    )
    op.create_table('masterplan',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('mou_id', sa.BigInteger(), nullable=False),
    sa.Column('cohort_year', sa.SmallInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('start_year', sa.SmallInteger(), nullable=False),
    sa.Column('end_year', sa.SmallInteger(), nullable=False),
    sa.Column('vision', sa.Text(), nullable=False),
    sa.Column('partners', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('readiness', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('revision_reason', sa.Text(), nullable=True),
    sa.Column('legal_basis', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('needs_reconfirmation', sa.Boolean(), nullable=False),
    sa.Column('reconfirmation_note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'in_review', 'approved', 'superseded')", name=op.f('ck_masterplan_state')),
    sa.CheckConstraint('end_year - start_year BETWEEN 4 AND 9', name=op.f('ck_masterplan_horizon')),
    sa.ForeignKeyConstraint(['mou_id'], ['masterplan.mou.id'], name=op.f('fk_masterplan_mou_id_mou')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_masterplan')),
    sa.UniqueConstraint('region_code', 'version', name=op.f('uq_masterplan_region_code_version')),
    schema='masterplan'
    )
    op.create_index(op.f('ix_masterplan_region_code'), 'masterplan', ['region_code'], unique=False, schema='masterplan')
    op.create_index('uq_masterplan_one_open', 'masterplan', ['region_code'], unique=True, schema='masterplan', postgresql_where=sa.text("state IN ('draft', 'submitted', 'in_review')"))
    op.create_table('evaluation',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('masterplan_id', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('scheme_id', sa.BigInteger(), nullable=False),
    sa.Column('scores', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('total', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('evaluated_by', sa.String(length=200), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['masterplan_id'], ['masterplan.masterplan.id'], name=op.f('fk_evaluation_masterplan_id_masterplan')),
    sa.ForeignKeyConstraint(['scheme_id'], ['masterplan.evaluation_scheme.id'], name=op.f('fk_evaluation_scheme_id_evaluation_scheme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('region_code', 'year', name=op.f('uq_evaluation_region_code_year')),
    schema='masterplan'
    )
    op.create_table('programme',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('masterplan_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('dimension_code', sa.String(length=30), nullable=False),
    sa.Column('element_code', sa.String(length=40), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('opd', sa.Text(), nullable=False),
    sa.Column('start_year', sa.SmallInteger(), nullable=False),
    sa.Column('end_year', sa.SmallInteger(), nullable=False),
    sa.Column('quick_win', sa.Boolean(), nullable=False),
    sa.Column('budget', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('alignment', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint('end_year >= start_year', name=op.f('ck_programme_years')),
    sa.ForeignKeyConstraint(['dimension_code'], ['masterplan.dimension.code'], name=op.f('fk_programme_dimension_code_dimension')),
    sa.ForeignKeyConstraint(['masterplan_id'], ['masterplan.masterplan.id'], name=op.f('fk_programme_masterplan_id_masterplan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme')),
    sa.UniqueConstraint('masterplan_id', 'key', name=op.f('uq_programme_masterplan_id_key')),
    schema='masterplan'
    )
    op.create_index(op.f('ix_programme_masterplan_id'), 'programme', ['masterplan_id'], unique=False, schema='masterplan')
    op.create_table('review_comment',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('masterplan_id', sa.BigInteger(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['masterplan_id'], ['masterplan.masterplan.id'], name=op.f('fk_review_comment_masterplan_id_masterplan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comment')),
    schema='masterplan'
    )
    op.create_index(op.f('ix_review_comment_masterplan_id'), 'review_comment', ['masterplan_id'], unique=False, schema='masterplan')
    op.create_table('progress_report',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('programme_id', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('percent', sa.SmallInteger(), nullable=False),
    sa.Column('realised_budget', sa.BigInteger(), nullable=False),
    sa.Column('evidence_links', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status IN ('not_started', 'on_track', 'delayed', 'done', 'cancelled')", name=op.f('ck_progress_report_status')),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_progress_report_percent')),
    sa.CheckConstraint('realised_budget >= 0', name=op.f('ck_progress_report_realised')),
    sa.ForeignKeyConstraint(['programme_id'], ['masterplan.programme.id'], name=op.f('fk_progress_report_programme_id_programme')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_report')),
    sa.UniqueConstraint('programme_id', 'period', name=op.f('uq_progress_report_programme_id_period')),
    schema='masterplan'
    )
    op.create_index(op.f('ix_progress_report_programme_id'), 'progress_report', ['programme_id'], unique=False, schema='masterplan')


def downgrade() -> None:
    op.drop_index(op.f('ix_progress_report_programme_id'), table_name='progress_report', schema='masterplan')
    op.drop_table('progress_report', schema='masterplan')
    op.drop_index(op.f('ix_review_comment_masterplan_id'), table_name='review_comment', schema='masterplan')
    op.drop_table('review_comment', schema='masterplan')
    op.drop_index(op.f('ix_programme_masterplan_id'), table_name='programme', schema='masterplan')
    op.drop_table('programme', schema='masterplan')
    op.drop_table('evaluation', schema='masterplan')
    op.drop_index('uq_masterplan_one_open', table_name='masterplan', schema='masterplan', postgresql_where=sa.text("state IN ('draft', 'submitted', 'in_review')"))
    op.drop_index(op.f('ix_masterplan_region_code'), table_name='masterplan', schema='masterplan')
    op.drop_table('masterplan', schema='masterplan')
    op.drop_table('element', schema='masterplan')
    op.drop_index(op.f('ix_mou_region_code'), table_name='mou', schema='masterplan')
    op.drop_table('mou', schema='masterplan')
    op.drop_table('evaluation_scheme', schema='masterplan')
    op.drop_table('dimension', schema='masterplan')
