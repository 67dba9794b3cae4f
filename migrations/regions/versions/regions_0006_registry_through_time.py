"""the registry through time: code lists, code changes, boundaries, centroids and crosswalks

Revision ID: regions_0006
Revises: regions_0005
Create Date: 2026-11-30 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'regions_0006'
down_revision: str | None = 'regions_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = 'regions'


def upgrade() -> None:
    op.create_table(
        'code_list',
        sa.Column('label', sa.String(length=10), nullable=False),
        sa.Column('regulation', sa.Text(), nullable=False),
        sa.Column('regulation_date', sa.Date(), nullable=True),
        sa.Column('regulation_year', sa.SmallInteger(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('label', name=op.f('pk_code_list')),
        schema=S,
    )
    op.create_table(
        'code_list_entry',
        sa.Column('list_label', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=5), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('parent_code', sa.String(length=2), nullable=True),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.ForeignKeyConstraint(['list_label'], ['regions.code_list.label'],
                                name=op.f('fk_code_list_entry_list_label_code_list')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'],
                                name=op.f('fk_code_list_entry_region_code_region')),
        sa.PrimaryKeyConstraint('list_label', 'code', name=op.f('pk_code_list_entry')),
        schema=S,
    )
    op.create_index(op.f('ix_code_list_entry_region_code'), 'code_list_entry', ['region_code'], schema=S)
    op.create_table(
        'code_change',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('level', sa.String(length=10), nullable=False),
        sa.Column('old_code', sa.String(length=5), nullable=False),
        sa.Column('new_code', sa.String(length=5), nullable=False),
        sa.Column('change', sa.String(length=12), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('legal_basis', sa.Text(), nullable=False),
        sa.Column('enacted_on', sa.Date(), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('list_before', sa.String(length=10), nullable=False),
        sa.Column('list_after', sa.String(length=10), nullable=False),
        sa.Column('name_old', sa.Text(), nullable=False),
        sa.Column('name_new', sa.Text(), nullable=False),
        sa.CheckConstraint("change IN ('renamed', 'renumbered', 'split_from')", name=op.f('ck_code_change_change')),
        sa.ForeignKeyConstraint(['list_after'], ['regions.code_list.label'],
                                name=op.f('fk_code_change_list_after_code_list')),
        sa.ForeignKeyConstraint(['list_before'], ['regions.code_list.label'],
                                name=op.f('fk_code_change_list_before_code_list')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'],
                                name=op.f('fk_code_change_region_code_region')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_code_change')),
        schema=S,
    )
    op.create_index(op.f('ix_code_change_old_code'), 'code_change', ['old_code'], schema=S)
    op.create_index(op.f('ix_code_change_region_code'), 'code_change', ['region_code'], schema=S)
    op.create_table(
        'boundary',
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('zoom', sa.SmallInteger(), nullable=False),
        sa.Column('geometry', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'],
                                name=op.f('fk_boundary_region_code_region')),
        sa.PrimaryKeyConstraint('region_code', 'zoom', name=op.f('pk_boundary')),
        schema=S,
    )
    op.create_table(
        'region_point',
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('centroid_lng', sa.Numeric(9, 6), nullable=False),
        sa.Column('centroid_lat', sa.Numeric(9, 6), nullable=False),
        sa.Column('label_lng', sa.Numeric(9, 6), nullable=False),
        sa.Column('label_lat', sa.Numeric(9, 6), nullable=False),
        sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'],
                                name=op.f('fk_region_point_region_code_region')),
        sa.PrimaryKeyConstraint('region_code', name=op.f('pk_region_point')),
        schema=S,
    )
    op.create_table(
        'crosswalk_entry',
        sa.Column('coding', sa.String(length=20), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=False),
        sa.Column('external_code', sa.String(length=20), nullable=False),
        sa.Column('kemendagri_code', sa.String(length=13), nullable=False),
        sa.Column('region_code', sa.String(length=13), nullable=False),
        sa.Column('name', sa.Text(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('loaded_by', sa.String(length=200), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.CheckConstraint("coding IN ('bps')", name=op.f('ck_crosswalk_entry_coding')),
        sa.ForeignKeyConstraint(['region_code'], ['regions.region.code'],
                                name=op.f('fk_crosswalk_entry_region_code_region')),
        sa.PrimaryKeyConstraint('coding', 'year', 'external_code', name=op.f('pk_crosswalk_entry')),
        schema=S,
    )
    op.create_index(op.f('ix_crosswalk_entry_region_code'), 'crosswalk_entry', ['region_code'], schema=S)


def downgrade() -> None:
    for table in ('crosswalk_entry', 'region_point', 'boundary', 'code_change', 'code_list_entry', 'code_list'):
        op.drop_table(table, schema=S)
