"""The `regions` schema."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import Revisioned, schema_metadata
from services.common.records import record_models

SCHEMA = "regions"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


records = record_models(Base)

LEVELS = ("province", "regency", "district", "village")
TYPES = ("kabupaten", "kota", "kelurahan", "desa", "desa_adat")
ISLAND_GROUPS = ("sumatera", "jawa", "bali_nusa_tenggara", "kalimantan", "sulawesi", "maluku", "papua")


class Region(Base):
    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        CheckConstraint(f"type IS NULL OR type IN {TYPES}", name="type"),
        CheckConstraint(f"island_group IN {ISLAND_GROUPS}", name="island_group"),
        Index("ix_region_search_full_trgm", "search_full", postgresql_using="gin",
              postgresql_ops={"search_full": "gin_trgm_ops"}),
    )

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.region.code"), index=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_short: Mapped[str] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(10))
    island_group: Mapped[str] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    # Folded to lower-case ASCII letters and digits, so "Tanjungpinang" finds "Tanjung Pinang".
    search_key: Mapped[str] = mapped_column(Text, Computed("regions.fold_name(name_short)", persisted=True))
    search_full: Mapped[str] = mapped_column(Text, Computed("regions.fold_name(name)", persisted=True))


class HeadTerm(Revisioned, Base):
    """A regional head's term of office; terms of one region never overlap (enforced by the database)."""

    __tablename__ = "head_term"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        ExcludeConstraint(
            ("region_code", "="),
            (text("daterange(start_date, coalesce(end_date, 'infinity'::date), '[]')"), "&&"),
            name="ex_head_term_no_overlap", using="gist"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), index=True)
    head_name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(40))
    deputy_name: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())


class Indicator(Revisioned, Base):
    """An indicator definition: what is measured, on which scale, and which ministry owns it."""

    __tablename__ = "indicator"
    etag_key = "code"
    __table_args__ = (CheckConstraint("kind IN ('numeric', 'category')", name="kind"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_id: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    categories: Mapped[list[str] | None] = mapped_column(JSONB)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric)
    max_value: Mapped[Decimal | None] = mapped_column(Numeric)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_role: Mapped[str] = mapped_column(String(40))
    source_note: Mapped[str | None] = mapped_column(Text)


class IndicatorValue(Base):
    """One value of an indicator for a region and year; a correction supersedes, never overwrites."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        Index("uq_indicator_value_current", "indicator_code", "region_code", "year", unique=True,
              postgresql_where=text("superseded_at IS NULL")),
        CheckConstraint("(value_numeric IS NULL) <> (value_category IS NULL)", name="one_value"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("regions.indicator.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    value_numeric: Mapped[Decimal | None] = mapped_column(Numeric)
    value_category: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def value(self) -> Any:
        return self.value_category if self.value_category is not None else self.value_numeric


class ReferenceLoad(Base):
    """Which shipped reference data this database holds (its digest), so a start with the same data skips it."""

    __tablename__ = "reference_load"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CodeList(Base):
    """A published list of kabupaten/kota and province codes (a Permendagri or Kepmendagri), as shipped."""

    __tablename__ = "code_list"

    label: Mapped[str] = mapped_column(String(10), primary_key=True)
    regulation: Mapped[str] = mapped_column(Text)
    # NULL where only the year is established (Kepmendagri 100.1.1-6117/2022).
    regulation_date: Mapped[date | None] = mapped_column(Date)
    regulation_year: Mapped[int] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(Text)


class CodeListEntry(Base):
    """One code as a list gave it, with the code the same region has today."""

    __tablename__ = "code_list_entry"

    list_label: Mapped[str] = mapped_column(ForeignKey("regions.code_list.label"), primary_key=True)
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(String(2))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), index=True)


class CodeChange(Base):
    """A legal act that renamed, renumbered or split a region, and the date its new code or name took effect."""

    __tablename__ = "code_change"
    __table_args__ = (CheckConstraint("change IN ('renamed', 'renumbered', 'split_from')", name="change"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    level: Mapped[str] = mapped_column(String(10))
    old_code: Mapped[str] = mapped_column(String(5), index=True)
    new_code: Mapped[str] = mapped_column(String(5))
    change: Mapped[str] = mapped_column(String(12))
    # The region this change belongs to, by today's code.
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), index=True)
    legal_basis: Mapped[str] = mapped_column(Text)
    enacted_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date)
    list_before: Mapped[str] = mapped_column(ForeignKey("regions.code_list.label"))
    list_after: Mapped[str] = mapped_column(ForeignKey("regions.code_list.label"))
    name_old: Mapped[str] = mapped_column(Text)
    name_new: Mapped[str] = mapped_column(Text)


class Boundary(Base):
    """A kabupaten/kota boundary as GeoJSON geometry text, at one level of detail (the coarsest map zoom it serves)."""

    __tablename__ = "boundary"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), primary_key=True)
    zoom: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    geometry: Mapped[str] = mapped_column(Text)


class RegionPoint(Base):
    """A kabupaten/kota's centroid and a label point that always lies inside it."""

    __tablename__ = "region_point"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), primary_key=True)
    centroid_lng: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    centroid_lat: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    label_lng: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    label_lat: Mapped[Decimal] = mapped_column(Numeric(9, 6))


class CrosswalkEntry(Base):
    """One code of another coding (BPS) mapped to a Kemendagri code, as the operator loaded it for a year."""

    __tablename__ = "crosswalk_entry"
    __table_args__ = (CheckConstraint("coding IN ('bps')", name="coding"),)

    coding: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    external_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kemendagri_code: Mapped[str] = mapped_column(String(13))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.region.code"), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
