"""Load the official region tree: validated in memory, then bulk COPY and one upsert."""

from __future__ import annotations

import csv
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

DATA_DIR = Path(__file__).parent / "data"
EXPECTED = {"province": 38, "regency": 514, "district": 7285, "village": 83762}
EXPECTED_REGENCY_TYPES = {"kabupaten": 416, "kota": 98}

# Island groups by province code, the grouping the selection equity rules use.
ISLAND_GROUP_BY_PROVINCE = {
    **dict.fromkeys(["11", "12", "13", "14", "15", "16", "17", "18", "19", "21"], "sumatera"),
    **dict.fromkeys(["31", "32", "33", "34", "35", "36"], "jawa"),
    **dict.fromkeys(["51", "52", "53"], "bali_nusa_tenggara"),
    **dict.fromkeys(["61", "62", "63", "64", "65"], "kalimantan"),
    **dict.fromkeys(["71", "72", "73", "74", "75", "76"], "sulawesi"),
    **dict.fromkeys(["81", "82"], "maluku"),
    **dict.fromkeys(["91", "92", "93", "94", "95", "96"], "papua"),
}

COLUMNS = ("code", "level", "parent_code", "province_code", "name", "name_short", "type", "island_group",
           "postal_code")
Row = tuple[str, str, str | None, str, str, str, str | None, str, str | None]


class ImportProblem(Exception):
    pass


@dataclass
class ImportReport:
    counts: dict[str, int]
    inserted: int
    updated: int
    seconds: float


def shipped_digest() -> str:
    """SHA-256 of the shipped region files and of how they are loaded: it changes when either does."""
    digest = hashlib.sha256(",".join(COLUMNS).encode())
    for path in sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix != ".md"):
        digest.update(str(path.relative_to(DATA_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_rows() -> list[Row]:
    """Read and check the CSVs; raises ImportProblem naming every count or parent that is wrong."""
    rows: list[Row] = []
    for r in _read("provinces.csv"):
        rows.append((r["code"], "province", None, r["code"], r["name"], r["name"], None,
                     ISLAND_GROUP_BY_PROVINCE.get(r["code"], ""), None))
    for r in _read("regencies.csv"):
        rows.append((r["code"], "regency", r["province_code"], r["province_code"], r["name"], r["name_short"],
                     r["type"], ISLAND_GROUP_BY_PROVINCE.get(r["province_code"], ""), None))
    for r in _read("districts.csv"):
        prov = r["code"][:2]
        rows.append((r["code"], "district", r["parent_code"], prov, r["name"], r["name"], None,
                     ISLAND_GROUP_BY_PROVINCE.get(prov, ""), None))
    for r in _read("villages.csv"):
        prov = r["code"][:2]
        rows.append((r["code"], "village", r["parent_code"], prov, r["name"], r["name"], r["type"],
                     ISLAND_GROUP_BY_PROVINCE.get(prov, ""), r["postal_code"] or None))

    problems = []
    counts = Counter(row[1] for row in rows)
    for level, expected in EXPECTED.items():
        if counts[level] != expected:
            problems.append(f"{level}: {counts[level]} rows, expected {expected}")
    types = Counter(row[6] for row in rows if row[1] == "regency")
    for kind, expected in EXPECTED_REGENCY_TYPES.items():
        if types[kind] != expected:
            problems.append(f"{kind}: {types[kind]} rows, expected {expected}")
    codes = {row[0] for row in rows}
    if len(codes) != len(rows):
        problems.append(f"{len(rows) - len(codes)} duplicate codes")
    orphans = [row[0] for row in rows if row[2] is not None and row[2] not in codes]
    if orphans:
        problems.append(f"{len(orphans)} rows with a missing parent, e.g. {orphans[:5]}")
    no_group = [row[0] for row in rows if not row[7]]
    if no_group:
        problems.append(f"{len(no_group)} rows in a province without an island group, e.g. {no_group[:5]}")
    if problems:
        raise ImportProblem("region data failed its checks: " + "; ".join(problems))
    return rows


async def import_regions(conn: AsyncConnection, progress: Callable[[str], None] = lambda _: None) -> ImportReport:
    """Idempotent: a second run changes nothing. Runs inside the caller's transaction."""
    started = time.perf_counter()
    rows = load_rows()
    progress(f"checked {len(rows):,} region codes")
    await conn.execute(text(
        "CREATE TEMP TABLE region_load (code text, level text, parent_code text, province_code text, name text,"
        " name_short text, type text, island_group text, postal_code text) ON COMMIT DROP"))
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table("region_load", records=rows, columns=list(COLUMNS))
    progress(f"copied {len(rows):,} rows")
    cols = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
    differs = " OR ".join(f"r.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in COLUMNS[1:])
    # Parents first, so the self-referencing foreign key holds row by row.
    result = await conn.execute(text(
        f"INSERT INTO regions.region AS r ({cols}) SELECT {cols} FROM region_load"
        " ORDER BY length(code), code"
        f" ON CONFLICT (code) DO UPDATE SET {updates} WHERE {differs}"
        " RETURNING (xmax = 0) AS inserted"))
    flags = [bool(x) for x in result.scalars()]
    inserted = sum(flags)
    counts = dict(Counter(row[1] for row in rows))
    progress(f"upserted: {inserted:,} new, {len(flags) - inserted:,} changed")
    return ImportReport(counts=counts, inserted=inserted, updated=len(flags) - inserted,
                        seconds=time.perf_counter() - started)
