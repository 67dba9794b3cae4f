"""The official region tree, loaded by the real importer, checked against the decree's figures."""

import pytest
from sqlalchemy import func, select, text

from services.regions.importer import EXPECTED, import_regions
from services.regions.models import Region


@pytest.fixture
def conn(db):
    """The registry's own connection: the import runs inside it, as the regions process would."""
    return db["regions"]


async def test_counts_per_level(conn):
    rows = (await conn.execute(select(Region.level, func.count()).group_by(Region.level))).all()
    assert dict(rows) == EXPECTED == {"province": 38, "regency": 514, "district": 7285, "village": 83762}


async def test_kabupaten_and_kota(conn):
    rows = (await conn.execute(select(Region.type, func.count()).where(Region.level == "regency")
                               .group_by(Region.type))).all()
    assert dict(rows) == {"kabupaten": 416, "kota": 98}


async def test_counts_per_province_add_up_and_every_parent_exists(conn):
    per_province = dict((await conn.execute(
        select(Region.province_code, func.count()).where(Region.level == "regency")
        .group_by(Region.province_code))).all())
    assert len(per_province) == 38
    assert sum(per_province.values()) == 514
    assert per_province["31"] == 6  # DKI Jakarta: 5 kota administrasi + Kepulauan Seribu
    assert per_province["21"] == 7  # Kepulauan Riau
    orphans = await conn.scalar(text(
        "SELECT count(*) FROM regions.region c LEFT JOIN regions.region p ON p.code = c.parent_code "
        "WHERE c.parent_code IS NOT NULL AND p.code IS NULL"))
    assert orphans == 0


async def test_spot_facts(conn):
    names = dict((await conn.execute(select(Region.code, Region.name).where(
        Region.code.in_(["21.72", "16.03", "35.13", "35.74", "21.71"])))).all())
    assert names == {"21.72": "Kota Tanjung Pinang", "16.03": "Kabupaten Muara Enim",
                     "35.13": "Kabupaten Probolinggo", "35.74": "Kota Probolinggo", "21.71": "Kota Batam"}


async def test_island_groups_cover_every_regency(conn):
    groups = dict((await conn.execute(select(Region.island_group, func.count())
                                      .where(Region.level == "regency").group_by(Region.island_group))).all())
    assert set(groups) == {"sumatera", "jawa", "bali_nusa_tenggara", "kalimantan", "sulawesi", "maluku", "papua"}
    assert sum(groups.values()) == 514
    assert groups["jawa"] == 119


async def test_import_is_idempotent(conn):
    before = await conn.scalar(text("SELECT md5(string_agg(code || name || coalesce(type, ''), ',' ORDER BY code))"
                                    " FROM regions.region"))
    report = await import_regions(conn)
    assert (report.inserted, report.updated) == (0, 0)
    after = await conn.scalar(text("SELECT md5(string_agg(code || name || coalesce(type, ''), ',' ORDER BY code))"
                                   " FROM regions.region"))
    assert before == after


async def test_import_repairs_a_changed_row(conn):
    await conn.execute(text("UPDATE regions.region SET name = 'Wrong' WHERE code = '21.72'"))
    report = await import_regions(conn)
    assert (report.inserted, report.updated) == (0, 1)
    assert await conn.scalar(text("SELECT name FROM regions.region WHERE code = '21.72'")) == "Kota Tanjung Pinang"
