"""Labels for the masterplan service's codes."""

from services.common.labels import LabelTable

LABELS: LabelTable = {
    "masterplan_state": {"draft": ("Draf", "Draft"), "submitted": ("Diajukan", "Submitted"),
                         "in_review": ("Ditelaah", "In review"), "approved": ("Disetujui", "Approved"),
                         "superseded": ("Digantikan", "Superseded")},
    "report_status": {"not_started": ("Belum dimulai", "Not started"), "on_track": ("Sesuai rencana", "On track"),
                      "delayed": ("Terlambat", "Delayed"), "done": ("Selesai", "Done"),
                      "cancelled": ("Dibatalkan", "Cancelled")},
    "funding": {"apbd": ("APBD", "Regional budget (APBD)"), "apbn": ("APBN", "National budget (APBN)"),
                "kpbu": ("KPBU", "Public-private partnership (KPBU)"), "csr_private": ("CSR/swasta", "CSR/private"),
                "other": ("Lainnya", "Other")},
}
