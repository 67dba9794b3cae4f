"""rubrics rounds panels scores results

Revision ID: assessment_0002
Revises: assessment_0001
Create Date: 2026-11-22 21:47:45.113341
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'assessment_0002'
down_revision: str | None = 'assessment_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessor',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('user_sub', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('institution', sa.String(length=120), nullable=False),
    sa.Column('home_province', sa.String(length=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessor')),
    sa.UniqueConstraint('user_sub', name=op.f('uq_assessor_user_sub')),
    schema='assessment'
    )
    op.create_table('mentorship',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('institution', sa.String(length=120), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship')),
    sa.UniqueConstraint('institution', 'region_code', name=op.f('uq_mentorship_institution_region_code')),
    schema='assessment'
    )
    op.create_index(op.f('ix_mentorship_region_code'), 'mentorship', ['region_code'], unique=False, schema='assessment')
    op.create_table('rubric',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_rubric_code_version')),
    schema='assessment'
    )
    op.create_table('conflict_declaration',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('assessor_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['assessment.assessor.id'], name=op.f('fk_conflict_declaration_assessor_id_assessor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('assessor_id', 'region_code', name=op.f('uq_conflict_declaration_assessor_id_region_code')),
    schema='assessment'
    )
    op.create_index(op.f('ix_conflict_declaration_assessor_id'), 'conflict_declaration', ['assessor_id'], unique=False, schema='assessment')
    op.create_table('round',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.Text(), nullable=False),
    sa.Column('rubric_id', sa.BigInteger(), nullable=False),
    sa.Column('equity_rules', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('aggregation', sa.String(length=10), nullable=False),
    sa.Column('disagreement_threshold', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('result_hash', sa.String(length=64), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.CheckConstraint("aggregation IN ('mean', 'median')", name=op.f('ck_round_aggregation')),
    sa.CheckConstraint("state IN ('draft', 'inviting', 'assessing', 'moderating', 'finalised', 'published')", name=op.f('ck_round_state')),
    sa.CheckConstraint('quota > 0', name=op.f('ck_round_quota')),
    sa.ForeignKeyConstraint(['rubric_id'], ['assessment.rubric.id'], name=op.f('fk_round_rubric_id_rubric')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    schema='assessment'
    )
    op.create_index(op.f('ix_round_year'), 'round', ['year'], unique=False, schema='assessment')
    op.create_table('rubric_component',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('rubric_id', sa.BigInteger(), nullable=False),
    sa.Column('parent_key', sa.String(length=60), nullable=True),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=3), nullable=False),
    sa.Column('scale_min', sa.Numeric(), nullable=True),
    sa.Column('scale_max', sa.Numeric(), nullable=True),
    sa.Column('levels', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('indicator_code', sa.String(length=40), nullable=True),
    sa.Column('normalisation', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint("kind IN ('group', 'panel', 'self', 'indicator')", name=op.f('ck_rubric_component_kind')),
    sa.CheckConstraint('weight > 0 AND weight <= 100', name=op.f('ck_rubric_component_weight')),
    sa.ForeignKeyConstraint(['rubric_id'], ['assessment.rubric.id'], name=op.f('fk_rubric_component_rubric_id_rubric'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubric_component')),
    sa.UniqueConstraint('rubric_id', 'key', name=op.f('uq_rubric_component_rubric_id_key')),
    schema='assessment'
    )
    op.create_index(op.f('ix_rubric_component_rubric_id'), 'rubric_component', ['rubric_id'], unique=False, schema='assessment')
    op.create_table('conflict_override',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('assessor_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['assessment.assessor.id'], name=op.f('fk_conflict_override_assessor_id_assessor')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_conflict_override_round_id_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_override')),
    sa.UniqueConstraint('round_id', 'assessor_id', 'region_code', name=op.f('uq_conflict_override_round_id_assessor_id_region_code')),
    schema='assessment'
    )
    op.create_table('indicator_input',
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_indicator_input_round_id_round')),
    sa.PrimaryKeyConstraint('round_id', 'indicator_code', 'region_code', name=op.f('pk_indicator_input')),
    schema='assessment'
    )
    op.create_table('invitation',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('region_name', sa.Text(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('island_group', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('invited', 'accepted', 'declined')", name=op.f('ck_invitation_status')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_invitation_round_id_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('round_id', 'region_code', name=op.f('uq_invitation_round_id_region_code')),
    schema='assessment'
    )
    op.create_index(op.f('ix_invitation_round_id'), 'invitation', ['round_id'], unique=False, schema='assessment')
    op.create_table('result',
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('total', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('explanation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_result_round_id_round')),
    sa.PrimaryKeyConstraint('round_id', 'region_code', name=op.f('pk_result')),
    schema='assessment'
    )
    op.create_table('score',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('assessor_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('component_key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('moderated_value', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['assessment.assessor.id'], name=op.f('fk_score_assessor_id_assessor')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_score_round_id_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score')),
    sa.UniqueConstraint('round_id', 'assessor_id', 'region_code', 'component_key', name=op.f('uq_score_round_id_assessor_id_region_code_component_key')),
    schema='assessment'
    )
    op.create_index(op.f('ix_score_round_id'), 'score', ['round_id'], unique=False, schema='assessment')
    op.create_table('self_assessment',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('component_key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Numeric(precision=8, scale=3), nullable=False),
    sa.Column('evidence_links', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('verified_value', sa.Numeric(precision=8, scale=3), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_self_assessment_round_id_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_assessment')),
    sa.UniqueConstraint('round_id', 'region_code', 'component_key', name=op.f('uq_self_assessment_round_id_region_code_component_key')),
    schema='assessment'
    )
    op.create_index(op.f('ix_self_assessment_round_id'), 'self_assessment', ['round_id'], unique=False, schema='assessment')
    op.create_table('session',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('venue', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_session_times')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_session_round_id_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session')),
    schema='assessment'
    )
    op.create_index(op.f('ix_session_round_id'), 'session', ['round_id'], unique=False, schema='assessment')
    op.create_table('submission',
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.Column('assessor_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['assessment.assessor.id'], name=op.f('fk_submission_assessor_id_assessor')),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_submission_round_id_round')),
    sa.PrimaryKeyConstraint('round_id', 'assessor_id', 'region_code', name=op.f('pk_submission')),
    schema='assessment'
    )
    op.create_table('panel_member',
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('assessor_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['assessor_id'], ['assessment.assessor.id'], name=op.f('fk_panel_member_assessor_id_assessor')),
    sa.ForeignKeyConstraint(['session_id'], ['assessment.session.id'], name=op.f('fk_panel_member_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'assessor_id', name=op.f('pk_panel_member')),
    schema='assessment'
    )
    op.create_index(op.f('ix_panel_member_assessor_id'), 'panel_member', ['assessor_id'], unique=False, schema='assessment')
    op.create_table('session_region',
    sa.Column('session_id', sa.BigInteger(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('round_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['assessment.round.id'], name=op.f('fk_session_region_round_id_round')),
    sa.ForeignKeyConstraint(['session_id'], ['assessment.session.id'], name=op.f('fk_session_region_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'region_code', name=op.f('pk_session_region')),
    sa.UniqueConstraint('round_id', 'region_code', name=op.f('uq_session_region_round_id_region_code')),
    schema='assessment'
    )


def downgrade() -> None:
    op.drop_table('session_region', schema='assessment')
    op.drop_index(op.f('ix_panel_member_assessor_id'), table_name='panel_member', schema='assessment')
    op.drop_table('panel_member', schema='assessment')
    op.drop_table('submission', schema='assessment')
    op.drop_index(op.f('ix_session_round_id'), table_name='session', schema='assessment')
    op.drop_table('session', schema='assessment')
    op.drop_index(op.f('ix_self_assessment_round_id'), table_name='self_assessment', schema='assessment')
    op.drop_table('self_assessment', schema='assessment')
    op.drop_index(op.f('ix_score_round_id'), table_name='score', schema='assessment')
    op.drop_table('score', schema='assessment')
    op.drop_table('result', schema='assessment')
    op.drop_index(op.f('ix_invitation_round_id'), table_name='invitation', schema='assessment')
    op.drop_table('invitation', schema='assessment')
    op.drop_table('indicator_input', schema='assessment')
    op.drop_table('conflict_override', schema='assessment')
    op.drop_index(op.f('ix_rubric_component_rubric_id'), table_name='rubric_component', schema='assessment')
    op.drop_table('rubric_component', schema='assessment')
    op.drop_index(op.f('ix_round_year'), table_name='round', schema='assessment')
    op.drop_table('round', schema='assessment')
    op.drop_index(op.f('ix_conflict_declaration_assessor_id'), table_name='conflict_declaration', schema='assessment')
    op.drop_table('conflict_declaration', schema='assessment')
    op.drop_table('rubric', schema='assessment')
    op.drop_index(op.f('ix_mentorship_region_code'), table_name='mentorship', schema='assessment')
    op.drop_table('mentorship', schema='assessment')
    op.drop_table('assessor', schema='assessment')
