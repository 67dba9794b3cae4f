"""The masterplan stage's rules, one problem `type` each."""

from __future__ import annotations

from services.common.errors import Conflict


class RegionNotSelected(Conflict):
    slug, title = "region-not-selected", "The region was not selected in a published round"
    title_id = "Daerah tidak terpilih pada putaran yang telah diumumkan"


class MouExists(Conflict):
    slug, title = "mou-exists", "The region already signed the MoU for that round"
    title_id = "Daerah sudah menandatangani nota kesepahaman untuk putaran tersebut"


class MasterplanExists(Conflict):
    slug, title = "masterplan-exists", "The region already has a masterplan; revise it instead"
    title_id = "Daerah sudah memiliki masterplan; lakukan revisi"


class NoMou(Conflict):
    slug, title = "mou-missing", "A masterplan follows the MoU"
    title_id = "Masterplan disusun setelah nota kesepahaman"


class MasterplanNotDraft(Conflict):
    slug, title = "masterplan-not-draft", "Only a draft masterplan changes"
    title_id = "Hanya draf masterplan yang dapat diubah"


class NotFlagged(Conflict):
    slug, title = "not-flagged", "The masterplan is not flagged for reconfirmation"
    title_id = "Masterplan tidak ditandai untuk dikonfirmasi ulang"


class MasterplanWithoutProgrammes(Conflict):
    slug, title = "masterplan-without-programmes", "A masterplan needs programmes before it is submitted"
    title_id = "Masterplan memerlukan program sebelum diajukan"


class MasterplanNotInReview(Conflict):
    slug, title = "masterplan-not-in-review", "Review comments are made while the masterplan is in review"
    title_id = "Catatan telaah dibuat selama masterplan ditelaah"


class MasterplanNotApproved(Conflict):
    slug, title = "masterplan-not-approved", "This needs the approved version of the masterplan"
    title_id = "Tindakan ini memerlukan versi masterplan yang telah disetujui"


class RevisionOpen(Conflict):
    slug, title = "revision-open", "A revision of this masterplan is already open"
    title_id = "Revisi masterplan ini sudah dibuka"


class MasterplanSuperseded(Conflict):
    slug, title = "masterplan-superseded", "A superseded version is history; act on the current one"
    title_id = "Versi yang sudah digantikan adalah arsip; gunakan versi yang berlaku"
