"""create regions schema

Revision ID: regions_0001
Revises:
Create Date: 2026-11-22 21:23:59.569196
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.common.migration_ops import create_record_tables, drop_record_tables

revision: str = 'regions_0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Extensions are database-wide and may be shared, so they are created if missing and never dropped.
# All three are "trusted" since PostgreSQL 13: a database owner may create them.
EXTENSIONS = ("pg_trgm", "unaccent", "btree_gist")

FOLD_NAME = """
CREATE FUNCTION regions.fold_name(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, $1)), '[^a-z0-9]+', '', 'g')
"""


def upgrade() -> None:
    for ext in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {ext} SCHEMA public")
    # Search folds names to lower-case ASCII letters and digits; generated columns need it immutable.
    op.execute(FOLD_NAME)
    op.create_table('indicator',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_id', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('categories', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('min_value', sa.Numeric(), nullable=True),
    sa.Column('max_value', sa.Numeric(), nullable=True),
    sa.Column('higher_is_better', sa.Boolean(), nullable=False),
    sa.Column('owner_role', sa.String(length=40), nullable=False),
    sa.Column('source_note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('numeric', 'category')", name=op.f('ck_indicator_kind')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_indicator')),
    schema='regions'
    )
    op.create_table('region',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=13), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_short', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=True),
    sa.Column('island_group', sa.String(length=20), nullable=False),
    sa.Column('postal_code', sa.String(length=5), nullable=True),
    sa.Column('search_key', sa.Text(), sa.Computed('regions.fold_name(name_short)', persisted=True), nullable=False),
    sa.Column('search_full', sa.Text(), sa.Computed('regions.fold_name(name)', persisted=True), nullable=False),
    sa.CheckConstraint("island_group IN ('sumatera', 'jawa', 'bali_nusa_tenggara', 'kalimantan', 'sulawesi', 'maluku', 'papua')", name=op.f('ck_region_island_group')),
    sa.CheckConstraint("level IN ('province', 'regency', 'district', 'village')", name=op.f('ck_region_level')),
    sa.CheckConstraint("type IS NULL OR type IN ('kabupaten', 'kota', 'kelurahan', 'desa', 'desa_adat')", name=op.f('ck_region_type')),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.region.code'], name=op.f('fk_region_parent_code_region')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region')),
    schema='regions'
    )
    op.create_index(op.f('ix_region_level'), 'region', ['level'], unique=False, schema='regions')
    op.create_index(op.f('ix_region_parent_code'), 'region', ['parent_code'], unique=False, schema='regions')
    op.create_index(op.f('ix_region_province_code'), 'region', ['province_code'], unique=False, schema='regions')
    op.create_index('ix_region_search_full_trgm', 'region', ['search_full'], unique=False, schema='regions', postgresql_using='gin', postgresql_ops={'search_full': 'gin_trgm_ops'})
    op.create_table('head_term',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('head_name', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=40), nullable=False),
    sa.Column('deputy_name', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    postgresql.ExcludeConstraint((sa.column('region_code'), '='), (sa.text("daterange(start_date, coalesce(end_date, 'infinity'::date), '[]')"), '&&'), using='gist', name='ex_head_term_no_overlap'),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_head_term_dates')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'], name=op.f('fk_head_term_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_head_term')),
    schema='regions'
    )
    op.create_index(op.f('ix_head_term_region_code'), 'head_term', ['region_code'], unique=False, schema='regions')
    op.create_table('indicator_value',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('indicator_code', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('value_numeric', sa.Numeric(), nullable=True),
    sa.Column('value_category', sa.String(length=40), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('(value_numeric IS NULL) <> (value_category IS NULL)', name=op.f('ck_indicator_value_one_value')),
    sa.ForeignKeyConstraint(['indicator_code'], ['regions.indicator.code'], name=op.f('fk_indicator_value_indicator_code_indicator')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'], name=op.f('fk_indicator_value_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value')),
    schema='regions'
    )
    op.create_index(op.f('ix_indicator_value_region_code'), 'indicator_value', ['region_code'], unique=False, schema='regions')
    op.create_index('uq_indicator_value_current', 'indicator_value', ['indicator_code', 'region_code', 'year'], unique=True, schema='regions', postgresql_where=sa.text('superseded_at IS NULL'))
    create_record_tables('regions')


def downgrade() -> None:
    op.drop_index('uq_indicator_value_current', table_name='indicator_value', schema='regions', postgresql_where=sa.text('superseded_at IS NULL'))
    op.drop_index(op.f('ix_indicator_value_region_code'), table_name='indicator_value', schema='regions')
    op.drop_table('indicator_value', schema='regions')
    op.drop_index(op.f('ix_head_term_region_code'), table_name='head_term', schema='regions')
    op.drop_table('head_term', schema='regions')
    op.drop_index('ix_region_search_full_trgm', table_name='region', schema='regions', postgresql_using='gin', postgresql_ops={'search_full': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_region_province_code'), table_name='region', schema='regions')
    op.drop_index(op.f('ix_region_parent_code'), table_name='region', schema='regions')
    op.drop_index(op.f('ix_region_level'), table_name='region', schema='regions')
    op.drop_table('region', schema='regions')
    op.drop_table('indicator', schema='regions')
    op.execute("DROP FUNCTION regions.fold_name(text)")
    drop_record_tables('regions')
