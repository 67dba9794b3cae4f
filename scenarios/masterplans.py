"""MoUs signed and masterplans approved, with the Kota Tanjungpinang plan of the seeds as the example."""

from __future__ import annotations

M = "/api/v1/masterplan"
TPI, BINTAN = "21.72", "21.01"  # Kota Tanjung Pinang, Kabupaten Bintan

SIGNATORIES = [{"name": "Rudiantara", "title": "Menteri Komunikasi dan Informatika", "organisation": "Kominfo"},
               {"name": "H. Syahrul", "title": "Walikota Tanjungpinang",
                "organisation": "Pemerintah Kota Tanjungpinang"}]

# The shape of the Tanjungpinang roadmap (2019 assessment): 2019 infrastructure and management systems,
# 2020 economy and living, 2021 society, 2022 governance, 2023 optimisation.
PROGRAMMES = [
    {"dimension_code": "governance", "element_code": "bureaucracy", "title": "Pusat data dan jaringan pemerintah",
     "opd": "Diskominfo", "start_year": 2019, "end_year": 2019,
     "budget": [{"year": 2019, "source": "apbd", "amount": 2_000_000_000}]},
    {"dimension_code": "economy", "element_code": "industry", "title": "Marketplace UMKM Melayu",
     "opd": "Dinas Koperasi dan UMKM", "start_year": 2020, "end_year": 2021,
     "budget": [{"year": 2020, "source": "apbd", "amount": 500_000_000},
                {"year": 2021, "source": "kpbu", "amount": 750_000_000}]},
    {"dimension_code": "living", "element_code": "health", "title": "Antrean puskesmas daring",
     "opd": "Dinas Kesehatan",
     "start_year": 2020, "end_year": 2020, "quick_win": True,
     "budget": [{"year": 2020, "source": "apbn", "amount": 300_000_000}]},
    {"dimension_code": "society", "element_code": "learning", "title": "Ekosistem belajar digital",
     "opd": "Dinas Pendidikan", "start_year": 2021, "end_year": 2021,
     "budget": [{"year": 2021, "source": "apbd", "amount": 400_000_000}]},
    {"dimension_code": "governance", "element_code": "public_services", "title": "Mal pelayanan publik",
     "opd": "DPMPTSP", "start_year": 2022, "end_year": 2022,
     "budget": [{"year": 2022, "source": "apbd", "amount": 1_000_000_000}]},
    {"dimension_code": "branding", "element_code": "tourism", "title": "Portal wisata bahari",
     "opd": "Dinas Pariwisata",
     "start_year": 2019, "end_year": 2023,
     "budget": [{"year": y, "source": "csr_private", "amount": 100_000_000} for y in range(2019, 2024)]},
    {"dimension_code": "environment", "element_code": "waste", "title": "Bank sampah digital", "opd": "DLH",
     "start_year": 2023, "end_year": 2023, "quick_win": True,
     "budget": [{"year": 2023, "source": "apbd", "amount": 250_000_000}]},
]
PLAN = {"region_code": TPI, "start_year": 2019, "end_year": 2023,
        "vision": "Tanjungpinang kota cerdas berbudaya Melayu yang melayani warganya",
        "partners": [{"name": "Institut Teknologi Bandung", "kind": "university", "role": "Pendamping"},
                     {"name": "Citiasia", "kind": "practitioner", "role": "Penyusun"},
                     {"name": "Indosat Ooredoo Business", "kind": "technology_advisor", "role": "Penasihat teknologi"}],
        "readiness": {"structure": {"score": 62.5, "narrative": "Dewan smart city sudah dibentuk"},
                      "infrastructure": {"score": 55, "narrative": "Jaringan fiber antar-OPD sebagian"},
                      "superstructure": {"score": 48, "narrative": "Perwali TIK belum ada"}}}


async def sign(gw, auth, code: str, on: str, ref: str) -> dict:
    r = await gw.post(f"{M}/mous", headers=auth("kominfo_officer"), json={
        "region_code": code, "signed_on": on, "place": "Jakarta", "signatories": SIGNATORIES, "document_ref": ref})
    assert r.status_code == 201, r.text
    return r.json()


async def approve(gw, auth, code: str, on: str, number: str = "Perwali No. 1") -> dict:
    pemda, officer = auth("pemda", region=code), auth("kominfo_officer")
    plan = await gw.post(f"{M}/masterplans", headers=pemda, json={**PLAN, "region_code": code, "start_year": 2018,
                                                                  "end_year": 2027})
    assert plan.status_code == 201, plan.text
    pid = plan.json()["id"]
    r = await gw.post(f"{M}/masterplans/{pid}/programmes", headers={**pemda, "If-Match": plan.headers["etag"]}, json={
        "dimension_code": "governance", "title": "Layanan perizinan daring", "opd": "DPMPTSP", "start_year": 2018,
        "end_year": 2018, "quick_win": True})
    assert r.status_code == 201, r.text
    await gw.post(f"{M}/masterplans/{pid}/transitions", json={"to": "submitted"}, headers=pemda)
    await gw.post(f"{M}/masterplans/{pid}/transitions", json={"to": "in_review"}, headers=officer)
    r = await gw.post(f"{M}/masterplans/{pid}/transitions", headers=officer, json={
        "to": "approved", "legal_basis": {"kind": "perwali", "number": number, "date": on}})
    assert r.status_code == 200, r.text
    return {**r.json(), "programme_id": r.json()["programmes"][0]["id"]}
