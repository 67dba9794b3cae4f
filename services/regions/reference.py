"""Indicator definitions seeded on first start; afterwards they are data an administrator edits."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import Indicator, IndicatorValue

POPULATION = Path(__file__).parent / "data" / "population.csv"

INDICATORS: list[dict[str, object]] = [
    dict(code="population", name_id="Jumlah penduduk", name_en="Population", unit="jiwa", kind="numeric",
         min_value=0, higher_is_better=True, owner_role="kemendagri",
         source_note="Dukcapil Kemendagri, data kependudukan semester"),
    dict(code="kkd", name_id="Kemampuan Keuangan Daerah", name_en="Regional fiscal capacity", kind="category",
         categories=["rendah", "sedang", "tinggi"], higher_is_better=True, owner_role="kemenkeu",
         source_note="PMK tentang Peta Kapasitas Fiskal Daerah (Kemenkeu)"),
    dict(code="tertinggal", name_id="Status daerah tertinggal (3T)", name_en="Disadvantaged region status (3T)",
         kind="category", categories=["tertinggal", "bukan_tertinggal"], higher_is_better=False,
         owner_role="bappenas",
         source_note="Perpres 131/2015 (2015-2019) and Perpres 63/2020 (2020-2024) on Penetapan Daerah "
                     "Tertinggal; the list in force each year is loaded as that year's values"),
    dict(code="ikh", name_id="Indeks Kota Hijau", name_en="Green City Index", unit="indeks", kind="numeric",
         min_value=0, max_value=100, higher_is_better=True, owner_role="pupr",
         source_note="Program Pengembangan Kota Hijau, Kementerian PUPR"),
    dict(code="ikb", name_id="Indeks Kota Berkelanjutan", name_en="Sustainable City Index", unit="indeks",
         kind="numeric", min_value=0, max_value=100, higher_is_better=True, owner_role="bappenas",
         source_note="Bappenas"),
    dict(code="ekppd", name_id="Kinerja penyelenggaraan pemerintahan daerah (EKPPD)",
         name_en="Regional government performance (EKPPD)", unit="skor", kind="numeric", min_value=0,
         max_value=4, higher_is_better=True, owner_role="kemendagri",
         source_note="Evaluasi Kinerja Penyelenggaraan Pemerintahan Daerah, Kemendagri"),
    dict(code="ipm", name_id="Indeks Pembangunan Manusia", name_en="Human Development Index", unit="indeks",
         kind="numeric", min_value=0, max_value=100, higher_is_better=True, owner_role="bappenas",
         source_note="BPS, as used in RPJMN monitoring by Bappenas"),
    dict(code="spbe", name_id="Indeks SPBE", name_en="E-government (SPBE) index", unit="indeks",
         kind="numeric", min_value=0, max_value=5, higher_is_better=True, owner_role="kemenpanrb",
         source_note="Evaluasi SPBE, PermenPANRB 59/2020"),
]


async def seed_indicators(conn: AsyncConnection) -> int:
    """Insert definitions that are missing; never overwrite an administrator's edits."""
    columns = {key for d in INDICATORS for key in d}
    rows = [{"revision": 1, **dict.fromkeys(columns), **d} for d in INDICATORS]
    result = await conn.execute(insert(Indicator).values(rows).on_conflict_do_nothing().returning(Indicator.code))
    return len(result.all())


async def seed_population(conn: AsyncConnection) -> int:
    """The shipped population (Dukcapil, 31 Dec 2024) as values of `population`; a loaded value is never replaced."""
    with POPULATION.open(newline="", encoding="utf-8") as f:
        rows = [{"indicator_code": "population", "region_code": r["code"], "year": int(r["year"]),
                 "value_numeric": Decimal(r["population"]), "source": r["source"], "loaded_by": "seed"}
                for r in csv.DictReader(f)]
    result = await conn.execute(insert(IndicatorValue).values(rows).on_conflict_do_nothing(
        index_elements=["indicator_code", "region_code", "year"], index_where=text("superseded_at IS NULL"))
        .returning(IndicatorValue.id))
    return len(result.all())
