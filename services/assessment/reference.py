"""The default rubric, from the aspects assessed in 2019, plus fiscal capacity (KKD) from the registry.

Seeded once; afterwards officers edit it through the API (a new version once a round uses it).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .models import Rubric, RubricComponent

MATURITY = {"1": "Belum ada (not yet)", "2": "Rintisan (initiated)", "3": "Berkembang (developing)",
            "4": "Terpadu (integrated)", "5": "Optimal (optimised)"}

# The 2019 aspects (press coverage of the 21-22 Feb 2019 assessment), each a panel component on a 1-5 scale.
ASPECTS = [("commitment", "Komitmen", 16), ("policy", "Kebijakan", 14),
           ("development_vision", "Visi pembangunan daerah", 14), ("budget", "Anggaran", 14),
           ("ict_infrastructure", "Infrastruktur TIK", 14), ("application_integration", "Integrasi aplikasi", 14),
           ("information_security", "Keamanan informasi", 14)]

DEFAULT_CODE = "gm100-2019"


def default_components() -> list[RubricComponent]:
    components = [RubricComponent(position=0, key="panel", name="Penilaian panel", kind="group", weight=90)]
    for i, (key, name, weight) in enumerate(ASPECTS, start=1):
        components.append(RubricComponent(position=i, key=key, parent_key="panel", name=name, kind="panel",
                                          weight=weight, scale_min=1, scale_max=5, levels=MATURITY))
    components.append(RubricComponent(
        position=len(components), key="fiscal_capacity", name="Kemampuan Keuangan Daerah (KKD)",
        kind="indicator", weight=10, indicator_code="kkd",
        normalisation={"map": {"rendah": 0, "sedang": 50, "tinggi": 100}}))
    return components


async def seed_default_rubric(conn: AsyncConnection) -> bool:
    async with AsyncSession(bind=conn) as session:
        if await session.scalar(select(Rubric.id).where(Rubric.code == DEFAULT_CODE)):
            return False
        session.add(Rubric(code=DEFAULT_CODE, version=1, created_by="seed",
                           title="Rubrik seleksi Gerakan Menuju 100 Smart City 2019",
                           description="Seven aspects scored by the panel on a 1-5 maturity scale (90%), and fiscal "
                                       "capacity (KKD, Kemenkeu) from the region registry (10%).",
                           components=default_components()))
        await session.flush()
    return True
