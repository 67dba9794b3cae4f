"""Labels for the stable codes the API uses, in Indonesian (default) or English, for people-facing screens."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from services.common.auth import Gate, Principal
from services.common.errors import prefers_english, problem_responses

from .proxy import rate_limited

router = APIRouter(dependencies=[Depends(rate_limited)])
Anyone = Annotated[Principal | None, Depends(Gate(public=True))]

# code -> (Indonesian, English)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "round_state": {"draft": ("Draf", "Draft"), "inviting": ("Undangan", "Inviting"),
                    "assessing": ("Penilaian", "Assessing"), "moderating": ("Moderasi", "Moderating"),
                    "finalised": ("Final", "Finalised"), "published": ("Diumumkan", "Published")},
    "invitation_status": {"invited": ("Diundang", "Invited"), "accepted": ("Menerima", "Accepted"),
                          "declined": ("Menolak", "Declined")},
    "masterplan_state": {"draft": ("Draf", "Draft"), "submitted": ("Diajukan", "Submitted"),
                         "in_review": ("Ditelaah", "In review"), "approved": ("Disetujui", "Approved"),
                         "superseded": ("Digantikan", "Superseded")},
    "report_status": {"not_started": ("Belum dimulai", "Not started"), "on_track": ("Sesuai rencana", "On track"),
                      "delayed": ("Terlambat", "Delayed"), "done": ("Selesai", "Done"),
                      "cancelled": ("Dibatalkan", "Cancelled")},
    "funding": {"apbd": ("APBD", "Regional budget (APBD)"), "apbn": ("APBN", "National budget (APBN)"),
                "kpbu": ("KPBU", "Public-private partnership (KPBU)"), "csr_private": ("CSR/swasta", "CSR/private"),
                "other": ("Lainnya", "Other")},
    "island_group": {"sumatera": ("Sumatera", "Sumatra"), "jawa": ("Jawa", "Java"),
                     "bali_nusa_tenggara": ("Bali dan Nusa Tenggara", "Bali and Nusa Tenggara"),
                     "kalimantan": ("Kalimantan", "Kalimantan"), "sulawesi": ("Sulawesi", "Sulawesi"),
                     "maluku": ("Maluku", "Maluku"), "papua": ("Papua", "Papua")},
    "region_level": {"province": ("Provinsi", "Province"), "regency": ("Kabupaten/kota", "Regency/city"),
                     "district": ("Kecamatan", "District"), "village": ("Desa/kelurahan", "Village")},
    "role": {"kominfo_admin": ("Admin Kominfo", "Kominfo administrator"),
             "kominfo_officer": ("Petugas Kominfo", "Kominfo officer"), "assessor": ("Asesor", "Assessor"),
             "kemendagri": ("Kemendagri", "Ministry of Home Affairs"), "kemenkeu": ("Kemenkeu", "Ministry of Finance"),
             "bappenas": ("Bappenas", "National Development Planning Agency"),
             "pupr": ("Kementerian PUPR", "Ministry of Public Works"),
             "kemenpanrb": ("KemenPAN-RB", "Ministry of Administrative Reform"),
             "ksp": ("KSP", "Executive Office of the President"),
             "pemda": ("Pemerintah daerah", "Regional government")},
}


class Labels(BaseModel):
    language: str = Field(examples=["id"])
    labels: dict[str, dict[str, str]] = Field(description="For each list, code → label")


@router.get("/api/v1/labels", operation_id="labels_get", tags=["views"],
            summary="Labels for the API's codes, in Indonesian (default) or English",
            description="Chosen by `lang`, else by Accept-Language. Codes stay the same in every language.",
            responses=problem_responses(422))
async def labels(request: Request, response: Response, _: Anyone,
                 lang: Annotated[str | None, Query(pattern="^(id|en)$")] = None) -> Labels:
    english = lang == "en" if lang else prefers_english(request.headers.get("accept-language"))
    response.headers["Content-Language"] = "en" if english else "id"
    return Labels(language="en" if english else "id",
                  labels={name: {code: pair[1 if english else 0] for code, pair in codes.items()}
                          for name, codes in LABELS.items()})
