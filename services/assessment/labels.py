"""Labels for the assessment service's codes."""

from services.common.labels import LabelTable

LABELS: LabelTable = {
    "round_state": {"draft": ("Draf", "Draft"), "inviting": ("Undangan", "Inviting"),
                    "assessing": ("Penilaian", "Assessing"), "moderating": ("Moderasi", "Moderating"),
                    "finalised": ("Final", "Finalised"), "published": ("Diumumkan", "Published")},
    "invitation_status": {"invited": ("Diundang", "Invited"), "accepted": ("Menerima", "Accepted"),
                          "declined": ("Menolak", "Declined")},
}
