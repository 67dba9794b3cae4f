"""Reference data every environment needs.

The region tree with its history and boundaries, indicator definitions and population, the default
rubric and the six smart city dimensions.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.assessment.reference import DEFAULT_CODE, seed_default_rubric
from services.common.db import async_url
from services.masterplan.reference import seed_dimensions
from services.regions.importer import ImportReport, import_regions, shipped_digest
from services.regions.models import ReferenceLoad
from services.regions.reference import seed_indicators, seed_population


async def seed(database_url: str, progress: Callable[[str], None] = print, *, recheck: bool = True) -> ImportReport:
    """`recheck=False` (what `smartcity up` does) skips the region tree when the database already holds
    exactly the shipped files; `smartcity seed` always checks and repairs every row."""
    engine = create_async_engine(async_url(database_url), poolclass=NullPool)
    digest = shipped_digest()
    try:
        async with engine.begin() as conn:
            held = await conn.scalar(select(ReferenceLoad.digest).where(ReferenceLoad.name == "regions"))
            if held == digest and not recheck:
                progress(f"  regions: unchanged since the last load ({digest[:12]}), not re-checked")
                report = ImportReport(counts={}, inserted=0, updated=0, seconds=0.0)
            else:
                # Imported only when the tree is loaded: shapely and numpy would cost every start a third of a second.
                from services.regions.history.importer import import_history
                from services.regions.maps.importer import import_boundaries

                report = await import_regions(conn, progress=lambda m: progress(f"  regions: {m}"))
                entries = await import_history(conn)
                progress(f"  regions: {entries} codes of six lists (2016-2025) and the changes between them")
                count = await import_boundaries(conn)
                progress(f"  regions: {count} kabupaten/kota boundaries at four levels of detail")
                await conn.execute(insert(ReferenceLoad).values(name="regions", digest=digest).on_conflict_do_update(
                    index_elements=["name"], set_={"digest": digest, "loaded_at": func.now()}))
        async with engine.begin() as conn:
            added = await seed_indicators(conn)
            progress(f"  indicators: {added} definitions added")
            added = await seed_population(conn)
            progress(f"  indicators: {added} population values (2024) added")
        async with engine.begin() as conn:
            if await seed_default_rubric(conn):
                progress(f"  assessment: default rubric {DEFAULT_CODE} added")
            added = await seed_dimensions(conn)
            progress(f"  masterplan: {added} smart city dimensions added")
    finally:
        await engine.dispose()
    return report
