"""Reference data every environment needs.

The region tree, indicator definitions, the default rubric and the six smart city dimensions.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.assessment.reference import DEFAULT_CODE, seed_default_rubric
from services.common.db import async_url
from services.masterplan.reference import seed_dimensions
from services.regions.importer import ImportReport, import_regions
from services.regions.reference import seed_indicators


async def seed(database_url: str, progress: Callable[[str], None] = print) -> ImportReport:
    engine = create_async_engine(async_url(database_url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            report = await import_regions(conn, progress=lambda m: progress(f"  regions: {m}"))
        async with engine.begin() as conn:
            added = await seed_indicators(conn)
            progress(f"  indicators: {added} definitions added")
        async with engine.begin() as conn:
            if await seed_default_rubric(conn):
                progress(f"  assessment: default rubric {DEFAULT_CODE} added")
            added = await seed_dimensions(conn)
            progress(f"  masterplan: {added} smart city dimensions added")
    finally:
        await engine.dispose()
    return report
