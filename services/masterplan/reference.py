"""The six smart city dimensions and their elements, seeded once; administrators edit them afterwards.

Elements follow the programme's guidance as summarised in the project brief (Governance: public
services, bureaucracy, public policy; Branding: tourism, business, city appearance; Society:
community, learning ecosystem, security; Environment: protection, waste, energy); Economy and
Living use the programme's usual sub-areas.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import Dimension, Element

DIMENSIONS = [
    ("governance", "Smart Governance", "Smart Governance", [
        ("public_services", "Layanan publik", "Public services"), ("bureaucracy", "Birokrasi", "Bureaucracy"),
        ("public_policy", "Kebijakan publik", "Public policy")]),
    ("branding", "Smart Branding", "Smart Branding", [
        ("tourism", "Pariwisata", "Tourism"), ("business", "Bisnis", "Business"),
        ("city_appearance", "Wajah kota", "City appearance")]),
    ("economy", "Smart Economy", "Smart Economy", [
        ("industry", "Ekosistem industri", "Industry ecosystem"), ("welfare", "Kesejahteraan rakyat", "Welfare"),
        ("financial_transactions", "Ekosistem transaksi keuangan", "Financial transactions")]),
    ("living", "Smart Living", "Smart Living", [
        ("lifestyle", "Harmonisasi pola hidup", "Way of life"), ("health", "Kesehatan", "Health"),
        ("mobility", "Mobilitas", "Mobility")]),
    ("society", "Smart Society", "Smart Society", [
        ("community", "Komunitas", "Community"), ("learning", "Ekosistem belajar", "Learning ecosystem"),
        ("security", "Keamanan", "Security")]),
    ("environment", "Smart Environment", "Smart Environment", [
        ("protection", "Proteksi lingkungan", "Environmental protection"), ("waste", "Tata kelola sampah", "Waste"),
        ("energy", "Tata kelola energi", "Energy")]),
]


async def seed_dimensions(conn: AsyncConnection) -> int:
    added = await conn.execute(insert(Dimension).values([
        {"code": code, "name_id": name_id, "name_en": name_en, "position": i}
        for i, (code, name_id, name_en, _) in enumerate(DIMENSIONS)]).on_conflict_do_nothing()
        .returning(Dimension.code))
    await conn.execute(insert(Element).values([
        {"dimension_code": code, "code": e, "name_id": e_id, "name_en": e_en}
        for code, _, _, elements in DIMENSIONS for e, e_id, e_en in elements]).on_conflict_do_nothing())
    return len(added.all())
